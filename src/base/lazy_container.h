// A standard associative container that allocates nothing until its first insert and frees
// itself when emptied. libstdc++'s std::map/std::set/std::unordered_map cost 48-56 bytes each
// even when empty; per-session and per-tree-node containers are empty most of the time.
// Iterators of an unallocated container come from one shared, never modified empty instance,
// so find() == end() comparisons work as usual; as with the standard containers, an insert or
// erase may invalidate them.
#pragma once

#include <memory>
#include <utility>

namespace lampi {

template <class C>
class LazyContainer {
  public:
    using iterator = typename C::iterator;
    using const_iterator = typename C::const_iterator;
    using key_type = typename C::key_type;

    bool empty() const { return !c_ || c_->empty(); }
    std::size_t size() const { return c_ ? c_->size() : 0; }
    iterator begin() { return get().begin(); }
    iterator end() { return get().end(); }
    const_iterator begin() const { return get().begin(); }
    const_iterator end() const { return get().end(); }
    template <class K>
    iterator find(const K& k) {
        return get().find(k);
    }
    template <class K>
    const_iterator find(const K& k) const {
        return get().find(k);
    }
    template <class K>
    bool contains(const K& k) const {
        return c_ && c_->find(k) != c_->end();
    }
    template <class... Args>
    auto emplace(Args&&... args) {
        return allocated().emplace(std::forward<Args>(args)...);
    }
    template <class V>
    auto insert(V&& v) {
        return allocated().insert(std::forward<V>(v));
    }
    iterator erase(iterator it) {
        auto next = c_->erase(it);
        if (!c_->empty()) return next;
        c_.reset();
        return end();
    }
    std::size_t erase(const key_type& k) {
        if (!c_) return 0;
        const std::size_t n = c_->erase(k);
        if (c_->empty()) c_.reset();
        return n;
    }
    void clear() { c_.reset(); }

  private:
    static C& none() {
        static C empty_container;
        return empty_container;
    }
    C& get() { return c_ ? *c_ : none(); }
    const C& get() const { return c_ ? *c_ : none(); }
    C& allocated() {
        if (!c_) c_ = std::make_unique<C>();
        return *c_;
    }

    std::unique_ptr<C> c_;
};

}  // namespace lampi
