#include "client/session.h"

#include <algorithm>
#include <utility>

#include "mqtt/codec.h"

namespace lampi::client {

namespace {

using mqtt::PacketType;
using mqtt::ProtocolVersion;

constexpr std::size_t kPacketIds = 65536;

std::chrono::seconds seconds(std::uint16_t s) { return std::chrono::seconds{s}; }

}  // namespace

Session::Session(SessionOptions options)
    : options_(std::move(options)), used_ids_(kPacketIds), keep_alive_(options_.keep_alive) {}

void Session::send(const mqtt::Packet& packet) {
    if (observer_) observer_(true, packet);
    mqtt::encode(packet, options_.version, output_);
    last_sent_ = now_;
}

void Session::connect(TimePoint now) {
    now_ = now;
    input_.clear();
    input_offset_ = 0;
    ping_sent_.reset();
    server_receive_maximum_ = 65535;
    keep_alive_ = options_.keep_alive;
    for (auto& r : requests_) r.sent = false;

    mqtt::Connect c;
    c.version = options_.version;
    c.protocol_name = options_.version == ProtocolVersion::V31 ? "MQIsdp" : "MQTT";
    c.clean_start = options_.clean_start;
    c.keep_alive = options_.keep_alive;
    c.client_id = options_.client_id;
    c.will = options_.will;
    c.username = options_.username;
    c.password = options_.password;
    if (mqtt::is_v5(options_.version)) c.properties = options_.connect_properties;
    c.bridge = options_.bridge;
    send(c);
    state_ = State::Connecting;
    connect_sent_ = now;
}

void Session::connection_lost() {
    state_ = State::Disconnected;
    input_.clear();
    input_offset_ = 0;
    ping_sent_.reset();
    connect_sent_.reset();
    output_.clear();  // bytes for a dead transport are useless; resume resends what matters
    for (auto& r : requests_) r.sent = false;
}

void Session::disconnect(std::uint8_t reason_code, mqtt::Properties properties) {
    if (state_ == State::Connected) {
        mqtt::Disconnect d;
        d.reason_code = reason_code;
        if (mqtt::is_v5(options_.version)) d.properties = std::move(properties);
        send(d);
        state_ = State::Disconnecting;
    } else {
        state_ = State::Disconnected;
    }
    events_.emplace_back(event::Disconnected{reason_code, false, "disconnect requested", {}});
}

std::uint16_t Session::next_packet_number() {
    last_packet_id_ =
        static_cast<std::uint16_t>(last_packet_id_ == 65535 ? 1 : last_packet_id_ + 1);
    return last_packet_id_;
}

std::uint16_t Session::allocate_packet_id() {
    for (std::size_t i = 0; i < kPacketIds - 1; ++i) {
        if (!used_ids_[next_packet_number()]) {
            used_ids_[last_packet_id_] = true;
            return last_packet_id_;
        }
    }
    return 0;
}

void Session::release_packet_id(std::uint16_t id) { used_ids_[id] = false; }

std::size_t Session::window() const {
    std::size_t w = options_.max_inflight == 0 ? 65535 : options_.max_inflight;
    if (mqtt::is_v5(options_.version)) w = std::min<std::size_t>(w, server_receive_maximum_);
    return std::max<std::size_t>(w, 1);
}

std::uint16_t Session::publish(mqtt::Publish message) {
    message.dup = false;
    message.packet_id = 0;
    if (message.qos > 0) {
        message.packet_id = allocate_packet_id();
        if (message.packet_id == 0) return 0;
    } else {
        message.packet_id = next_packet_number();
    }
    const std::uint16_t id = message.qos > 0 ? message.packet_id : 0;
    if (state_ == State::Connected &&
        (message.qos == 0 || (queue_.empty() && inflight_.size() < window()))) {
        send_publish(std::move(message));
    } else {
        queue_.push_back(std::move(message));
    }
    return id;
}

void Session::send_publish(mqtt::Publish publish) {
    if (publish.qos == 0) {
        send(publish);
        return;
    }
    send(publish);
    const Stage stage = publish.qos == 1 ? Stage::AwaitAck : Stage::AwaitRec;
    inflight_.push_back(Outgoing{std::move(publish), stage});
}

void Session::fill_window() {
    while (state_ == State::Connected && !queue_.empty()) {
        if (queue_.front().qos > 0 && inflight_.size() >= window()) break;
        mqtt::Publish p = std::move(queue_.front());
        queue_.pop_front();
        send_publish(std::move(p));
    }
}

std::uint16_t Session::subscribe(std::vector<mqtt::Subscription> subscriptions,
                                 mqtt::Properties properties) {
    mqtt::Subscribe s;
    s.packet_id = allocate_packet_id();
    if (s.packet_id == 0) return 0;
    s.subscriptions = std::move(subscriptions);
    if (mqtt::is_v5(options_.version)) s.properties = std::move(properties);
    const bool now_sendable = state_ == State::Connected;
    if (now_sendable) send(s);
    const std::uint16_t id = s.packet_id;
    requests_.push_back(PendingRequest{std::move(s), now_sendable});
    return id;
}

std::uint16_t Session::unsubscribe(std::vector<std::string> filters, mqtt::Properties properties) {
    mqtt::Unsubscribe u;
    u.packet_id = allocate_packet_id();
    if (u.packet_id == 0) return 0;
    u.filters = std::move(filters);
    if (mqtt::is_v5(options_.version)) u.properties = std::move(properties);
    const bool now_sendable = state_ == State::Connected;
    if (now_sendable) send(u);
    const std::uint16_t id = u.packet_id;
    requests_.push_back(PendingRequest{std::move(u), now_sendable});
    return id;
}

bool Session::idle() const { return inflight_.empty() && queue_.empty() && requests_.empty(); }

std::string Session::take_output() { return std::exchange(output_, {}); }

std::vector<Event> Session::take_events() { return std::exchange(events_, {}); }

void Session::fail(std::uint8_t reason_code, std::string message) {
    if (state_ == State::Connected && mqtt::is_v5(options_.version)) {
        mqtt::Disconnect d;
        d.reason_code = reason_code;
        send(d);
    }
    state_ = State::Disconnected;
    events_.emplace_back(event::Disconnected{reason_code, false, std::move(message), {}});
}

void Session::on_bytes(std::span<const std::uint8_t> data, TimePoint now) {
    receive(data, now);
    while (handle_next_packet(now)) {
    }
}

bool Session::live() const {
    return state_ == State::Connecting || state_ == State::Connected ||
           state_ == State::Disconnecting;
}

void Session::receive(std::span<const std::uint8_t> data, TimePoint now) {
    now_ = now;
    if (live()) input_.insert(input_.end(), data.begin(), data.end());
}

bool Session::handle_next_packet(TimePoint now) {
    now_ = now;
    bool handled = false;
    if (live()) {
        std::span<const std::uint8_t> rest(input_.data() + input_offset_,
                                           input_.size() - input_offset_);
        mqtt::HeaderResult h = mqtt::parse_fixed_header(rest, options_.max_packet_size);
        if (rest.empty() || h.status == mqtt::HeaderStatus::NeedMore) {
            // wait for more bytes
        } else if (h.status == mqtt::HeaderStatus::Error) {
            fail(h.error.reason, h.error.message);
        } else if (rest.size() >= h.header.total_length()) {
            mqtt::DecodeResult d = mqtt::decode_packet(
                h.header, rest.subspan(h.header.header_length, h.header.remaining_length),
                options_.version, mqtt::Side::FromServer);
            input_offset_ += h.header.total_length();
            if (d.ok) {
                if (observer_) observer_(false, d.packet);
                handle(std::move(d.packet), now);
                handled = true;
            } else {
                fail(d.error.reason, d.error.message);
            }
        }
    }
    compact_input();
    return handled && state_ != State::Disconnected;
}

void Session::compact_input() {
    if (input_offset_ == input_.size() || state_ == State::Disconnected) {
        input_.clear();
        input_offset_ = 0;
    } else if (input_offset_ > 65536) {
        input_.erase(input_.begin(), input_.begin() + static_cast<std::ptrdiff_t>(input_offset_));
        input_offset_ = 0;
    }
}

void Session::handle(mqtt::Packet packet, TimePoint /*now*/) {
    if (state_ == State::Connecting) {
        if (auto* c = std::get_if<mqtt::Connack>(&packet)) {
            handle_connack(*c);
        } else if (auto* d = std::get_if<mqtt::Disconnect>(&packet)) {
            state_ = State::Disconnected;
            events_.emplace_back(
                event::Disconnected{d->reason_code, true, "server disconnected", d->properties});
        } else {
            fail(mqtt::reason::kProtocolError, "expected CONNACK");
        }
        return;
    }
    std::visit(
        [this](auto& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, mqtt::Publish>) {
                handle_publish(std::move(p));
            } else if constexpr (std::is_same_v<T, mqtt::PubResponse>) {
                handle_pub_response(p);
            } else if constexpr (std::is_same_v<T, mqtt::Suback> ||
                                 std::is_same_v<T, mqtt::Unsuback>) {
                handle_request_answer(p);
            } else if constexpr (std::is_same_v<T, mqtt::Pingresp>) {
                ping_sent_.reset();
            } else if constexpr (std::is_same_v<T, mqtt::Disconnect>) {
                state_ = State::Disconnected;
                events_.emplace_back(
                    event::Disconnected{p.reason_code, true, "server disconnected", p.properties});
            } else {
                fail(mqtt::reason::kProtocolError, "unexpected packet from server");
            }
        },
        packet);
}

