// Start-up restore: the store's snapshot back into the broker, before any client connects.
#include <unordered_map>

#include "base/log.h"
#include "mqtt/codec.h"
#include "server/store_journal.h"

namespace lampi::server {

using broker::MessagePtr;

namespace {

mqtt::SubscribeOptions from_options_byte(std::uint8_t b) {
    mqtt::SubscribeOptions o;
    o.qos = b & 0x03;
    o.no_local = (b & 0x04) != 0;
    o.retain_as_published = (b & 0x08) != 0;
    o.retain_handling = (b >> 4) & 0x03;
    return o;
}

// Takes the strings of `r` (the snapshot is not used afterwards; copies doubled the memory).
MessagePtr from_record(persist::MessageRecord& r) {
    auto m = std::make_shared<broker::Message>();
    m->topic = std::move(r.topic);
    m->payload = std::move(r.payload);
    m->qos = r.qos;
    m->retain = r.retain;
    mqtt::decode_message_properties(r.properties, m->properties);
    if (r.expires_at_ms) m->expires_at = from_unix_ms(*r.expires_at_ms);
    m->origin_client_id = std::move(r.origin_client_id);
    m->store_id.store(r.id);
    m->charge_held_bytes();
    return m;
}

}  // namespace

std::variant<std::uint64_t, std::string> restore_broker(persist::Store& store,
                                                        broker::Broker& broker) {
    auto loaded = store.load();
    if (auto* err = std::get_if<std::string>(&loaded)) return *err;
    persist::Snapshot& snap = std::get<persist::Snapshot>(loaded);
    std::unordered_map<std::uint64_t, MessagePtr> messages;
    messages.reserve(snap.messages.size());
    for (auto& r : snap.messages) messages.emplace(r.id, from_record(r));
    std::vector<persist::MessageRecord>().swap(snap.messages);  // emptied above: free it now
    auto message = [&](std::uint64_t id) -> MessagePtr {
        auto it = messages.find(id);
        return it == messages.end() ? nullptr : it->second;
    };
    std::size_t retained = 0;
    for (const auto& r : snap.retained) {
        // $SYS rows (stored by earlier builds) would only restore stale figures.
        if (r.topic.starts_with("$SYS")) continue;
        if (auto m = message(r.message_id)) {
            broker.restore_retained(m);
            ++retained;
        }
    }
    std::unordered_map<std::string, std::shared_ptr<broker::Session>> sessions;
    for (const auto& s : snap.sessions) {
        std::optional<broker::TimePoint> disconnected;
        // Every stored session was offline from the moment the broker stopped at the latest.
        disconnected =
            s.disconnected_at_ms ? from_unix_ms(*s.disconnected_at_ms) : broker::Clock::now();
        auto session = broker.restore_session(s.client_id, s.expiry_interval, disconnected);
        for (const auto& sub : s.subscriptions) {
            broker.restore_subscription(session, sub.filter, from_options_byte(sub.options),
                                        sub.subscription_id);
        }
        for (auto id : s.incoming_qos2) session->restore_incoming_qos2(id);
        sessions.emplace(s.client_id, std::move(session));
    }
    for (const auto& d : snap.deliveries) {
        auto it = sessions.find(d.client_id);
        auto m = message(d.message_id);
        if (it == sessions.end() || !m) continue;
        // via_shared is not stored: a restored message stays with its session.
        broker::Delivery delivery{.message = m,
                                  .qos = d.qos,
                                  .retain = d.retain,
                                  .subscription_ids = d.subscription_ids,
                                  .seq = d.seq};
        it->second->restore_delivery(std::move(delivery), d.packet_id,
                                     static_cast<broker::DeliveryStage>(d.state));
    }
    for (const auto& w : snap.wills) {
        if (auto m = message(w.message_id))
            broker.restore_will(w.client_id, m, from_unix_ms(w.publish_at_ms));
    }
    log(LogType::Notice, "Restored {} retained messages, {} sessions, {} queued messages from {}.",
        retained, snap.sessions.size(), snap.deliveries.size(), store.path());
    return snap.max_message_id + 1;
}

}  // namespace lampi::server
