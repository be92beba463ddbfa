#include "server/store_journal.h"

#include "mqtt/codec.h"

namespace lampi::server {

using broker::DeliveryStage;
using broker::MessagePtr;

std::int64_t to_unix_ms(broker::TimePoint t) {
    const auto offset = t - broker::Clock::now();
    const auto wall = std::chrono::system_clock::now() +
                      std::chrono::duration_cast<std::chrono::system_clock::duration>(offset);
    return std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()).count();
}

broker::TimePoint from_unix_ms(std::int64_t ms) {
    const auto wall = std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
    return broker::Clock::now() + std::chrono::duration_cast<broker::Clock::duration>(
                                      wall - std::chrono::system_clock::now());
}

namespace {

persist::DeliveryState to_state(DeliveryStage s) {
    return static_cast<persist::DeliveryState>(static_cast<std::uint8_t>(s));
}

// MQTT 5 3.8.3.1: the subscription options byte.
std::uint8_t options_byte(const mqtt::SubscribeOptions& o) {
    return static_cast<std::uint8_t>(o.qos | (o.no_local ? 0x04 : 0) |
                                     (o.retain_as_published ? 0x08 : 0) | (o.retain_handling << 4));
}

persist::MessageRecord to_record(const broker::Message& m, std::uint64_t id) {
    persist::MessageRecord r;
    r.id = id;
    r.topic = m.topic;
    r.payload = m.payload;
    r.qos = m.qos;
    r.retain = m.retain;
    r.properties = mqtt::encode_message_properties(m.properties);
    if (m.expires_at) r.expires_at_ms = to_unix_ms(*m.expires_at);
    r.origin_client_id = m.origin_client_id;
    return r;
}

}  // namespace

StoreJournal::StoreJournal(persist::Store& store, std::uint64_t first_message_id)
    : committer_(store), next_message_id_(first_message_id) {}

StoreJournal::~StoreJournal() { committer_.flush(); }

bool StoreJournal::healthy() const { return committer_.stats().healthy; }

void StoreJournal::submit(std::vector<persist::Op> ops) { committer_.submit(std::move(ops), {}); }

void StoreJournal::barrier(std::function<void(bool ok)> done) {
    committer_.submit({}, std::move(done));
}

bool StoreJournal::flush() { return committer_.flush(); }

// The message row is written with every reference (an upsert by id): a reference taken after
// the store dropped the row for lack of references (acked by another subscriber on another
// thread meanwhile) must never point at nothing.
std::uint64_t StoreJournal::reference(const MessagePtr& m, std::vector<persist::Op>& ops) {
    std::uint64_t id = m->store_id.load(std::memory_order_acquire);
    if (id == 0) {
        const std::uint64_t fresh = next_message_id_.fetch_add(1, std::memory_order_relaxed);
        id = m->store_id.compare_exchange_strong(id, fresh) ? fresh : id;
    }
    ops.push_back(persist::PutMessage{to_record(*m, id)});
    return id;
}

void StoreJournal::session_saved(const std::string& client_id, std::uint32_t expiry_interval,
                                 std::optional<broker::TimePoint> disconnected_at,
                                 mqtt::ProtocolVersion version) {
    persist::PutSession op{client_id, expiry_interval, std::nullopt,
                           static_cast<std::uint8_t>(version)};
    if (disconnected_at) op.disconnected_at_ms = to_unix_ms(*disconnected_at);
    submit({std::move(op)});
}

void StoreJournal::session_removed(const std::string& client_id) {
    submit({persist::DeleteSession{client_id}});
}

void StoreJournal::subscription_saved(const std::string& client_id, const std::string& filter,
                                      const mqtt::SubscribeOptions& options,
                                      std::uint32_t subscription_id) {
    submit({persist::PutSubscription{client_id, {filter, options_byte(options), subscription_id}}});
}

void StoreJournal::subscription_removed(const std::string& client_id, const std::string& filter) {
    submit({persist::DeleteSubscription{client_id, filter}});
}

void StoreJournal::delivery_saved(const std::string& client_id, std::uint64_t seq,
                                  const MessagePtr& message, std::uint8_t qos, bool retain,
                                  const std::vector<std::uint32_t>& subscription_ids,
                                  std::uint16_t packet_id, DeliveryStage stage) {
    std::vector<persist::Op> ops;
    const std::uint64_t id = reference(message, ops);
    persist::DeliveryRecord d{client_id,       seq, id, qos, retain, packet_id, to_state(stage),
                              subscription_ids};
    ops.push_back(persist::PutDelivery{std::move(d)});
    submit(std::move(ops));
}

void StoreJournal::delivery_moved(const std::string& client_id, std::uint64_t seq,
                                  std::uint16_t packet_id, DeliveryStage stage) {
    submit({persist::UpdateDelivery{client_id, seq, packet_id, to_state(stage)}});
}

void StoreJournal::delivery_removed(const std::string& client_id, std::uint64_t seq) {
    submit({persist::DeleteDelivery{client_id, seq}});
}

void StoreJournal::incoming_qos2(const std::string& client_id, std::uint16_t packet_id,
                                 bool added) {
    if (added) {
        submit({persist::AddIncomingQos2{client_id, packet_id}});
    } else {
        submit({persist::DeleteIncomingQos2{client_id, packet_id}});
    }
}

void StoreJournal::retained_set(const MessagePtr& message) {
    std::vector<persist::Op> ops;
    const std::uint64_t id = reference(message, ops);
    ops.push_back(persist::SetRetained{message->topic, id});
    submit(std::move(ops));
}

void StoreJournal::retained_cleared(const std::string& topic) {
    submit({persist::ClearRetained{topic}});
}

void StoreJournal::will_saved(const std::string& client_id, const MessagePtr& will,
                              broker::TimePoint when) {
    std::vector<persist::Op> ops;
    const std::uint64_t id = reference(will, ops);
    ops.push_back(persist::PutWill{{client_id, id, to_unix_ms(when)}});
    submit(std::move(ops));
}

void StoreJournal::will_removed(const std::string& client_id) {
    submit({persist::DeleteWill{client_id}});
}

}  // namespace lampi::server
