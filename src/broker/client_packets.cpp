// Packet handlers of a connected client: PUBLISH and its acknowledgements, SUBSCRIBE and
// UNSUBSCRIBE.
#include "base/log.h"
#include "broker/client_connection.h"
#include "topic/topic.h"

namespace lampi::broker {

namespace rc = mqtt::reason;

bool ClientConnection::allowed(std::string_view topic, AccessKind kind) const {
    if (!policy_.access) return true;
    const auto access = policy_.access->get();
    if (!access || !access->has_acl()) return true;
    return access->allowed(ClientIdentity{client_id_, &username_, is_bridge_}, topic, kind);
}

std::string ClientConnection::mount(std::string_view topic) const {
    std::string out = policy_.mount_point;
    out.append(topic);
    return out;
}

MessagePtr ClientConnection::make_message(mqtt::Publish&& p, TimePoint now) const {
    auto m = std::make_shared<Message>();
    m->topic = std::move(p.topic);
    m->payload = std::move(p.payload);
    m->qos = p.qos;
    m->retain = p.retain;
    m->origin_client_id = client_id_;
    m->received_at = now;
    if (mqtt::is_v5(version_)) {
        if (p.properties.message_expiry_interval) {
            m->expires_at = now + std::chrono::seconds(*p.properties.message_expiry_interval);
        }
        p.properties.message_expiry_interval.reset();
        p.properties.topic_alias.reset();
        p.properties.subscription_identifiers.clear();
        p.properties.will_delay_interval.reset();
        m->properties = std::move(p.properties);
    }
    m->charge_held_bytes();
    return m;
}

std::uint8_t ClientConnection::resolve_topic_alias(mqtt::Publish& p) {
    if (!p.properties.topic_alias) {
        return p.topic.empty() ? rc::kProtocolError : rc::kSuccess;
    }
    const std::uint16_t alias = *p.properties.topic_alias;
    // MQTT 5 3.3.2.3.4: 0 and values above our Topic Alias Maximum are invalid.
    if (alias == 0 || alias > policy_.max_topic_alias) return rc::kTopicAliasInvalid;
    if (p.topic.empty()) {
        // An alias this connection never mapped: a protocol error (as Mosquitto answers).
        if (!topic_aliases_) return rc::kProtocolError;
        auto it = topic_aliases_->find(alias);
        if (it == topic_aliases_->end()) return rc::kProtocolError;
        p.topic = it->second;
    } else {
        if (!topic_aliases_) topic_aliases_ = std::make_unique<TopicAliases>();
        (*topic_aliases_)[alias] = p.topic;
    }
    return rc::kSuccess;
}

// Returns 0 when the message may be routed, else the v5 reason code for refusing it.
std::uint8_t ClientConnection::check_publish(const mqtt::Publish& p) const {
    const Settings& settings = settings_;
    if (settings.message_size_limit > 0 && p.payload.size() > settings.message_size_limit) {
        return rc::kPacketTooLarge;
    }
    if (p.properties.payload_format_indicator.value_or(0) == 1 && !mqtt::is_valid_utf8(p.payload)) {
        return rc::kPayloadFormatInvalid;  // MQTT 5 3.3.2.3.2
    }
    // Clients may not write into $SYS (Mosquitto lets bridges set their connection state).
    if (p.topic.starts_with("$SYS/") && !p.topic.starts_with("$SYS/broker/connection/")) {
        return rc::kNotAuthorized;
    }
    if (!allowed(mount(p.topic), AccessKind::Write)) return rc::kNotAuthorized;
    return rc::kSuccess;
}

void ClientConnection::handle_publish(mqtt::Publish& p, TimePoint now) {
    Stats::add(broker_.stats().publish_received);
    Stats::add(broker_.stats().messages_received);
    if (mqtt::is_v5(version_)) {
        if (const std::uint8_t bad = resolve_topic_alias(p); bad != rc::kSuccess) {
            close_with(bad, "invalid topic alias");
            return;
        }
    }
    if (p.qos > policy_.max_qos) {
        close_with(rc::kQosNotSupported, "QoS above the listener's max_qos");  // MQTT 5 3.3.1.2
        return;
    }
    if (std::string why; const std::uint8_t over = admit_publish(p, now, why)) {
        close_with(over, why);
        return;
    }
    if (!topic::is_valid_topic_name(p.topic)) {
        close_with(rc::kTopicNameInvalid, "invalid topic name in PUBLISH");
        return;
    }
    if (p.retain && !settings_.retain_available) {
        close_with(rc::kRetainNotSupported, "retain not available");
        return;
    }
    std::uint8_t refusal = check_publish(p);
    Journal* journal = broker_.journal();
    if (refusal == rc::kSuccess && p.qos > 0 && journal != nullptr && !journal->healthy()) {
        // The store cannot be written: refuse rather than acknowledge what would not survive.
        if (!mqtt::is_v5(version_)) return;  // 3.1.1 has no refusal: the client resends later
        refusal = rc::kImplementationSpecificError;
    }
    if (refusal == rc::kPayloadFormatInvalid && p.qos == 0) {
        close_with(refusal, "payload is not UTF-8");
        return;
    }
    const std::uint16_t id = p.packet_id;
    const bool v5 = mqtt::is_v5(version_);
    // MQTT 5 3.4.2.1: 0x10 tells the publisher nobody received it (Mosquitto does so too).
    auto ack_code = [&](std::size_t delivered) -> std::uint8_t {
        if (!v5) return 0;
        if (refusal != rc::kSuccess) return refusal;
        return delivered == 0 ? rc::kNoMatchingSubscribers : rc::kSuccess;
    };
    if (p.qos == 2) {
        const bool fresh = session_->remember_incoming_qos2(id);
        if (fresh && !within_memory_limit(p, refusal)) {
            session_->release_incoming_qos2(id);  // not taken: the client sends it again
            return;
        }
        std::size_t delivered = 1;  // a duplicate was delivered the first time
        if (fresh && refusal == rc::kSuccess) delivered = route_publish(p, now);
        // A v5 refusal ends the QoS 2 flow at PUBREC (MQTT 5 4.3.3).
        bool ends_flow = false;
        if (refusal != rc::kSuccess && v5) {
            session_->release_incoming_qos2(id);
            ends_flow = inbound_quota_ && inbound_quota_->end_qos2(id);
        }
        acknowledge(mqtt::PubResponse{mqtt::PacketType::Pubrec, id, ack_code(delivered), {}},
                    ends_flow);
        return;
    }
    if (!within_memory_limit(p, refusal)) return;
    std::size_t delivered = 0;
    if (refusal == rc::kSuccess) delivered = route_publish(p, now);
    if (p.qos == 1) {
        acknowledge(mqtt::PubResponse{mqtt::PacketType::Puback, id, ack_code(delivered), {}}, true);
    }
}

void ClientConnection::acknowledge(const mqtt::PubResponse& ack, bool ends_counted_flow) {
    std::shared_ptr<InboundQuota> quota = ends_counted_flow ? inbound_quota_ : nullptr;
    Journal* journal = broker_.journal();
    if (journal == nullptr) {
        send(ack);
        if (quota) quota->release();
        return;
    }
    std::string bytes;
    mqtt::encode(ack, version_, bytes);
    // The barrier completes in submission order, so acknowledgements keep the order of the
    // PUBLISHes (MQTT 3.1.1 4.6). The client's quota comes back when the answer leaves. A
    // refusal (MQTT 5 reason >= 0x80, e.g. 0x83 while the store cannot be written) promises
    // nothing, so it goes out even when the commit failed.
    const bool refusal = ack.reason_code >= 0x80;
    journal->barrier([weak = outlet_.weak_outlet(), bytes = std::move(bytes),
                      quota = std::move(quota), refusal](bool ok) {
        if (!ok && !refusal) return;
        if (auto outlet = weak.lock()) outlet->send(bytes);
        if (quota) quota->release();
    });
}

std::size_t ClientConnection::route_publish(mqtt::Publish& p, TimePoint now) {
    if (!policy_.mount_point.empty()) p.topic = mount(p.topic);
    MessagePtr message = make_message(std::move(p), now);
    return broker_.publish(message, session_.get(), now);
}

void ClientConnection::handle_pub_response(const mqtt::PubResponse& r, TimePoint now) {
    switch (r.type) {
        case mqtt::PacketType::Puback:
            session_->on_puback(r.packet_id, now);
            break;
        case mqtt::PacketType::Pubrec:
            if (!session_->on_pubrec(r.packet_id, r.reason_code, now) && mqtt::is_v5(version_)) {
                send(mqtt::PubResponse{
                    mqtt::PacketType::Pubrel, r.packet_id, rc::kPacketIdentifierNotFound, {}});
            }
            break;
        case mqtt::PacketType::Pubrel: {
            const bool known = session_->release_incoming_qos2(r.packet_id);
            const std::uint8_t code =
                (known || !mqtt::is_v5(version_)) ? rc::kSuccess : rc::kPacketIdentifierNotFound;
            const bool counted = inbound_quota_ && inbound_quota_->end_qos2(r.packet_id);
            // Only once the id is forgotten on disk too: a restart must not mistake the client's
            // next message with this id for a duplicate.
            acknowledge(mqtt::PubResponse{mqtt::PacketType::Pubcomp, r.packet_id, code, {}},
                        counted);
            break;
        }
        case mqtt::PacketType::Pubcomp:
            session_->on_pubcomp(r.packet_id, now);
            break;
        default:
            break;
    }
}

std::uint8_t ClientConnection::check_subscription(const mqtt::Subscription& sub,
                                                  bool has_sub_id) const {
    (void)has_sub_id;
    const topic::SharedFilter shared = topic::parse_shared_filter(sub.filter);
    if (shared.is_shared) {
        if (!shared.valid) return rc::kTopicFilterInvalid;
    } else if (!topic::is_valid_topic_filter(sub.filter)) {
        return rc::kTopicFilterInvalid;
    }
    return rc::kSuccess;
}

void ClientConnection::handle_subscribe(const mqtt::Subscribe& s, TimePoint now) {
    const bool v5 = mqtt::is_v5(version_);
    const std::uint32_t sub_id = s.properties.subscription_identifiers.empty()
                                     ? 0
                                     : s.properties.subscription_identifiers[0];
    mqtt::Suback ack;
    ack.packet_id = s.packet_id;
    std::vector<Delivery> retained;
    for (const auto& sub : s.subscriptions) {
        const bool shared = topic::parse_shared_filter(sub.filter).is_shared;
        if (v5 && shared && sub.options.no_local) {
            close_with(rc::kProtocolError, "no local on a shared subscription");  // 3.8.3.1
            return;
        }
        std::uint8_t code = check_subscription(sub, sub_id != 0);
        if (code == rc::kSuccess && !allowed(mount(sub.filter), AccessKind::Subscribe)) {
            code = rc::kNotAuthorized;
        }
        if (code != rc::kSuccess) {
            ack.reason_codes.push_back(v5 ? code : 0x80);
            continue;
        }
        mqtt::SubscribeOptions options = sub.options;
        options.qos = std::min(options.qos, policy_.max_qos);
        if (is_bridge_ && !v5) {
            // Mosquitto's try_private: a bridge's subscriptions never echo its own messages.
            options.no_local = true;
            options.retain_as_published = true;
        }
        const std::string filter = mount(sub.filter);
        SubscribeOutcome outcome = broker_.subscribe(session_, filter, options, sub_id, now);
        log(LogType::Subscribe, "{} {} {}", client_id_, static_cast<int>(options.qos), filter);
        ack.reason_codes.push_back(outcome.reason_code);
        for (auto& d : outcome.retained) retained.push_back(std::move(d));
    }
    Journal* journal = broker_.journal();
    if (journal == nullptr || !session_->persistent()) {
        send(ack);
        for (auto& d : retained) session_->deliver(std::move(d), now);
        return;
    }
    // A persistent session's subscriptions are acknowledged once they are on disk, as PUBACK is
    // for messages: a client that saw SUBACK and then a kill -9 still gets what was published
    // for it after the restart. If the store cannot be written (logged loudly) the subscription
    // still works in memory, so the SUBACK goes out anyway.
    std::string bytes;
    mqtt::encode(ack, version_, bytes);
    journal->barrier([weak = outlet_.weak_outlet(), bytes = std::move(bytes), session = session_,
                      retained = std::move(retained), now](bool) mutable {
        auto outlet = weak.lock();
        if (!outlet) return;
        outlet->send(bytes);
        for (auto& d : retained) session->deliver(std::move(d), now);
    });
}

void ClientConnection::handle_unsubscribe(const mqtt::Unsubscribe& u) {
    mqtt::Unsuback ack;
    ack.packet_id = u.packet_id;
    for (const auto& filter : u.filters) {
        const bool existed = broker_.unsubscribe(*session_, mount(filter));
        log(LogType::Unsubscribe, "{} {}", client_id_, filter);
        if (mqtt::is_v5(version_)) {
            ack.reason_codes.push_back(existed ? rc::kSuccess : rc::kNoSubscriptionExisted);
        }
    }
    send(ack);
}

}  // namespace lampi::broker
