// Connection life: CONNECT, DISCONNECT, wills, takeover and errors. The packet handlers for
// PUBLISH, SUBSCRIBE and the acknowledgements are in client_packets.cpp.
#include "broker/client_connection.h"

#include <random>

#include "base/log.h"

namespace lampi::broker {

namespace rc = mqtt::reason;

namespace {

std::string generate_client_id(const std::string& prefix) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string id = prefix;
    for (int i = 0; i < 16; ++i) id.push_back(kHex[rng() & 0xF]);
    return id;
}

// MQTT 5 reason codes mapped onto the six 3.1.1 CONNACK return codes.
std::uint8_t v3_connack_code(std::uint8_t v5) {
    switch (v5) {
        case rc::kSuccess:
            return mqtt::connack_v3::kAccepted;
        case rc::kUnsupportedProtocolVersion:
            return mqtt::connack_v3::kUnacceptableProtocolVersion;
        case rc::kClientIdentifierNotValid:
            return mqtt::connack_v3::kIdentifierRejected;
        case rc::kBadUserNameOrPassword:
            return mqtt::connack_v3::kBadUserNameOrPassword;
        case rc::kNotAuthorized:
            return mqtt::connack_v3::kNotAuthorized;
        default:
            return mqtt::connack_v3::kServerUnavailable;
    }
}

}  // namespace

ClientConnection::ClientConnection(Broker& broker, Outlet& outlet,
                                   std::shared_ptr<const ListenerPolicy> policy, std::string peer)
    : broker_(broker),
      outlet_(outlet),
      policy_holder_(std::move(policy)),
      policy_(*policy_holder_),
      peer_(std::move(peer)),
      settings_holder_(broker.shared_settings()),
      settings_(*settings_holder_) {}

ClientConnection::~ClientConnection() {
    if (session_) session_->detach(&outlet_);
}

std::size_t ClientConnection::max_packet_size() const { return settings_.max_packet_size; }

void ClientConnection::send(const mqtt::Packet& packet) {
    thread_local std::string out;
    out.clear();
    mqtt::encode(packet, version_, out);
    outlet_.send(out);
    Stats::add(broker_.stats().messages_sent);
    Stats::add(broker_.stats().bytes_sent, out.size());
}

void ClientConnection::send_connack(std::uint8_t code, bool session_present,
                                    mqtt::Properties props) {
    mqtt::Connack ack;
    ack.session_present = session_present;
    ack.reason_code = mqtt::is_v5(version_) ? code : v3_connack_code(code);
    ack.properties = std::move(props);
    send(ack);
}

void ClientConnection::close_with(std::uint8_t reason, std::string_view why) {
    if (closing_) return;
    closing_ = true;
    if (!why.empty()) {
        log(LogType::Notice, "Client {} disconnected: {}.",
            client_id_.empty() ? std::string("<unknown>") : client_id_, why);
    }
    if (connected_ && mqtt::is_v5(version_) && reason >= 0x80) {
        send(mqtt::Disconnect{reason, {}});
    }
    outlet_.close();
}

void ClientConnection::kick(std::uint8_t reason) {
    if (kicked_.exchange(true)) return;
    // Runs on the taker's thread: only the Outlet is safe to touch. version_ was fixed before
    // this connection registered itself as the session's owner.
    if (mqtt::is_v5(version_)) {
        std::string out;
        mqtt::encode(mqtt::Disconnect{reason, {}}, version_, out);
        outlet_.send(out);
    }
    outlet_.close();
}

void ClientConnection::on_decode_error(const mqtt::DecodeError& error, TimePoint now) {
    (void)now;
    if (!connected_ && error.reason == rc::kUnsupportedProtocolVersion) {
        // MQTT 3.1.1 3.1.2.2: unsupported level gets CONNACK 0x01, then the connection closes.
        version_ = mqtt::ProtocolVersion::V311;
        send_connack(rc::kUnsupportedProtocolVersion, false);
        closing_ = true;
        outlet_.close();
        return;
    }
    log(LogType::Notice, "Client {} sent a malformed packet ({}); closing connection.",
        client_id_.empty() ? peer_ : client_id_, error.message);
    close_with(error.reason, "");
}

void ClientConnection::on_keepalive_timeout(TimePoint now) {
    (void)now;
    log(LogType::Notice, "Client {} has exceeded timeout, disconnecting.",
        client_id_.empty() ? peer_ : client_id_);
    close_with(rc::kKeepAliveTimeout, "");
}

