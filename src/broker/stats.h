// Broker-wide counters for $SYS and metrics. Relaxed atomics: exact totals, no ordering.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

namespace lampi::broker {

// Time a message spends inside the broker, from decoding its PUBLISH to handing it to a
// subscriber's connection; Prometheus-style cumulative buckets in microseconds.
class LatencyHistogram {
  public:
    static constexpr std::array<std::uint64_t, 16> kBucketsUs = {
        10,   25,    50,    100,   250,    500,     1000,     2500,
        5000, 10000, 25000, 50000, 100000, 1000000, 10000000, 60000000};

    void record(std::uint64_t us) {
        std::size_t i = 0;
        while (i < kBucketsUs.size() && us > kBucketsUs[i]) ++i;
        counts_[i].fetch_add(1, std::memory_order_relaxed);
        sum_us_.fetch_add(us, std::memory_order_relaxed);
    }
    // Counts per bucket (not cumulative); the last one is +Inf.
    std::array<std::uint64_t, kBucketsUs.size() + 1> counts() const {
        std::array<std::uint64_t, kBucketsUs.size() + 1> out{};
        for (std::size_t i = 0; i < out.size(); ++i)
            out[i] = counts_[i].load(std::memory_order_relaxed);
        return out;
    }
    std::uint64_t sum_us() const { return sum_us_.load(std::memory_order_relaxed); }

  private:
    std::array<std::atomic<std::uint64_t>, kBucketsUs.size() + 1> counts_{};
    std::atomic<std::uint64_t> sum_us_{0};
};

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
    // Sampled (one delivery in kLatencySampleEvery per thread) to keep the hot path cheap.
    static constexpr unsigned kLatencySampleEvery = 8;
    LatencyHistogram in_broker_latency;

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
