// Journal: where the broker records the state that must survive a restart (persistence true):
// retained messages, persistent sessions with their subscriptions, queued and in-flight QoS 1/2
// deliveries, incoming QoS 2 ids and delayed wills. Implemented over SQLite by server/.
// Contract: every call is one atomic submission, applied in call order; barrier(done) calls
// `done(true)` once everything submitted before it is durable (or `done(false)` if it failed),
// which is when PUBACK / PUBREC may go out. Thread-safe: callers hold the lock of the state they
// record (a session's), so the order of submissions is the order of the changes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "broker/message.h"
#include "mqtt/packet.h"

namespace lampi::broker {

enum class DeliveryStage : std::uint8_t { Queued = 0, WaitPuback, WaitPubrec, WaitPubcomp };

class Journal {
  public:
    virtual ~Journal() = default;

    // False while the store cannot be written (disk full, I/O error): QoS 1/2 messages are then
    // refused rather than acknowledged.
    virtual bool healthy() const = 0;
    virtual void barrier(std::function<void(bool ok)> done) = 0;

    virtual void session_saved(const std::string& client_id, std::uint32_t expiry_interval,
                               std::optional<TimePoint> disconnected_at,
                               mqtt::ProtocolVersion version) = 0;
    virtual void session_removed(const std::string& client_id) = 0;
    virtual void subscription_saved(const std::string& client_id, const std::string& filter,
                                    const mqtt::SubscribeOptions& options,
                                    std::uint32_t subscription_id) = 0;
    virtual void subscription_removed(const std::string& client_id, const std::string& filter) = 0;

    virtual void delivery_saved(const std::string& client_id, std::uint64_t seq,
                                const MessagePtr& message, std::uint8_t qos, bool retain,
                                const std::vector<std::uint32_t>& subscription_ids,
                                std::uint16_t packet_id, DeliveryStage stage) = 0;
    virtual void delivery_moved(const std::string& client_id, std::uint64_t seq,
                                std::uint16_t packet_id, DeliveryStage stage) = 0;
    virtual void delivery_removed(const std::string& client_id, std::uint64_t seq) = 0;
    virtual void incoming_qos2(const std::string& client_id, std::uint16_t packet_id,
                               bool added) = 0;

    virtual void retained_set(const MessagePtr& message) = 0;
    virtual void retained_cleared(const std::string& topic) = 0;
    virtual void will_saved(const std::string& client_id, const MessagePtr& will,
                            TimePoint when) = 0;
    virtual void will_removed(const std::string& client_id) = 0;
};

}  // namespace lampi::broker