void ClientConnection::on_packet(mqtt::Packet&& packet, TimePoint now) {
    if (closing_) return;
    if (!connected_ && !std::holds_alternative<mqtt::Connect>(packet)) {
        // MQTT 3.1.1 3.1.0-1: the first packet must be CONNECT.
        close_with(rc::kProtocolError, "");
        return;
    }
    std::visit(
        [&](auto& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, mqtt::Connect>) {
                if (connected_) {
                    close_with(rc::kProtocolError, "second CONNECT");
                } else {
                    handle_connect(p, now);
                }
            } else if constexpr (std::is_same_v<T, mqtt::Publish>) {
                handle_publish(p, now);
            } else if constexpr (std::is_same_v<T, mqtt::PubResponse>) {
                handle_pub_response(p, now);
            } else if constexpr (std::is_same_v<T, mqtt::Subscribe>) {
                handle_subscribe(p, now);
            } else if constexpr (std::is_same_v<T, mqtt::Unsubscribe>) {
                handle_unsubscribe(p);
            } else if constexpr (std::is_same_v<T, mqtt::Pingreq>) {
                send(mqtt::Pingresp{});
            } else if constexpr (std::is_same_v<T, mqtt::Disconnect>) {
                handle_disconnect(p, now);
            } else if constexpr (std::is_same_v<T, mqtt::Auth>) {
                // No enhanced authentication method is offered, so AUTH is never expected.
                close_with(rc::kProtocolError, "unexpected AUTH");
            } else {
                close_with(rc::kProtocolError, "unexpected packet from client");
            }
        },
        packet);
}

bool ClientConnection::check_connect(mqtt::Connect& c) {
    const Settings& settings = settings_;
    if (c.properties.authentication_method) {
        send_connack(rc::kBadAuthenticationMethod, false);
        return false;
    }
    if (c.client_id.empty()) {
        const bool may_generate = (c.clean_start || mqtt::is_v5(version_)) &&
                                  settings.allow_zero_length_clientid &&
                                  version_ != mqtt::ProtocolVersion::V31;
        if (!may_generate) {
            send_connack(rc::kClientIdentifierNotValid, false);
            return false;
        }
        c.client_id = generate_client_id(settings.auto_id_prefix);
    } else if (version_ == mqtt::ProtocolVersion::V31 && c.client_id.size() > 23) {
        send_connack(rc::kClientIdentifierNotValid, false);  // MQTT 3.1: 1 to 23 characters
        return false;
    }
    if (const std::uint8_t refusal = authenticate(c); refusal != rc::kSuccess) {
        send_connack(refusal, false);
        return false;
    }
    // Mosquitto 2.0 accepts a 3.x client asking for more than max_keepalive: it cannot be told
    // another value (only MQTT 5 has Server Keep Alive).
    return true;
}

// Mosquitto 2's rules: a certificate or PSK identity replaces the CONNECT credentials when the
// TLS listener says so (no identity: "bad user name or password", as Mosquitto); otherwise the
// listener's password file and allow_anonymous decide (auth/). Without any access control
// configured, allow_anonymous alone decides.
std::uint8_t ClientConnection::authenticate(mqtt::Connect& c) {
    if (policy_.identity_as_username) {
        if (!transport_identity_) return rc::kBadUserNameOrPassword;
        c.username = *transport_identity_;
        c.password.reset();
        return rc::kSuccess;
    }
    const auto access = policy_.access ? policy_.access->get() : nullptr;
    if (access) return access->authenticate(c.username, c.password);
    return policy_.allow_anonymous ? rc::kSuccess : rc::kNotAuthorized;
}

