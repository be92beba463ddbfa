// SubscriptionTree: topic filters -> subscribers, matched against a topic name on every PUBLISH.
// One node per filter level: literal children in a hash map keyed by string_view, '+' and '#'
// children as separate pointers, so a match walks only the branches that can match and never
// allocates for names up to 64 levels. Returns matches through callbacks; never sends anything.
// Not thread-safe: the owner guards it (the broker keeps it in Guarded<T> and matches under a
// read lock; match() is const and only touches SharedGroup::cursor through the caller).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/lazy_container.h"
#include "mqtt/packet.h"
#include "topic/topic.h"
#include "topic/tree_detail.h"

namespace lampi::topic {
namespace detail {

// The position of each subscriber in a vector of entries. Short lists (the usual case: a handful
// of clients per filter) are scanned linearly and carry no map; from kIndexFrom entries a
// Subscriber -> position map keeps subscribe and unsubscribe O(1), e.g. with 10,000 subscribers
// on one filter. Removal swaps the last entry into the hole.
template <class Entry, class Subscriber, class Hash, class Eq>
class EntryIndex {
  public:
    static constexpr std::size_t kIndexFrom = 16;
    static constexpr std::size_t kIndexUntil = 4;  // drop the map when shrinking to this size

    // Returns true if `s` was not in `entries`; otherwise replaces its options and id.
    bool upsert(std::vector<Entry>& entries, const Subscriber& s,
                const mqtt::SubscribeOptions& options, std::uint32_t subscription_id) {
        std::size_t i = find(entries, s);
        if (i != kNone) {
            entries[i].options = options;
            entries[i].subscription_id = subscription_id;
            return false;
        }
        entries.push_back(Entry{s, options, subscription_id});
        if (map_) {
            map_->emplace(s, entries.size() - 1);
        } else if (entries.size() >= kIndexFrom) {
            map_ = std::make_unique<Map>();
            map_->reserve(entries.size() * 2);
            for (std::size_t k = 0; k < entries.size(); ++k) {
                map_->emplace(entries[k].subscriber, k);
            }
        }
        return true;
    }

    // Returns true if `s` was in `entries`.
    bool erase(std::vector<Entry>& entries, const Subscriber& s) {
        std::size_t i = find(entries, s);
        if (i == kNone) {
            return false;
        }
        if (map_) {
            map_->erase(s);  // before the swap below: `s` may alias an entry
        }
        std::size_t last = entries.size() - 1;
        if (i != last) {
            entries[i] = std::move(entries[last]);
            if (map_) {
                (*map_)[entries[i].subscriber] = i;
            }
        }
        entries.pop_back();
        if (map_ && entries.size() <= kIndexUntil) {
            map_.reset();
        }
        if (entries.capacity() > 64 && entries.size() < entries.capacity() / 4) {
            entries.shrink_to_fit();
        }
        return true;
    }

  private:
    using Map = std::unordered_map<Subscriber, std::size_t, Hash, Eq>;
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    std::size_t find(const std::vector<Entry>& entries, const Subscriber& s) const {
        if (map_) {
            auto it = map_->find(s);
            return it == map_->end() ? kNone : it->second;
        }
        for (std::size_t k = 0; k < entries.size(); ++k) {
            if (Eq{}(entries[k].subscriber, s)) {
                return k;
            }
        }
        return kNone;
    }

    std::unique_ptr<Map> map_;
};

}  // namespace detail

// Subscriber: any copyable, hashable value (std::shared_ptr<Session>, a raw pointer, an id).
template <class Subscriber, class Hash = std::hash<Subscriber>,
          class Eq = std::equal_to<Subscriber>>
class SubscriptionTree {
  public:
    struct Entry {
        Subscriber subscriber;
        mqtt::SubscribeOptions options;
        std::uint32_t subscription_id = 0;
    };
    // A shared subscription group ($share/<group>/<filter>); the broker picks one member per
    // message, round-robin through `cursor` (mutable so it can advance under a read lock).
    struct SharedGroup {
        std::vector<Entry> members;
        mutable std::atomic<std::uint32_t> cursor{0};
    };

