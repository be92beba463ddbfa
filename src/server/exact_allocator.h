// A plain allocator for handlers of long-lived operations. Asio substitutes its per-thread
// recycling cache for std::allocator, and that cache hands out blocks sized for earlier, larger
// operations; an idle connection's pending wait would then hold a few hundred bytes instead of
// its own size.
#pragma once

#include <cstddef>
#include <new>

namespace lampi::server {

template <class T>
struct ExactAllocator {
    using value_type = T;
    ExactAllocator() = default;
    template <class U>
    ExactAllocator(const ExactAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
    template <class U>
    bool operator==(const ExactAllocator<U>&) const noexcept {
        return true;
    }
};

}  // namespace lampi::server
