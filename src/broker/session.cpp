#include "broker/session.h"

#include <algorithm>

#include "broker/stats.h"
#include "mqtt/codec.h"

namespace lampi::broker {

std::optional<std::uint32_t> Message::remaining_expiry(TimePoint now) const {
    if (!expires_at) return std::nullopt;
    if (now >= *expires_at) return 0u;
    auto left = std::chrono::duration_cast<std::chrono::seconds>(*expires_at - now).count();
    return static_cast<std::uint32_t>(std::max<std::int64_t>(left, 1));
}

namespace {

// Encoding scratch space per thread: publishes are encoded here, then copied into the outlet.
std::string& scratch() {
    thread_local std::string s;
    s.clear();
    return s;
}

// A client of a listener with a mount_point sees topics without it (mosquitto.conf(5)).
std::string_view client_topic(const std::string& topic, const std::string& mount_point) {
    std::string_view t = topic;
    if (!mount_point.empty() && t.starts_with(mount_point)) t.remove_prefix(mount_point.size());
    return t;
}

mqtt::Publish make_publish(const Delivery& d, std::uint16_t packet_id, bool dup,
                           mqtt::ProtocolVersion version, TimePoint now, std::string_view topic) {
    const Message& m = *d.message;
    mqtt::Publish p;
    p.topic = topic;
    p.payload = m.payload;
    p.qos = d.qos;
    p.retain = d.retain;
    p.dup = dup;
    p.packet_id = d.qos > 0 ? packet_id : 0;
    if (mqtt::is_v5(version)) {
        p.properties = m.properties;
        p.properties.topic_alias.reset();
        p.properties.message_expiry_interval = m.remaining_expiry(now);
        p.properties.subscription_identifiers = d.subscription_ids;
    }
    return p;
}

}  // namespace

Session::Session(std::string client_id, std::shared_ptr<const Settings> settings, Stats& stats)
    : client_id_(std::move(client_id)), stats_(stats), settings_(std::move(settings)) {}

void Session::update_settings(std::shared_ptr<const Settings> s) {
    std::lock_guard lock(mutex_);
    settings_ = std::move(s);
}

std::size_t Session::window_locked() const {
    std::size_t window = client_receive_maximum_;
    if (settings_->max_inflight_messages > 0) {
        window = std::min(window, settings_->max_inflight_messages);
    }
    return window;
}

std::uint16_t Session::next_packet_id_locked() {
    // inflight_ is smaller than 65535 (bounded by the window), so a free id exists.
    do {
        last_packet_id_ =
            static_cast<std::uint16_t>(last_packet_id_ == 65535 ? 1 : last_packet_id_ + 1);
    } while (inflight_.contains(last_packet_id_));
    return last_packet_id_;
}

// MQTT 3.1.1 3.3: the PUBLISH of a 3.x client has no properties, so it is written straight from
// the shared message without building a packet value (the hot path of fan-out).
static void encode_v3_publish(const Delivery& d, std::uint16_t packet_id, bool dup,
                              std::string_view topic, std::string& out) {
    const Message& m = *d.message;
    const std::size_t remaining = 2 + topic.size() + (d.qos > 0 ? 2 : 0) + m.payload.size();
    out.reserve(1 + 4 + remaining);
    out.push_back(static_cast<char>(0x30 | (dup ? 0x08 : 0) | (d.qos << 1) | (d.retain ? 1 : 0)));
    mqtt::append_variable_int(out, static_cast<std::uint32_t>(remaining));
    out.push_back(static_cast<char>(topic.size() >> 8));
    out.push_back(static_cast<char>(topic.size() & 0xFF));
    out.append(topic);
    if (d.qos > 0) {
        out.push_back(static_cast<char>(packet_id >> 8));
        out.push_back(static_cast<char>(packet_id & 0xFF));
    }
    out.append(m.payload);
}

bool Session::send_publish_locked(const Delivery& d, std::uint16_t packet_id, bool dup,
                                  TimePoint now) {
    std::string& out = scratch();
    const std::string_view topic = client_topic(d.message->topic, mount_point_);
    if (mqtt::is_v5(version_)) {
        mqtt::encode(make_publish(d, packet_id, dup, version_, now, topic), version_, out);
    } else {
        encode_v3_publish(d, packet_id, dup, topic, out);
    }
    if (client_max_packet_size_ > 0 && out.size() > client_max_packet_size_) {
        // MQTT 5 3.1.2.11.4: a message too large for the client is discarded without sending.
        Stats::add(stats_.publish_dropped);
        return false;
    }
    outlet_->send(out);
    thread_local unsigned sample = 0;
    if (++sample % Stats::kLatencySampleEvery == 0 && d.message->received_at != TimePoint{}) {
        const auto us =
            std::chrono::duration_cast<std::chrono::microseconds>(now - d.message->received_at);
        stats_.in_broker_latency.record(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, us.count())));
    }
    if (outlet_->pending_bytes() > Backpressure::kHighWater) {
        Backpressure::congested_target() = outlet_->weak_outlet();
    }
    Stats::add(stats_.publish_sent);
    Stats::add(stats_.messages_sent);
    Stats::add(stats_.bytes_sent, out.size());
    return true;
}

