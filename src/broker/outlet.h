// Outlet: the broker's view of a client's byte stream, implemented by net/ (TCP, TLS, WebSocket)
// and by fakes in tests. send() and close() are thread-safe: any worker may deliver into any
// client. After close() further sends are dropped.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace lampi::broker {

class Outlet {
  public:
    virtual ~Outlet() = default;
    // Queues bytes for writing and makes sure they are flushed soon.
    virtual void send(std::string_view bytes) = 0;
    // Bytes queued and not yet written; used to drop QoS 0 for readers that stall.
    virtual std::size_t pending_bytes() const = 0;
    // Flushes what was queued, then closes the stream.
    virtual void close() = 0;
    // A handle to wait on while this outlet drains (see Backpressure).
    virtual std::weak_ptr<Outlet> weak_outlet() = 0;
};

// Backpressure instead of loss: when a delivery finds its target's buffer above kHighWater, the
// publishing connection is told (per thread) and pauses reading until the target drains, as TCP
// would between a fast writer and a slow reader. A target that stalls for good does not hold
// publishers forever: they resume after a bound, and QoS 0 beyond the hard cap is dropped.
struct Backpressure {
    static constexpr std::size_t kHighWater = 2 * 1024 * 1024;
    static constexpr std::size_t kLowWater = 512 * 1024;
    // Set by Session::deliver on the publishing thread; read and cleared by its read loop.
    static std::weak_ptr<Outlet>& congested_target() {
        thread_local std::weak_ptr<Outlet> target;
        return target;
    }
};

}  // namespace lampi::broker
