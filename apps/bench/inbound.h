// InboundSplitter: the subscriber's fast path. Splits the bytes from the broker into QoS 0/1
// PUBLISH packets, which the bench handles itself (payload in place, no copy), and everything
// else (CONNACK, SUBACK, PUBACK/PUBREC/PUBCOMP, QoS 2 PUBLISH, PINGRESP, DISCONNECT), which goes
// to client::Session in arrival order.
//
// Why: Session decodes every PUBLISH into an mqtt::Publish whose mqtt::Properties (~30 optional
// fields) is built, moved through two variants and destroyed per message; at 1M+ msgs/s that made
// the tool use 4-5x the CPU of mqbench and starve the broker it shares 2 cores with. QoS 0/1
// deliveries need no session state (QoS 1 only a PUBACK, which the caller writes); QoS 2 keeps
// the Session's exactly-once flow. Pure; one owner; keeps the unfinished tail between feeds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lampi::bench {

class InboundSplitter {
  public:
    struct Delivery {
        std::span<const std::uint8_t> payload;
        std::uint8_t qos = 0;
        std::uint16_t packet_id = 0;  // QoS 1
    };

    // `v5`: PUBLISH carries a properties field (skipped).
    explicit InboundSplitter(bool v5) : v5_(v5) {}

    // Calls on_publish(const Delivery&) for each QoS 0/1 PUBLISH and on_other(span) for each run
    // of other complete packets, in stream order. False on a malformed stream (the caller closes).
    template <class OnPublish, class OnOther>
    bool feed(std::span<const std::uint8_t> data, OnPublish&& on_publish, OnOther&& on_other);

  private:
    enum class Kind { Incomplete, Other, FastPublish, Malformed };
    // Classifies the packet at the start of `data`; sets `length` for complete packets.
    Kind classify(std::span<const std::uint8_t> data, std::size_t& length, Delivery& d) const;

    bool v5_;
    std::vector<std::uint8_t> carry_;
};

// Appends a PUBACK for `packet_id` (2-byte remaining length: reason 0 implied in MQTT 5).
inline void append_puback(std::string& out, std::uint16_t packet_id) {
    out += static_cast<char>(0x40);
    out += static_cast<char>(0x02);
    out += static_cast<char>(packet_id >> 8);
    out += static_cast<char>(packet_id & 0xFF);
}

template <class OnPublish, class OnOther>
bool InboundSplitter::feed(std::span<const std::uint8_t> data, OnPublish&& on_publish,
                           OnOther&& on_other) {
    Delivery d;
    if (!carry_.empty()) {
        // Complete the packet that straddles the previous read, copying only its own bytes.
        std::size_t taken = 0;
        for (;;) {
            std::size_t length = 0;
            const Kind kind = classify(carry_, length, d);
            if (kind == Kind::Malformed) return false;
            if (kind == Kind::FastPublish) on_publish(d);
            if (kind == Kind::Other) on_other(std::span<const std::uint8_t>(carry_));
            if (kind != Kind::Incomplete) break;
            if (taken == data.size()) return true;  // still incomplete
            const std::size_t want = length > carry_.size() ? length - carry_.size() : 1;
            const std::size_t n = std::min(want, data.size() - taken);
            carry_.insert(carry_.end(), data.begin() + static_cast<std::ptrdiff_t>(taken),
                          data.begin() + static_cast<std::ptrdiff_t>(taken + n));
            taken += n;
        }
        carry_.clear();
        data = data.subspan(taken);
    }
    std::size_t pos = 0, run_start = 0;
    for (;;) {
        std::size_t length = 0;
        const Kind kind = classify(data.subspan(pos), length, d);
        if (kind == Kind::Malformed) return false;
        if (kind == Kind::Incomplete) break;
        if (kind == Kind::FastPublish) {
            if (pos > run_start) on_other(data.subspan(run_start, pos - run_start));
            on_publish(d);
            run_start = pos + length;
        }
        pos += length;
    }
    if (pos > run_start) on_other(data.subspan(run_start, pos - run_start));
    carry_.assign(data.begin() + static_cast<std::ptrdiff_t>(pos), data.end());
    return true;
}

}  // namespace lampi::bench
