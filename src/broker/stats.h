// Broker-wide counters for $SYS and metrics. Relaxed atomics: exact totals, no ordering.
#pragma once

#include <atomic>
#include <cstdint>

namespace lampi::broker {

class Stats {
public:
    using Counter = std::atomic<std::uint64_t>;
    Counter messages_received{0};
    Counter messages_sent{0};
    Counter publish_received{0};
    Counter publish_sent{0};
    Counter publish_dropped{0};
    Counter bytes_received{0};
    Counter bytes_sent{0};
    Counter clients_connected{0};
    Counter clients_maximum{0};
    Counter clients_expired{0};
    Counter sockets_opened{0};
    Counter connections_total{0};

    void client_connected() {
        const std::uint64_t now = clients_connected.fetch_add(1, std::memory_order_relaxed) + 1;
        std::uint64_t max = clients_maximum.load(std::memory_order_relaxed);
        while (now > max && !clients_maximum.compare_exchange_weak(max, now)) {
        }
    }
    void client_disconnected() { clients_connected.fetch_sub(1, std::memory_order_relaxed); }

    static void add(Counter& c, std::uint64_t n = 1) { c.fetch_add(n, std::memory_order_relaxed); }
    static std::uint64_t get(const Counter& c) { return c.load(std::memory_order_relaxed); }
};

}  // namespace lampi::broker