template <class Answer>
void Session::handle_request_answer(Answer& answer) {
    using Request = std::conditional_t<std::is_same_v<Answer, mqtt::Suback>, mqtt::Subscribe,
                                       mqtt::Unsubscribe>;
    auto it = std::find_if(requests_.begin(), requests_.end(), [&](const PendingRequest& r) {
        const auto* req = std::get_if<Request>(&r.packet);
        return req != nullptr && req->packet_id == answer.packet_id;
    });
    if (it == requests_.end()) return;  // late answer to a request from a dropped session
    requests_.erase(it);
    release_packet_id(answer.packet_id);
    if constexpr (std::is_same_v<Answer, mqtt::Suback>) {
        events_.emplace_back(event::Subscribed{answer.packet_id, std::move(answer.reason_codes),
                                               std::move(answer.properties)});
    } else {
        events_.emplace_back(event::Unsubscribed{answer.packet_id, std::move(answer.reason_codes),
                                                 std::move(answer.properties)});
    }
}

void Session::handle_connack(const mqtt::Connack& connack) {
    connect_sent_.reset();
    if (connack.reason_code != 0) {
        state_ = State::Disconnected;
        events_.emplace_back(
            event::Connected{connack.session_present, connack.reason_code, connack.properties});
        events_.emplace_back(
            event::Disconnected{connack.reason_code, true, "connection refused", {}});
        return;
    }
    const mqtt::Properties& p = connack.properties;
    if (p.receive_maximum) server_receive_maximum_ = *p.receive_maximum;
    if (p.server_keep_alive) keep_alive_ = *p.server_keep_alive;
    if (p.assigned_client_identifier) options_.client_id = *p.assigned_client_identifier;
    state_ = State::Connected;
    events_.emplace_back(event::Connected{connack.session_present, 0, connack.properties});
    resume_after_connack(connack.session_present);
}