void Session::send_pubrel_locked(std::uint16_t packet_id) {
    std::string& out = scratch();
    mqtt::encode(mqtt::PubResponse{mqtt::PacketType::Pubrel, packet_id, 0, {}}, version_, out);
    outlet_->send(out);
    Stats::add(stats_.messages_sent);
    Stats::add(stats_.bytes_sent, out.size());
}

bool Session::enqueue_locked(Delivery&& d) {
    const std::size_t size = d.message->approximate_size();
    const bool count_full =
        settings_->max_queued_messages > 0 && queue_.size() >= settings_->max_queued_messages;
    const bool bytes_full =
        settings_->max_queued_bytes > 0 && queued_bytes_ + size > settings_->max_queued_bytes;
    if (count_full || bytes_full) {
        Stats::add(stats_.publish_dropped);
        return false;
    }
    journal_new_locked(d, 0, DeliveryStage::Queued);
    queued_bytes_ += size;
    queue_.push_back(std::move(d));
    return true;
}

void Session::set_journal(Journal* journal) {
    std::lock_guard lock(mutex_);
    journal_ = journal;
}

namespace {
DeliveryStage stage_of(std::uint8_t qos) {
    return qos == 1 ? DeliveryStage::WaitPuback : DeliveryStage::WaitPubrec;
}
}  // namespace

void Session::journal_new_locked(Delivery& d, std::uint16_t packet_id, DeliveryStage stage) {
    if (!journaled_locked() || d.qos == 0) return;
    d.seq = next_seq_++;
    journal_->delivery_saved(client_id_, d.seq, d.message, d.qos, d.retain, d.subscription_ids,
                             packet_id, stage);
}

void Session::journal_move_locked(const Delivery& d, std::uint16_t packet_id, DeliveryStage stage) {
    if (d.seq == 0 || journal_ == nullptr) return;
    journal_->delivery_moved(client_id_, d.seq, packet_id, stage);
}

void Session::journal_remove_locked(const Delivery& d) {
    if (d.seq == 0 || journal_ == nullptr) return;
    journal_->delivery_removed(client_id_, d.seq);
}

void Session::restore_delivery(Delivery d, std::uint16_t packet_id, DeliveryStage stage) {
    std::lock_guard lock(mutex_);
    next_seq_ = std::max(next_seq_, d.seq + 1);
    if (stage == DeliveryStage::Queued || packet_id == 0) {
        queued_bytes_ += d.message->approximate_size();
        queue_.push_back(std::move(d));
        return;
    }
    OutState state = OutState::WaitPuback;
    if (stage == DeliveryStage::WaitPubrec) state = OutState::WaitPubrec;
    if (stage == DeliveryStage::WaitPubcomp) state = OutState::WaitPubcomp;
    last_packet_id_ = std::max(last_packet_id_, packet_id);
    inflight_.emplace(packet_id, InFlight{std::move(d), state});
}

void Session::restore_incoming_qos2(std::uint16_t packet_id) {
    std::lock_guard lock(mutex_);
    incoming_qos2_.insert(packet_id);
}

void Session::set_reader(std::optional<std::string> username,
                         std::shared_ptr<AccessControlSlot> access, std::string mount_point) {
    std::lock_guard lock(mutex_);
    username_ = std::move(username);
    access_ = std::move(access);
    mount_point_ = std::move(mount_point);
}

bool Session::may_read_locked(const Message& m) const {
    if (!access_) return true;
    const auto access = access_->get();
    if (!access || !access->has_acl()) return true;
    return access->allowed(ClientIdentity{client_id_, &username_}, m.topic, AccessKind::Read);
}

