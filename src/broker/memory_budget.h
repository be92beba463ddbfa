// The bytes of application messages the broker holds, for Mosquitto's `memory_limit`.
// lampi counts the topic and payload bytes of every message it keeps alive (retained, queued,
// in flight, pending wills, and briefly while routing), not all heap use as Mosquitto does.
// Each Message carries a HeldBytes charge that is returned when its last holder lets it go.
// Thread-safe: one process-wide atomic counter, relaxed (a limit, not a synchronisation point).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace lampi::broker {

class MemoryBudget {
  public:
    // 0 = no limit. Set from the configuration (and on reload).
    static void set_limit(std::uint64_t bytes) { limit_.store(bytes, std::memory_order_relaxed); }
    static std::uint64_t limit() { return limit_.load(std::memory_order_relaxed); }
    static std::uint64_t held() { return held_.load(std::memory_order_relaxed); }
    // True when holding `extra` more bytes would go past the limit.
    static bool would_exceed(std::size_t extra) {
        const std::uint64_t cap = limit();
        return cap > 0 && held() + extra > cap;
    }

  private:
    friend class HeldBytes;
    static inline std::atomic<std::uint64_t> limit_{0};
    static inline std::atomic<std::uint64_t> held_{0};
};

// A message's share of the budget: charged once, returned on destruction. Not copyable.
class HeldBytes {
  public:
    HeldBytes() = default;
    HeldBytes(const HeldBytes&) = delete;
    HeldBytes& operator=(const HeldBytes&) = delete;
    ~HeldBytes() { MemoryBudget::held_.fetch_sub(bytes_, std::memory_order_relaxed); }

    void charge(std::size_t bytes) {
        MemoryBudget::held_.fetch_add(bytes, std::memory_order_relaxed);
        bytes_ += bytes;
    }
    std::size_t bytes() const { return bytes_; }

  private:
    std::size_t bytes_ = 0;
};

}  // namespace lampi::broker