void ClientConnection::handle_connect(mqtt::Connect& c, TimePoint now) {
    version_ = c.version;
    is_bridge_ = c.bridge;
    const bool generated = c.client_id.empty();
    if (!check_connect(c)) {
        closing_ = true;
        outlet_.close();
        return;
    }
    client_id_ = c.client_id;
    username_ = c.username;
    keep_alive_ = c.keep_alive;
    const Settings& settings = settings_;
    mqtt::Properties props;
    if (mqtt::is_v5(version_)) {
        session_expiry_ = c.properties.session_expiry_interval.value_or(0);
        client_max_packet_size_ = c.properties.maximum_packet_size.value_or(0);
        if (generated) props.assigned_client_identifier = client_id_;
        if (settings.max_keepalive < 65535 &&
            (keep_alive_ == 0 || keep_alive_ > settings.max_keepalive)) {
            keep_alive_ = settings.max_keepalive;
            props.server_keep_alive = keep_alive_;  // MQTT 5 3.2.2.3.14
        }
        if (settings.max_inflight_messages > 0 && settings.max_inflight_messages < 65535) {
            props.receive_maximum = static_cast<std::uint16_t>(settings.max_inflight_messages);
        }
        if (!settings.retain_available) props.retain_available = 0;
        if (settings.max_packet_size > 0) {
            props.maximum_packet_size = static_cast<std::uint32_t>(settings.max_packet_size);
        }
        // MQTT 5 3.2.2.3.8: absent means 0, no alias accepted.
        if (policy_.max_topic_alias > 0) props.topic_alias_maximum = policy_.max_topic_alias;
        if (policy_.max_qos < 2) props.maximum_qos = policy_.max_qos;
        props.response_information = response_information(c);
    } else if (c.clean_start) {
        session_expiry_ = 0;
    } else {
        session_expiry_ = settings.persistent_client_expiration > 0
                              ? settings.persistent_client_expiration
                              : 0xFFFFFFFF;
    }
    set_up_inbound_limits(props.receive_maximum);
    if (c.will) will_ = std::make_unique<mqtt::Will>(std::move(*c.will));
    if (will_ && !policy_.mount_point.empty()) will_->topic = mount(will_->topic);
    accept_connect(c, std::move(props), now);
    connected_ = true;
    const std::uint16_t receive_max = c.properties.receive_maximum.value_or(65535);
    session_->set_reader(username_, policy_.access, policy_.mount_point);
    session_->attach(&outlet_, version_, receive_max, client_max_packet_size_, now);
}

void ClientConnection::accept_connect(mqtt::Connect& c, mqtt::Properties props, TimePoint now) {
    SessionClaim claim = broker_.claim_session(client_id_, c.clean_start, this, now);
    session_ = std::move(claim.session);
    session_->set_expiry_interval(session_expiry_);
    broker_.stats().client_connected();
    Stats::add(broker_.stats().connections_total);
    if (settings_.connection_messages) {
        log(LogType::Notice, "New client connected from {} as {} (p{}, c{}, k{}{}).", peer_,
            client_id_, static_cast<int>(version_), c.clean_start ? 1 : 0, c.keep_alive,
            c.username ? ", u'" + *c.username + "'" : std::string());
    }
    // MQTT 3.1.1 3.2.2.2: session present is 0 whenever clean session is 1.
    send_connack(rc::kSuccess, claim.session_present && !c.clean_start, std::move(props));
}

void ClientConnection::handle_disconnect(const mqtt::Disconnect& d, TimePoint now) {
    if (mqtt::is_v5(version_) && d.properties.session_expiry_interval) {
        // MQTT 5 3.14.2.2.2: a session that ended at close cannot be made to persist now.
        if (session_expiry_ == 0 && *d.properties.session_expiry_interval != 0) {
            close_with(rc::kProtocolError, "session expiry set on DISCONNECT");
            return;
        }
        session_expiry_ = *d.properties.session_expiry_interval;
        session_->set_expiry_interval(session_expiry_);
    }
    // MQTT 5 3.14.4: reason 0x04 asks for the will to be published all the same.
    clean_disconnect_ = !(mqtt::is_v5(version_) && d.reason_code == rc::kDisconnectWithWill);
    if (settings_.connection_messages) {
        log(LogType::Notice, "Client {} disconnected.", client_id_);
    }
    closing_ = true;
    (void)now;
    outlet_.close();
}

void ClientConnection::publish_will(TimePoint now) {
    if (!will_) return;
    mqtt::Publish p;
    p.topic = std::move(will_->topic);
    p.payload = std::move(will_->payload);
    p.qos = will_->qos;
    p.retain = will_->retain;
    p.properties = std::move(will_->properties);
    const std::uint32_t delay = p.properties.will_delay_interval.value_or(0);
    will_.reset();
    MessagePtr message = make_message(std::move(p), now);
    if (delay > 0 && session_expiry_ > 0) {
        const std::uint32_t wait = std::min(delay, session_expiry_);
        broker_.schedule_will(client_id_, std::move(message), now + std::chrono::seconds(wait),
                              this);
        return;
    }
    broker_.publish(message, nullptr, now);
}

void ClientConnection::on_transport_closed(TimePoint now) {
    if (!connected_) return;
    connected_ = false;
    if (!clean_disconnect_) {
        if (settings_.connection_messages && !closing_) {
            log(LogType::Notice, "Client {} closed its connection.", client_id_);
        }
        publish_will(now);
    }
    broker_.stats().client_disconnected();
    session_->detach(&outlet_);
    broker_.release_session(session_, this, now);
}

}  // namespace lampi::broker
