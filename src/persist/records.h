// Plain records the durable store reads and writes, and the operations the broker records.
// These mirror the broker's state without depending on it: the broker converts its Message,
// Session and queue entries to and from these. Value types; no invariants beyond the comments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lampi::persist {

// One application message. Shared by every delivery, retained entry, will and bridge queue
// entry that refers to it by `id`; the store deletes it once nothing refers to it.
struct MessageRecord {
    std::uint64_t id = 0;  // chosen by the broker, unique for the life of the store
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    bool retain = false;
    std::string properties;  // opaque: v5 properties as the broker serialises them
    std::optional<std::int64_t> expires_at_ms;  // unix ms; none = never expires
    std::string origin_client_id;

    bool operator==(const MessageRecord&) const = default;
};

struct RetainedRecord {
    std::string topic;
    std::uint64_t message_id = 0;

    bool operator==(const RetainedRecord&) const = default;
};

struct SubscriptionRecord {
    std::string filter;
    std::uint8_t options = 0;           // the MQTT 5 subscription options byte (spec 3.8.3.1)
    std::uint32_t subscription_id = 0;  // 0 = none

    bool operator==(const SubscriptionRecord&) const = default;
};

// Where an outgoing message stands in the QoS 1/2 flow (spec 4.3).
enum class DeliveryState : std::uint8_t {
    Queued = 0,       // not sent yet (or sent and to be resent as new after a restart)
    WaitPuback = 1,   // QoS 1 sent, PUBACK pending
    WaitPubrec = 2,   // QoS 2 sent, PUBREC pending
    WaitPubcomp = 3,  // PUBREL sent, PUBCOMP pending: resend PUBREL, never the PUBLISH
};

struct DeliveryRecord {
    std::string client_id;
    std::uint64_t seq = 0;  // order within the session; load() returns deliveries by seq
    std::uint64_t message_id = 0;
    std::uint8_t qos = 0;
    bool retain = false;
    std::uint16_t packet_id = 0;  // 0 while Queued
    DeliveryState state = DeliveryState::Queued;
    std::vector<std::uint32_t> subscription_ids;

    bool operator==(const DeliveryRecord&) const = default;
};

struct SessionRecord {
    std::string client_id;
    std::uint32_t expiry_interval = 0;               // seconds
    std::optional<std::int64_t> disconnected_at_ms;  // unix ms; none while connected
    std::uint8_t protocol_version = 0;               // 3, 4 or 5 as on the wire
    std::vector<SubscriptionRecord> subscriptions;   // ordered by filter
    std::vector<std::uint16_t> incoming_qos2;        // ascending packet ids awaiting PUBREL

    bool operator==(const SessionRecord&) const = default;
};

struct WillRecord {
    std::string client_id;
    std::uint64_t message_id = 0;
    std::int64_t publish_at_ms = 0;  // unix ms

    bool operator==(const WillRecord&) const = default;
};

struct BridgeQueueRecord {
    std::string bridge;
    std::uint64_t seq = 0;
    std::uint64_t message_id = 0;
    std::uint8_t qos = 0;

    bool operator==(const BridgeQueueRecord&) const = default;
};

// Everything in the store, for start-up restore. References whose message is missing are left
// out; every message listed is referenced by at least one entry.
struct Snapshot {
    std::vector<MessageRecord> messages;          // by id
    std::vector<RetainedRecord> retained;         // by topic
    std::vector<SessionRecord> sessions;          // by client id
    std::vector<DeliveryRecord> deliveries;       // by client id, then seq
    std::vector<WillRecord> wills;                // by client id
    std::vector<BridgeQueueRecord> bridge_queue;  // by bridge, then seq
    std::uint64_t max_message_id = 0;  // highest id in the store (0 = none): larger ids are free
};

// ---- Operations, applied in order within one transaction per batch. ----
// Upserts replace the whole record. Deletes of something absent are no-ops, not errors.

// Upsert by id. Put a message in the same batch as its first reference (delivery, retained
// entry, will or bridge queue entry, in either order): a message with no reference at the end
// of a batch is deleted.
struct PutMessage {
    MessageRecord message;
};
// Drops the message now, even if referenced (e.g. it expired). References to it are skipped by
// load() and deleted on the next open, so its id may be reused after a restart.
struct DeleteMessage {
    std::uint64_t id = 0;
};
struct SetRetained {  // upsert by topic
    std::string topic;
    std::uint64_t message_id = 0;
};
struct ClearRetained {
    std::string topic;
};
struct PutSession {  // upsert by client id; subscriptions and incoming QoS 2 ids untouched
    std::string client_id;
    std::uint32_t expiry_interval = 0;
    std::optional<std::int64_t> disconnected_at_ms;
    std::uint8_t protocol_version = 0;
};
struct DeleteSession {      // also deletes its subscriptions, deliveries and incoming QoS 2 ids
    std::string client_id;  // (not its will: a will may outlive the session)
};
struct PutSubscription {  // upsert by client id + filter
    std::string client_id;
    SubscriptionRecord subscription;
};
struct DeleteSubscription {
    std::string client_id;
    std::string filter;
};
struct PutDelivery {  // upsert by client id + seq
    DeliveryRecord delivery;
};
struct UpdateDelivery {  // changes packet id and state only; no-op if absent
    std::string client_id;
    std::uint64_t seq = 0;
    std::uint16_t packet_id = 0;
    DeliveryState state = DeliveryState::Queued;
};
struct DeleteDelivery {
    std::string client_id;
    std::uint64_t seq = 0;
};
struct AddIncomingQos2 {
    std::string client_id;
    std::uint16_t packet_id = 0;
};
struct DeleteIncomingQos2 {
    std::string client_id;
    std::uint16_t packet_id = 0;
};
struct PutWill {  // upsert by client id
    WillRecord will;
};
struct DeleteWill {
    std::string client_id;
};
struct PutBridgeQueue {  // upsert by bridge + seq
    BridgeQueueRecord entry;
};
struct DeleteBridgeQueue {
    std::string bridge;
    std::uint64_t seq = 0;
};

using Op = std::variant<PutMessage, DeleteMessage, SetRetained, ClearRetained, PutSession,
                        DeleteSession, PutSubscription, DeleteSubscription, PutDelivery,
                        UpdateDelivery, DeleteDelivery, AddIncomingQos2, DeleteIncomingQos2,
                        PutWill, DeleteWill, PutBridgeQueue, DeleteBridgeQueue>;

}  // namespace lampi::persist