// MQTT 3.1.1 4.4 / MQTT 5 4.4: on a resumed session the client resends unacknowledged PUBLISH
// packets with DUP set and PUBREL for messages that got their PUBREC. Without a resumed session
// the server forgot everything: unacknowledged messages are sent again as new, messages past
// PUBREC count as delivered, and inbound QoS 2 ids are forgotten.
void Session::resume_after_connack(bool session_present) {
    if (session_present) {
        for (Outgoing& o : inflight_) {
            if (o.stage == Stage::AwaitComp) {
                send(mqtt::PubResponse{PacketType::Pubrel, o.publish.packet_id, 0, {}});
            } else {
                o.publish.dup = true;
                send(o.publish);
            }
        }
    } else {
        inbound_qos2_.clear();
        held_qos2_.clear();
        std::deque<mqtt::Publish> again;
        for (Outgoing& o : inflight_) {
            if (o.stage == Stage::AwaitComp) {
                release_packet_id(o.publish.packet_id);
                events_.emplace_back(event::Published{o.publish.packet_id, 0, {}});
            } else {
                again.push_back(std::move(o.publish));
            }
        }
        inflight_.clear();
        queue_.insert(queue_.begin(), std::make_move_iterator(again.begin()),
                      std::make_move_iterator(again.end()));
    }
    for (PendingRequest& r : requests_) {
        std::visit([this](const auto& req) { send(req); }, r.packet);
        r.sent = true;
    }
    fill_window();
}

