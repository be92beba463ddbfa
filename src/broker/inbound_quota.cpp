#include "broker/inbound_quota.h"

namespace lampi::broker {

bool InboundQuota::take_one() {
    // MQTT 5 3.3.4: receiving more than Receive Maximum unacknowledged PUBLISH is an error.
    if (outstanding_.load(std::memory_order_relaxed) >= maximum_) return false;
    outstanding_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

bool InboundQuota::acquire() { return take_one(); }

bool InboundQuota::acquire_qos2(std::uint16_t packet_id) {
    if (qos2_ids_.contains(packet_id)) return true;  // a retransmission (DUP) of a counted flow
    if (!take_one()) return false;
    qos2_ids_.insert(packet_id);
    return true;
}

bool InboundQuota::end_qos2(std::uint16_t packet_id) { return qos2_ids_.erase(packet_id) > 0; }

void InboundQuota::release() {
    // Never below 0, whatever the order of a late journal callback.
    std::uint32_t n = outstanding_.load(std::memory_order_relaxed);
    while (n > 0 && !outstanding_.compare_exchange_weak(n, n - 1, std::memory_order_relaxed)) {
    }
}

}  // namespace lampi::broker
