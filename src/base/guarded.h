// Guarded<T>: a value that can only be reached through a lock (FlashMQ's MutexOwned).
// Readers may share a lock; writers hold it alone. Thread-safe by construction.
#pragma once

#include <mutex>
#include <shared_mutex>
#include <utility>

namespace lampi {

template <class T>
class Guarded {
  public:
    template <class... Args>
    explicit Guarded(Args&&... args) : value_(std::forward<Args>(args)...) {}

    template <class F>
    decltype(auto) with_write(F&& f) {
        std::unique_lock lock(mutex_);
        return f(value_);
    }

    template <class F>
    decltype(auto) with_read(F&& f) const {
        std::shared_lock lock(mutex_);
        return f(value_);
    }

  private:
    mutable std::shared_mutex mutex_;
    T value_;
};

}  // namespace lampi