void Session::handle_publish(mqtt::Publish publish) {
    const std::uint16_t id = publish.packet_id;
    switch (publish.qos) {
        case 0:
            events_.emplace_back(event::Message{std::move(publish)});
            break;
        case 1:
            events_.emplace_back(event::Message{std::move(publish)});
            send(mqtt::PubResponse{PacketType::Puback, id, 0, {}});
            break;
        default:
            // Exactly once: deliver on first PUBLISH, remember the id until PUBREL (method A).
            if (inbound_qos2_.insert(id).second) {
                if (options_.deliver_qos2_on_pubrel) {
                    held_qos2_[id] = std::move(publish);
                } else {
                    events_.emplace_back(event::Message{std::move(publish)});
                }
            }
            send(mqtt::PubResponse{PacketType::Pubrec, id, 0, {}});
            break;
    }
}

Session::Outgoing* Session::find_inflight(std::uint16_t id) {
    auto it = std::find_if(inflight_.begin(), inflight_.end(),
                           [id](const Outgoing& o) { return o.publish.packet_id == id; });
    return it == inflight_.end() ? nullptr : &*it;
}

void Session::finish_inflight(std::uint16_t id, std::uint8_t reason_code,
                              mqtt::Properties properties) {
    auto it = std::find_if(inflight_.begin(), inflight_.end(),
                           [id](const Outgoing& o) { return o.publish.packet_id == id; });
    if (it == inflight_.end()) return;
    inflight_.erase(it);
    release_packet_id(id);
    events_.emplace_back(event::Published{id, reason_code, std::move(properties)});
    fill_window();
}

void Session::handle_pub_response(const mqtt::PubResponse& r) {
    const bool v5 = mqtt::is_v5(options_.version);
    Outgoing* o = find_inflight(r.packet_id);
    switch (r.type) {
        case PacketType::Puback:
            if (o != nullptr && o->stage == Stage::AwaitAck) {
                finish_inflight(r.packet_id, r.reason_code, r.properties);
            }
            break;
        case PacketType::Pubrec:
            if (o != nullptr && o->stage == Stage::AwaitRec && v5 && r.reason_code >= 0x80) {
                finish_inflight(r.packet_id, r.reason_code, r.properties);
            } else if (o != nullptr && o->stage != Stage::AwaitAck) {
                o->stage = Stage::AwaitComp;
                send(mqtt::PubResponse{PacketType::Pubrel, r.packet_id, 0, {}});
            } else {
                send(mqtt::PubResponse{
                    PacketType::Pubrel,
                    r.packet_id,
                    v5 ? mqtt::reason::kPacketIdentifierNotFound : std::uint8_t{0},
                    {}});
            }
            break;
        case PacketType::Pubrel: {
            const bool known = inbound_qos2_.erase(r.packet_id) > 0;
            if (auto held = held_qos2_.find(r.packet_id); held != held_qos2_.end()) {
                events_.emplace_back(event::Message{std::move(held->second)});
                held_qos2_.erase(held);
            }
            send(mqtt::PubResponse{
                PacketType::Pubcomp,
                r.packet_id,
                (known || !v5) ? std::uint8_t{0} : mqtt::reason::kPacketIdentifierNotFound,
                {}});
            break;
        }
        case PacketType::Pubcomp:
            if (o != nullptr && o->stage == Stage::AwaitComp) {
                finish_inflight(r.packet_id, r.reason_code, r.properties);
            }
            break;
        default:
            fail(mqtt::reason::kProtocolError, "unexpected acknowledgement");
            break;
    }
}

void Session::on_tick(TimePoint now) {
    now_ = now;
    if (keep_alive_ == 0) return;
    const auto ka = seconds(keep_alive_);
    if (state_ == State::Connecting) {
        if (connect_sent_ && now - *connect_sent_ >= ka) {
            fail(mqtt::reason::kKeepAliveTimeout, "no CONNACK within keepalive");
        }
        return;
    }
    if (state_ != State::Connected) return;
    if (ping_sent_) {
        // No PINGRESP within one keepalive period: the connection is dead.
        if (now - *ping_sent_ >= ka) fail(mqtt::reason::kKeepAliveTimeout, "keepalive timeout");
        return;
    }
    if (now - last_sent_ >= ka) {
        send(mqtt::Pingreq{});
        ping_sent_ = now;
    }
}

std::optional<TimePoint> Session::next_deadline() const {
    if (keep_alive_ == 0) return std::nullopt;
    const auto ka = seconds(keep_alive_);
    switch (state_) {
        case State::Connecting:
            if (connect_sent_) return *connect_sent_ + ka;
            return std::nullopt;
        case State::Connected:
            return ping_sent_ ? *ping_sent_ + ka : last_sent_ + ka;
        default:
            return std::nullopt;
    }
}

}  // namespace lampi::client