    SubscriptionTree() : root_(std::make_unique<Node>()) {}
    SubscriptionTree(const SubscriptionTree&) = delete;
    SubscriptionTree& operator=(const SubscriptionTree&) = delete;
    SubscriptionTree(SubscriptionTree&& other)
        : root_(std::exchange(other.root_, std::make_unique<Node>())),
          size_(std::exchange(other.size_, 0)) {}
    SubscriptionTree& operator=(SubscriptionTree&& other) {
        if (this != &other) {
            root_ = std::exchange(other.root_, std::make_unique<Node>());
            size_ = std::exchange(other.size_, 0);
        }
        return *this;
    }
    ~SubscriptionTree() = default;

    // Adds, or replaces the options of, s's subscription to filter. filter may be
    // "$share/g/f" (the group is keyed by (g, f)). Returns true if new.
    // Precondition: is_valid_topic_filter(filter); a malformed $share filter is ignored (false).
    bool subscribe(std::string_view filter, const Subscriber& s,
                   const mqtt::SubscribeOptions& options, std::uint32_t subscription_id) {
        SharedFilter shared = parse_shared_filter(filter);
        if (shared.is_shared && !shared.valid) {
            return false;
        }
        Node* node = find_or_create(shared.is_shared ? shared.filter : filter);
        bool added = false;
        if (shared.is_shared) {
            if (!node->shared) {
                node->shared = std::make_unique<SharedMap>();
            }
            SharedSlot& slot = node->shared->try_emplace(std::string(shared.group)).first->second;
            added = slot.index.upsert(slot.group.members, s, options, subscription_id);
        } else {
            added = node->index.upsert(node->entries, s, options, subscription_id);
        }
        size_ += added ? 1 : 0;
        return added;
    }

    // Returns true if it existed. Nodes left empty are pruned.
    bool unsubscribe(std::string_view filter, const Subscriber& s) {
        SharedFilter shared = parse_shared_filter(filter);
        if (shared.is_shared && !shared.valid) {
            return false;
        }
        Node* node = find(shared.is_shared ? shared.filter : filter);
        if (node == nullptr || !remove_from(*node, shared, s)) {
            return false;
        }
        --size_;
        prune(node);
        return true;
    }

    // Removes every subscription of `s` (shared ones included), e.g. when a session ends and the
    // caller does not track its filters. O(size of the tree). Returns how many were removed.
    std::size_t unsubscribe_all(const Subscriber& s) {
        std::size_t removed = 0;
        std::vector<Node*> touched;  // parents before children, so pruning in order is safe
        std::vector<Node*> stack{root_.get()};
        while (!stack.empty()) {
            Node* node = stack.back();
            stack.pop_back();
            std::size_t before = removed;
            removed += node->index.erase(node->entries, s) ? 1 : 0;
            if (node->shared) {
                for (auto it = node->shared->begin(); it != node->shared->end();) {
                    SharedSlot& slot = it->second;
                    removed += slot.index.erase(slot.group.members, s) ? 1 : 0;
                    it = slot.group.members.empty() ? node->shared->erase(it) : std::next(it);
                }
                if (node->shared->empty()) {
                    node->shared.reset();
                }
            }
            if (removed != before) {
                touched.push_back(node);
            }
            node->for_each_child([&](Node* child) { stack.push_back(child); });
        }
        for (Node* node : touched) {
            prune(node);
        }
        size_ -= removed;
        return removed;
    }

