// Outlet: the broker's view of a client's byte stream, implemented by net/ (TCP, TLS, WebSocket)
// and by fakes in tests. send() and close() are thread-safe: any worker may deliver into any
// client. After close() further sends are dropped.
#pragma once

#include <cstddef>
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
};

}  // namespace lampi::broker
