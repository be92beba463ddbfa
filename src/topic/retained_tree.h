// RetainedTree: the last retained message per topic name, in a tree of levels so that a wildcard
// SUBSCRIBE visits only the branches its filter can match (not a scan of every retained topic).
// Each value is stored with its full topic so callbacks get it without rebuilding strings.
// Not thread-safe: guarded by its owner. Iterative walks only: topics may be 32768 levels deep.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "topic/tree_detail.h"

namespace lampi::topic {

template <class Value>
class RetainedTree {
  public:
    RetainedTree() : root_(std::make_unique<Node>()) {}
    RetainedTree(const RetainedTree&) = delete;
    RetainedTree& operator=(const RetainedTree&) = delete;
    RetainedTree(RetainedTree&& other)
        : root_(std::exchange(other.root_, std::make_unique<Node>())),
          size_(std::exchange(other.size_, 0)) {}
    RetainedTree& operator=(RetainedTree&& other) {
        if (this != &other) {
            root_ = std::exchange(other.root_, std::make_unique<Node>());
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    ~RetainedTree() = default;

    // Inserts or replaces the message for `topic`. Precondition: is_valid_topic_name(topic).
    void set(std::string_view topic, Value v) {
        Node* node = root_.get();
        for (std::size_t pos = 0; !detail::levels_consumed(topic, pos);) {
            detail::Level level = detail::level_at(topic, pos);
            node = child_or_create(node, level.text);
            pos = level.next;
        }
        if (node->item) {
            node->item->value = std::move(v);
        } else {
            node->item.emplace(Item{std::string(topic), std::move(v)});
            ++size_;
        }
    }

    // Returns true if there was a message for `topic`. Nodes left empty are pruned.
    bool erase(std::string_view topic) {
        Node* node = find_node(topic);
        if (node == nullptr || !node->item) {
            return false;
        }
        node->item.reset();
        --size_;
        prune(node);
        return true;
    }

    const Value* find(std::string_view topic) const {
        const Node* node = find_node(topic);
        return node != nullptr && node->item ? &node->item->value : nullptr;
    }

    // Calls f(std::string_view topic, const Value&) for each retained message whose topic matches
    // `filter` (a valid, non-shared topic filter). MQTT 4.7.2: a first level of '+' or '#' does
    // not match topics starting with '$', so "#" skips "$SYS/..." while "$SYS/#" returns it.
    template <class F>
    void match(std::string_view filter, F&& f) const {
        struct Frame {
            const Node* node;
            std::size_t pos;  // start of the next level of filter
        };
        const Node* root = root_.get();
        detail::SmallStack<Frame> stack;
        stack.push(Frame{root, 0});
        while (!stack.empty()) {
            Frame frame = stack.pop();
            const Node* node = frame.node;
            if (detail::levels_consumed(filter, frame.pos)) {
                emit(*node, f);
                continue;
            }
            detail::Level level = detail::level_at(filter, frame.pos);
            const bool skip_dollar = node == root;
            if (level.text == "#") {
                emit(*node, f);  // "sport/#" matches "sport"
                for (const auto& [text, child] : node->children) {
                    if (!(skip_dollar && is_dollar(text))) {
                        emit_subtree(*child, f);
                    }
                }
            } else if (level.text == "+") {
                for (const auto& [text, child] : node->children) {
                    if (!(skip_dollar && is_dollar(text))) {
                        stack.push(Frame{child.get(), level.next});
                    }
                }
            } else {
                auto it = node->children.find(level.text);
                if (it != node->children.end()) {
                    stack.push(Frame{it->second.get(), level.next});
                }
            }
        }
    }

    // f(std::string_view topic, const Value&) for every retained message, in no set order.
    template <class F>
    void for_each(F&& f) const {
        emit_subtree(*root_, f);
    }

    // Erases each message for which p(std::string_view topic, const Value&) (or p(const Value&))
    // is true, e.g. expired ones; prunes empty nodes. Returns how many were erased.
    template <class Pred>
    std::size_t erase_if(Pred&& p) {
        std::vector<Node*> erased;  // parents before children, so pruning in order is safe
        std::vector<Node*> stack{root_.get()};
        while (!stack.empty()) {
            Node* node = stack.back();
            stack.pop_back();
            if (node->item && test(p, *node->item)) {
                node->item.reset();
                erased.push_back(node);
            }
            for (auto& [text, child] : node->children) {
                stack.push_back(child.get());
            }
        }
        for (Node* node : erased) {
            prune(node);
        }
        size_ -= erased.size();
        return erased.size();
    }

    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    void clear() {
        root_ = std::make_unique<Node>();
        size_ = 0;
    }

  private:
    struct Item {
        std::string topic;
        Value value;
    };

    struct Node {
        std::string level;  // the parent's children key views into it
        Node* parent = nullptr;
        std::unordered_map<std::string_view, std::unique_ptr<Node>> children;
        std::optional<Item> item;

        Node() = default;
        Node(const Node&) = delete;
        Node& operator=(const Node&) = delete;
        // Iterative teardown: a 65535-byte topic may be 32768 levels deep, too deep to recurse.
        ~Node() {
            std::vector<std::unique_ptr<Node>> doomed;
            release_children(doomed);
            while (!doomed.empty()) {
                std::unique_ptr<Node> node = std::move(doomed.back());
                doomed.pop_back();
                node->release_children(doomed);
            }
        }
        void release_children(std::vector<std::unique_ptr<Node>>& out) {
            for (auto& [text, child] : children) {
                out.push_back(std::move(child));
            }
            children.clear();
        }
    };

    static bool is_dollar(std::string_view level) { return !level.empty() && level[0] == '$'; }

    template <class Pred>
    static bool test(Pred& p, const Item& item) {
        if constexpr (std::is_invocable_v<Pred&, std::string_view, const Value&>) {
            return static_cast<bool>(p(std::string_view(item.topic), item.value));
        } else {
            return static_cast<bool>(p(item.value));
        }
    }

    template <class F>
    static void emit(const Node& node, F& f) {
        if (node.item) {
            f(std::string_view(node.item->topic), node.item->value);
        }
    }

    // Every message at or below `top`. The root has no message and its '$' children are only
    // reached through a literal first level, so callers filter those before calling this.
    template <class F>
    static void emit_subtree(const Node& top, F& f) {
        detail::SmallStack<const Node*> stack;
        stack.push(&top);
        while (!stack.empty()) {
            const Node* node = stack.pop();
            emit(*node, f);
            for (const auto& [text, child] : node->children) {
                stack.push(child.get());
            }
        }
    }

    static Node* child_or_create(Node* parent, std::string_view level) {
        auto it = parent->children.find(level);
        if (it != parent->children.end()) {
            return it->second.get();
        }
        auto child = std::make_unique<Node>();
        child->level = std::string(level);
        child->parent = parent;
        Node* raw = child.get();
        parent->children.emplace(std::string_view(raw->level), std::move(child));
        return raw;
    }

    Node* find_node(std::string_view topic) const {
        Node* node = root_.get();
        for (std::size_t pos = 0; node != nullptr && !detail::levels_consumed(topic, pos);) {
            detail::Level level = detail::level_at(topic, pos);
            auto it = node->children.find(level.text);
            node = it == node->children.end() ? nullptr : it->second.get();
            pos = level.next;
        }
        return node;
    }

    void prune(Node* node) {
        while (node != root_.get() && !node->item && node->children.empty()) {
            Node* parent = node->parent;
            // Erase by iterator: the key views into the node being destroyed.
            parent->children.erase(parent->children.find(std::string_view(node->level)));
            node = parent;
        }
    }

    std::unique_ptr<Node> root_;
    std::size_t size_ = 0;
};

}  // namespace lampi::topic