    // Calls on_entry(const Entry&) for each non-shared subscription whose filter matches
    // topic_name, and on_shared(std::string_view group, const SharedGroup&) once per shared group
    // with a matching filter. A subscriber with several matching filters is visited once per
    // filter (the broker merges). The '$' rule applies (MQTT 4.7.2).
    template <class OnEntry, class OnShared>
    void match(std::string_view topic_name, OnEntry&& on_entry, OnShared&& on_shared) const {
        struct Frame {
            const Node* node;
            std::size_t pos;  // start of the next level of topic_name
        };
        const Node* root = root_.get();
        const bool dollar = !topic_name.empty() && topic_name[0] == '$';
        detail::SmallStack<Frame> stack;
        stack.push(Frame{root, 0});
        while (!stack.empty()) {
            Frame frame = stack.pop();
            const Node* node = frame.node;
            const bool wildcards = !(dollar && node == root);
            // '#' matches the parent level too: "sport/#" matches "sport".
            if (node->hash && wildcards) {
                visit(*node->hash, on_entry, on_shared);
            }
            if (detail::levels_consumed(topic_name, frame.pos)) {
                visit(*node, on_entry, on_shared);
                continue;
            }
            detail::Level level = detail::level_at(topic_name, frame.pos);
            if (node->plus && wildcards) {
                stack.push(Frame{node->plus.get(), level.next});
            }
            if (!node->children.empty()) {
                auto it = node->children.find(level.text);
                if (it != node->children.end()) {
                    stack.push(Frame{it->second.get(), level.next});
                }
            }
        }
    }

    // The group of a "$share/<group>/<filter>" subscription, or nullptr if nobody holds it.
    // Valid until the tree is next modified.
    const SharedGroup* shared_group(std::string_view shared_filter) const {
        SharedFilter shared = parse_shared_filter(shared_filter);
        if (!shared.is_shared || !shared.valid) {
            return nullptr;
        }
        const Node* node = find(shared.filter);
        if (node == nullptr || !node->shared) {
            return nullptr;
        }
        auto it = node->shared->find(std::string(shared.group));
        return it == node->shared->end() ? nullptr : &it->second.group;
    }

    // Number of subscriptions (shared members count each).
    std::size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

    void clear() {
        root_ = std::make_unique<Node>();
        size_ = 0;
    }

    // Visits every subscription: f(std::string_view filter_as_given, const Entry&), where a
    // shared one is given as "$share/<group>/<filter>". For dumps (SIGUSR2) and persistence.
    template <class F>
    void for_each(F&& f) const {
        struct Item {
            const Node* node;
            std::string filter;
        };
        std::vector<Item> stack;
        stack.push_back(Item{root_.get(), std::string()});
        std::string shared_filter;
        while (!stack.empty()) {
            Item item = std::move(stack.back());
            stack.pop_back();
            const Node* node = item.node;
            for (const Entry& e : node->entries) {
                f(std::string_view(item.filter), e);
            }
            if (node->shared) {
                for (const auto& [group, slot] : *node->shared) {
                    shared_filter = "$share/" + group + "/" + item.filter;
                    for (const Entry& e : slot.group.members) {
                        f(std::string_view(shared_filter), e);
                    }
                }
            }
            node->for_each_child([&](const Node* child) {
                // Levels are joined by '/': the root's children start the filter.
                std::string filter =
                    node == root_.get() ? child->level : item.filter + '/' + child->level;
                stack.push_back(Item{child, std::move(filter)});
            });
        }
    }

  private:
    using Index = detail::EntryIndex<Entry, Subscriber, Hash, Eq>;
    struct SharedSlot {
        SharedGroup group;
        Index index;
    };
    using SharedMap = std::unordered_map<std::string, SharedSlot>;

    struct Node {
        std::string level;  // this node's level; children_ keys view into it
        Node* parent = nullptr;
        // Literal levels; most nodes are leaves, so allocated by the first child.
        LazyContainer<std::unordered_map<std::string_view, std::unique_ptr<Node>>> children;
        std::unique_ptr<Node> plus;
        std::unique_ptr<Node> hash;
        std::vector<Entry> entries;
        Index index;
        std::unique_ptr<SharedMap> shared;  // group name -> members; rare, so allocated lazily

