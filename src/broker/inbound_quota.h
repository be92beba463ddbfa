// Inbound flow control of one MQTT 5 connection (spec 4.9, 3.3.4): the client may have at most
// the Receive Maximum the broker announced in CONNACK of QoS 1 and QoS 2 PUBLISH packets
// unacknowledged. A QoS 1 PUBLISH counts until its PUBACK is sent, a QoS 2 one until its PUBCOMP
// is sent (or a PUBREC with an error code, which ends the flow). The count belongs to the network
// connection: it starts at 0 on every connection (4.9), even when the session is resumed.
// Threading: acquire*/end_qos2 run on the connection's thread; release() may run on the journal's
// thread (with persistence, acknowledgements wait for the group commit), hence the atomic.
#pragma once

#include <atomic>
#include <cstdint>
#include <unordered_set>

namespace lampi::broker {

class InboundQuota {
  public:
    explicit InboundQuota(std::uint16_t receive_maximum) : maximum_(receive_maximum) {}

    // A QoS 1 PUBLISH arrived. False when it is one more than Receive Maximum allows.
    bool acquire();
    // A QoS 2 PUBLISH with `packet_id` arrived. A retransmission of a flow already counted on
    // this connection is not counted again. False when it is one more than allowed.
    bool acquire_qos2(std::uint16_t packet_id);
    // The QoS 2 flow of `packet_id` ends (PUBREL received, or the PUBLISH refused at PUBREC).
    // True if the flow was counted on this connection: release() once its answer is sent.
    bool end_qos2(std::uint16_t packet_id);
    // The PUBACK, PUBCOMP or refusing PUBREC that ends a counted flow has been sent.
    void release();

    std::uint16_t maximum() const { return maximum_; }
    std::uint32_t outstanding() const { return outstanding_.load(std::memory_order_relaxed); }

  private:
    bool take_one();

    const std::uint16_t maximum_;
    std::atomic<std::uint32_t> outstanding_{0};
    std::unordered_set<std::uint16_t> qos2_ids_;  // counted QoS 2 flows not yet at PUBREL
};

}  // namespace lampi::broker