bool Session::deliver(Delivery d, TimePoint now) {
    std::lock_guard lock(mutex_);
    if (d.message->expired(now)) return false;
    if (!may_read_locked(*d.message)) return false;
    if (outlet_ == nullptr) {
        if (d.qos == 0 && !settings_->queue_qos0_messages) return false;
        return enqueue_locked(std::move(d));
    }
    if (d.qos == 0) {
        if (settings_->max_client_buffer_bytes > 0 &&
            outlet_->pending_bytes() > settings_->max_client_buffer_bytes) {
            Stats::add(stats_.publish_dropped);
            return false;
        }
        send_publish_locked(d, 0, false, now);
        return true;
    }
    if (!queue_.empty() || inflight_.size() >= window_locked()) {
        return enqueue_locked(std::move(d));
    }
    send_or_queue_locked(std::move(d), now);
    return true;
}

// Puts a QoS 1/2 delivery in flight: a packet id, the journal, then the bytes.
void Session::send_or_queue_locked(Delivery&& d, TimePoint now) {
    const std::uint16_t id = next_packet_id_locked();
    if (d.seq == 0) {
        journal_new_locked(d, id, stage_of(d.qos));
    } else {
        journal_move_locked(d, id, stage_of(d.qos));
    }
    if (!send_publish_locked(d, id, false, now)) {
        // MQTT 5 3.1.2.11.4: discarded as if its delivery had completed; it holds no slot.
        journal_remove_locked(d);
        return;
    }
    const OutState state = d.qos == 1 ? OutState::WaitPuback : OutState::WaitPubrec;
    inflight_.emplace(id, InFlight{std::move(d), state});
}

void Session::fill_window_locked(TimePoint now) {
    while (outlet_ != nullptr && !queue_.empty() && inflight_.size() < window_locked()) {
        Delivery d = std::move(queue_.front());
        queue_.pop_front();
        queued_bytes_ -= std::min(queued_bytes_, d.message->approximate_size());
        if (d.message->expired(now)) {
            journal_remove_locked(d);
            continue;
        }
        if (d.qos == 0) {
            send_publish_locked(d, 0, false, now);
            continue;
        }
        send_or_queue_locked(std::move(d), now);
    }
}

void Session::attach(Outlet* outlet, mqtt::ProtocolVersion version, std::uint16_t receive_maximum,
                     std::uint32_t max_packet_size, TimePoint now) {
    std::lock_guard lock(mutex_);
    outlet_ = outlet;
    version_ = version;
    client_receive_maximum_ = receive_maximum == 0 ? 65535 : receive_maximum;
    client_max_packet_size_ = max_packet_size;
    disconnected_at_.reset();
    online_.store(true, std::memory_order_relaxed);
    // MQTT 3.1.1 4.4 / MQTT 5 4.4: resend unacknowledged PUBLISH (DUP) and PUBREL in order.
    for (auto it = inflight_.begin(); it != inflight_.end();) {
        if (it->second.delivery.message->expired(now) &&
            it->second.state != OutState::WaitPubcomp) {
            journal_remove_locked(it->second.delivery);
            it = inflight_.erase(it);
            continue;
        }
        if (it->second.state == OutState::WaitPubcomp) {
            send_pubrel_locked(it->first);
        } else if (!send_publish_locked(it->second.delivery, it->first, true, now)) {
            journal_remove_locked(it->second.delivery);  // too large for the client now
            it = inflight_.erase(it);
            continue;
        }
        ++it;
    }
    fill_window_locked(now);
}

bool Session::detach(const Outlet* outlet) {
    std::lock_guard lock(mutex_);
    if (outlet_ != outlet || outlet == nullptr) return false;
    outlet_ = nullptr;
    online_.store(false, std::memory_order_relaxed);
    return true;
}

std::vector<Delivery> Session::take_shared_deliveries() {
    std::lock_guard lock(mutex_);
    std::vector<Delivery> out;
    if (outlet_ != nullptr) return out;
    for (auto it = inflight_.begin(); it != inflight_.end();) {
        if (it->second.delivery.via_shared && it->second.state == OutState::WaitPuback) {
            journal_remove_locked(it->second.delivery);
            out.push_back(std::move(it->second.delivery));
            it = inflight_.erase(it);
        } else {
            ++it;
        }
    }
    const std::size_t from = out.size();
    queue_.extract_if([](const Delivery& d) { return d.via_shared; }, out);
    for (std::size_t i = from; i < out.size(); ++i) {
        queued_bytes_ -= std::min(queued_bytes_, out[i].message->approximate_size());
        journal_remove_locked(out[i]);
    }
    for (Delivery& d : out) d.seq = 0;  // no longer journaled under this session
    return out;
}

bool Session::on_puback(std::uint16_t packet_id, TimePoint now) {
    std::lock_guard lock(mutex_);
    auto it = inflight_.find(packet_id);
    if (it == inflight_.end() || it->second.state != OutState::WaitPuback) return false;
    journal_remove_locked(it->second.delivery);
    inflight_.erase(it);
    fill_window_locked(now);
    return true;
}