        Node() = default;
        Node(const Node&) = delete;
        Node& operator=(const Node&) = delete;
        // Iterative teardown: a filter of 65535 '/' is 65536 levels deep, too deep to recurse.
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
            for (auto& [level_text, child] : children) {
                out.push_back(std::move(child));
            }
            children.clear();
            if (plus) out.push_back(std::move(plus));
            if (hash) out.push_back(std::move(hash));
        }
        template <class F>
        void for_each_child(F&& f) const {
            for (auto& [level_text, child] : children) {
                f(child.get());
            }
            if (plus) f(plus.get());
            if (hash) f(hash.get());
        }
        bool is_empty() const {
            return entries.empty() && !shared && children.empty() && !plus && !hash;
        }
    };

    template <class OnEntry, class OnShared>
    static void visit(const Node& node, OnEntry& on_entry, OnShared& on_shared) {
        for (const Entry& e : node.entries) {
            on_entry(e);
        }
        if (node.shared) {
            for (const auto& [group, slot] : *node.shared) {
                on_shared(std::string_view(group), slot.group);
            }
        }
    }

    static Node* child_or_create(Node* parent, std::string_view level) {
        std::unique_ptr<Node>* slot = nullptr;
        if (level == "+") {
            slot = &parent->plus;
        } else if (level == "#") {
            slot = &parent->hash;
        } else {
            auto it = parent->children.find(level);
            if (it != parent->children.end()) {
                return it->second.get();
            }
        }
        if (slot != nullptr && *slot) {
            return slot->get();
        }
        auto child = std::make_unique<Node>();
        child->level = std::string(level);
        child->parent = parent;
        Node* raw = child.get();
        if (slot != nullptr) {
            *slot = std::move(child);
        } else {
            parent->children.emplace(std::string_view(raw->level), std::move(child));
        }
        return raw;
    }

    Node* find_or_create(std::string_view filter) {
        Node* node = root_.get();
        for (std::size_t pos = 0; !detail::levels_consumed(filter, pos);) {
            detail::Level level = detail::level_at(filter, pos);
            node = child_or_create(node, level.text);
            pos = level.next;
        }
        return node;
    }

    Node* find(std::string_view filter) const {
        Node* node = root_.get();
        for (std::size_t pos = 0; node != nullptr && !detail::levels_consumed(filter, pos);) {
            detail::Level level = detail::level_at(filter, pos);
            if (level.text == "+") {
                node = node->plus.get();
            } else if (level.text == "#") {
                node = node->hash.get();
            } else {
                auto it = node->children.find(level.text);
                node = it == node->children.end() ? nullptr : it->second.get();
            }
            pos = level.next;
        }
        return node;
    }

    static bool remove_from(Node& node, const SharedFilter& shared, const Subscriber& s) {
        if (!shared.is_shared) {
            return node.index.erase(node.entries, s);
        }
        if (!node.shared) {
            return false;
        }
        auto it = node.shared->find(std::string(shared.group));
        if (it == node.shared->end() || !it->second.index.erase(it->second.group.members, s)) {
            return false;
        }
        if (it->second.group.members.empty()) {
            node.shared->erase(it);
            if (node.shared->empty()) {
                node.shared.reset();
            }
        }
        return true;
    }

    // Removes `node` and then each ancestor that is left with nothing (except the root).
    void prune(Node* node) {
        while (node != root_.get() && node->is_empty()) {
            Node* parent = node->parent;
            if (parent->plus.get() == node) {
                parent->plus.reset();
            } else if (parent->hash.get() == node) {
                parent->hash.reset();
            } else {
                // Erase by iterator: the key views into the node being destroyed.
                parent->children.erase(parent->children.find(std::string_view(node->level)));
            }
            node = parent;
        }
    }

    std::unique_ptr<Node> root_;
    std::size_t size_ = 0;
};

}  // namespace lampi::topic
