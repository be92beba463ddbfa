// Helpers shared by SubscriptionTree and RetainedTree: level splitting without allocation and a
// small stack that keeps the first frames inline so a match does not touch the heap.
// Internal to the topic module; pure and thread-compatible.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace lampi::topic::detail {

// Positions into a topic name or filter: `pos` is where the next level starts; a position past
// the end (size() + 1) means every level has been consumed. "a/" has two levels: "a" and "".
struct Level {
    std::string_view text;
    std::size_t next = 0;  // where the following level starts
};

inline bool levels_consumed(std::string_view s, std::size_t pos) { return pos > s.size(); }

// Precondition: !levels_consumed(s, pos).
inline Level level_at(std::string_view s, std::size_t pos) {
    std::size_t slash = s.find('/', pos);
    if (slash == std::string_view::npos) {
        return Level{s.substr(pos), s.size() + 1};
    }
    return Level{s.substr(pos, slash - pos), slash + 1};
}

// Keeps up to N elements in place and spills into a vector only for deep trees, so iterative
// walks (no recursion: 65535-byte topics can have 32768 levels) stay allocation-free.
template <class T, std::size_t N = 64>
class SmallStack {
  public:
    void push(T v) {
        if (size_ < N) {
            inline_[size_] = v;
        } else {
            overflow_.push_back(v);
        }
        ++size_;
    }
    T pop() {
        --size_;
        if (size_ < N) {
            return inline_[size_];
        }
        T v = overflow_.back();
        overflow_.pop_back();
        return v;
    }
    bool empty() const { return size_ == 0; }

  private:
    std::array<T, N> inline_{};
    std::size_t size_ = 0;
    std::vector<T> overflow_;
};

}  // namespace lampi::topic::detail