bool Session::on_pubrec(std::uint16_t packet_id, std::uint8_t reason, TimePoint now) {
    std::lock_guard lock(mutex_);
    auto it = inflight_.find(packet_id);
    if (it == inflight_.end() || it->second.state != OutState::WaitPubrec) return false;
    if (reason >= 0x80) {
        // MQTT 5 4.3.3: a PUBREC with an error ends the flow.
        journal_remove_locked(it->second.delivery);
        inflight_.erase(it);
        fill_window_locked(now);
        return true;
    }
    it->second.state = OutState::WaitPubcomp;
    journal_move_locked(it->second.delivery, packet_id, DeliveryStage::WaitPubcomp);
    if (outlet_ != nullptr) send_pubrel_locked(packet_id);
    return true;
}

bool Session::on_pubcomp(std::uint16_t packet_id, TimePoint now) {
    std::lock_guard lock(mutex_);
    auto it = inflight_.find(packet_id);
    if (it == inflight_.end() || it->second.state != OutState::WaitPubcomp) return false;
    journal_remove_locked(it->second.delivery);
    inflight_.erase(it);
    fill_window_locked(now);
    return true;
}

bool Session::remember_incoming_qos2(std::uint16_t packet_id) {
    std::lock_guard lock(mutex_);
    const bool fresh = incoming_qos2_.insert(packet_id).second;
    if (fresh && journaled_locked()) journal_->incoming_qos2(client_id_, packet_id, true);
    return fresh;
}

bool Session::release_incoming_qos2(std::uint16_t packet_id) {
    std::lock_guard lock(mutex_);
    const bool known = incoming_qos2_.erase(packet_id) > 0;
    if (known && journaled_locked()) journal_->incoming_qos2(client_id_, packet_id, false);
    return known;
}

std::size_t Session::incoming_qos2_count() const {
    std::lock_guard lock(mutex_);
    return incoming_qos2_.size();
}

void Session::add_subscription(const std::string& filter, const SessionSubscription& s) {
    std::lock_guard lock(mutex_);
    subscriptions_[filter] = s;
    if (journaled_locked()) {
        journal_->subscription_saved(client_id_, filter, s.options, s.subscription_id);
    }
}

bool Session::remove_subscription(const std::string& filter) {
    std::lock_guard lock(mutex_);
    const bool existed = subscriptions_.erase(filter) > 0;
    if (existed && journaled_locked()) journal_->subscription_removed(client_id_, filter);
    return existed;
}

std::map<std::string, SessionSubscription> Session::subscriptions() const {
    std::lock_guard lock(mutex_);
    return subscriptions_;
}

std::map<std::string, SessionSubscription> Session::take_subscriptions() {
    std::lock_guard lock(mutex_);
    return std::exchange(subscriptions_, {});
}

void Session::set_expiry_interval(std::uint32_t seconds) {
    std::lock_guard lock(mutex_);
    const bool was_journaled = journaled_locked();
    expiry_interval_ = seconds;
    if (journal_ == nullptr) return;
    if (seconds > 0) {
        journal_->session_saved(client_id_, seconds, disconnected_at_, version_);
        if (!was_journaled) {
            // Became persistent: what it already holds must be on disk too.
            for (const auto& [filter, sub] : subscriptions_) {
                journal_->subscription_saved(client_id_, filter, sub.options, sub.subscription_id);
            }
        }
    } else if (was_journaled) {
        journal_->session_removed(client_id_);
    }
}

bool Session::persistent() const {
    std::lock_guard lock(mutex_);
    return journaled_locked();
}

std::uint32_t Session::expiry_interval() const {
    std::lock_guard lock(mutex_);
    return expiry_interval_;
}

void Session::set_disconnected_at(TimePoint t) {
    std::lock_guard lock(mutex_);
    disconnected_at_ = t;
    if (journaled_locked()) journal_->session_saved(client_id_, expiry_interval_, t, version_);
}

bool Session::expired(TimePoint now) const {
    std::lock_guard lock(mutex_);
    if (outlet_ != nullptr || !disconnected_at_) return false;
    if (expiry_interval_ == 0xFFFFFFFF) return false;
    return now >= *disconnected_at_ + std::chrono::seconds(expiry_interval_);
}

std::size_t Session::queued_count() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

std::size_t Session::inflight_count() const {
    std::lock_guard lock(mutex_);
    return inflight_.size();
}

}  // namespace lampi::broker
