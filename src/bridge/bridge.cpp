#include "bridge/bridge.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

#include "base/log.h"
#include "mqtt/codec.h"

namespace lampi::bridge {

namespace asio = boost::asio;
using broker::Clock;
using config::BridgeProtocolVersion;
using config::BridgeStartType;

namespace {

mqtt::ProtocolVersion remote_version(BridgeProtocolVersion v) {
    switch (v) {
        case BridgeProtocolVersion::MqttV31:
            return mqtt::ProtocolVersion::V31;
        case BridgeProtocolVersion::MqttV50:
            return mqtt::ProtocolVersion::V5;
        default:
            return mqtt::ProtocolVersion::V311;
    }
}

std::string address_text(const config::BridgeAddress& a) {
    return a.host + ":" + std::to_string(a.port);
}

}  // namespace

Bridge::Bridge(asio::io_context& io, broker::Broker& broker, config::Bridge config)
    : io_(io),
      broker_(broker),
      config_(std::move(config)),
      map_(config_.topics),
      backoff_(config_.restart_timeout),
      idle_timer_(io) {
    status_.name = config_.connection;
}

Bridge::~Bridge() {
    if (link_) link_->detach();
}

void Bridge::start() {
    asio::post(io_, [self = shared_from_this()] {
        self->make_remote();
        self->connect_local();
        if (self->config_.start_type != BridgeStartType::Lazy) self->start_remote();
        self->check_idle();
    });
}

// --- the local side ---------------------------------------------------------------------------

void Bridge::connect_local() {
    link_ = std::make_shared<LocalLink>(io_.get_executor(), [this](mqtt::Packet&& p) {
        if (!stopping_) on_local_packet(std::move(p));
    });
    // An in-process client: no credentials to check.
    broker::ListenerPolicy local_policy;
    local_policy.in_process_bridge = true;
    auto policy = std::make_shared<const broker::ListenerPolicy>(std::move(local_policy));
    local_ = std::make_unique<broker::ClientConnection>(broker_, *link_, std::move(policy),
                                                        "bridge " + config_.connection);
    mqtt::Connect c;
    c.version = mqtt::ProtocolVersion::V5;
    c.client_id = config_.local_clientid;
    c.clean_start = config_.effective_local_cleansession();
    c.keep_alive = 0;
    if (!c.clean_start) c.properties.session_expiry_interval = 0xFFFFFFFF;
    local_->on_packet(std::move(c), Clock::now());
    subscribe_local();
    // Mosquitto publishes the bridge as down until its first CONNACK.
    notify("0");
}

// Renewed on every remote connect, as Mosquitto does: the resubscription also brings the local
// retained messages of every out topic, which then cross to the remote.
void Bridge::subscribe_local() {
    mqtt::Subscribe s;
    s.packet_id = 1;
    for (const auto& f : map_.local_subscriptions()) {
        mqtt::SubscribeOptions o;
        o.qos = f.qos;
        o.no_local = true;  // what the bridge itself publishes locally never goes back out
        o.retain_as_published = true;
        s.subscriptions.push_back({f.filter, o});
    }
    if (!s.subscriptions.empty()) local_->on_packet(std::move(s), Clock::now());
}

void Bridge::on_local_packet(mqtt::Packet&& packet) {
    if (auto* p = std::get_if<mqtt::Publish>(&packet)) {
        on_local_publish(std::move(*p));
        return;
    }
    auto* r = std::get_if<mqtt::PubResponse>(&packet);
    if (r == nullptr) return;  // CONNACK, SUBACK: nothing to do
    const auto now = Clock::now();
    if (r->type == mqtt::PacketType::Pubrel) {
        awaiting_local_pubrel_.erase(r->packet_id);
        local_->on_packet(mqtt::PubResponse{mqtt::PacketType::Pubcomp, r->packet_id, 0, {}}, now);
    } else if (r->type == mqtt::PacketType::Pubrec) {
        local_->on_packet(mqtt::PubResponse{mqtt::PacketType::Pubrel, r->packet_id, 0, {}}, now);
    }
}

void Bridge::on_local_publish(mqtt::Publish&& p) {
    const std::uint8_t local_qos = p.qos;
    if (local_qos == 2 && awaiting_local_pubrel_.contains(p.packet_id)) {
        // A resend of a message already forwarded: only its PUBREC is missing.
        local_->on_packet(mqtt::PubResponse{mqtt::PacketType::Pubrec, p.packet_id, 0, {}},
                          Clock::now());
        return;
    }
    forward(std::move(p), local_qos);
}

void Bridge::ack_local(std::uint16_t local_id, std::uint8_t qos) {
    if (qos == 0 || !local_) return;
    const auto now = Clock::now();
    if (qos == 1) {
        local_->on_packet(mqtt::PubResponse{mqtt::PacketType::Puback, local_id, 0, {}}, now);
    } else {
        awaiting_local_pubrel_.insert(local_id);
        local_->on_packet(mqtt::PubResponse{mqtt::PacketType::Pubrec, local_id, 0, {}}, now);
    }
}

void Bridge::publish_local(mqtt::Publish p) {
    if (p.qos > 0) {
        next_local_id_ =
            static_cast<std::uint16_t>(next_local_id_ == 65535 ? 1 : next_local_id_ + 1);
        p.packet_id = next_local_id_;
    }
    local_->on_packet(std::move(p), Clock::now());
}

// --- local to remote -------------------------------------------------------------------------

void Bridge::forward(mqtt::Publish&& local, std::uint8_t local_qos) {
    const std::uint16_t local_id = local.packet_id;
    auto mapped = map_.to_remote(local.topic, local.qos);
    if (!mapped) {
        ack_local(local_id, local_qos);
        return;
    }
    mqtt::Publish out;
    out.topic = std::move(mapped->topic);
    out.payload = std::move(local.payload);
    out.qos = std::min(mapped->qos, remote_max_qos_);
    out.retain = config_.bridge_outgoing_retain && local.retain;
    if (config_.bridge_protocol_version == BridgeProtocolVersion::MqttV50) {
        out.properties = std::move(local.properties);
        out.properties.subscription_identifiers.clear();
        out.properties.topic_alias.reset();
    }
    const std::size_t size =
        mqtt::encoded_size(out, remote_version(config_.bridge_protocol_version));
    if ((config_.bridge_max_packet_size > 0 && size > config_.bridge_max_packet_size) ||
        (remote_max_packet_ > 0 && size > remote_max_packet_)) {
        log(LogType::Warning,
            "Bridge {}: dropping a message on {} larger than bridge_max_packet_size.",
            config_.connection, out.topic);
        ack_local(local_id, local_qos);
        return;
    }
    last_traffic_ = Clock::now();
    const std::uint8_t remote_qos = out.qos;
    const std::uint16_t remote_id = remote_->publish(std::move(out));
    sent_.fetch_add(1, std::memory_order_relaxed);
    if (remote_qos > 0 && remote_id != 0) {
        awaiting_remote_[remote_id] = LocalRef{local_id, local_qos};
    } else {
        ack_local(local_id, local_qos);
    }
    if (!remote_up_ && config_.start_type == BridgeStartType::Lazy &&
        ++held_while_down_ >= static_cast<std::size_t>(config_.threshold)) {
        start_remote();
    }
}

// --- the remote side --------------------------------------------------------------------------

client::ConnectionOptions Bridge::remote_options() {
    client::ConnectionOptions o;
    const auto& first = config_.addresses.front();
    o.host = first.host;
    o.port = first.port;
    o.bind_address = config_.bridge_bind_address;
    o.nodelay = true;
    if (!config_.bridge_cafile.empty() || !config_.bridge_capath.empty() ||
        !config_.bridge_identity.empty()) {
        client::TlsOptions tls;
        tls.cafile = config_.bridge_cafile;
        tls.capath = config_.bridge_capath;
        tls.certfile = config_.bridge_certfile;
        tls.keyfile = config_.bridge_keyfile;
        tls.insecure = config_.bridge_insecure;
        tls.version = config_.bridge_tls_version;
        tls.alpn = config_.bridge_alpn;
        tls.psk_identity = config_.bridge_identity;
        tls.psk = config_.bridge_psk;
        o.tls = tls;
    }
    o.reconnect.enabled = config_.start_type != BridgeStartType::Once;
    auto& s = o.session;
    s.version = remote_version(config_.bridge_protocol_version);
    s.client_id = config_.remote_clientid;
    s.clean_start = config_.cleansession;
    s.keep_alive = config_.keepalive_interval;
    if (!config_.remote_username.empty()) s.username = config_.remote_username;
    if (!config_.remote_password.empty()) s.password = config_.remote_password;
    if (mqtt::is_v5(s.version)) {
        s.connect_properties.session_expiry_interval = config_.bridge_session_expiry_interval;
        if (config_.bridge_receive_maximum > 0) {
            s.connect_properties.receive_maximum = config_.bridge_receive_maximum;
        }
    }
    if (config_.notifications && !config_.notifications_local_only) {
        // The remote tells everyone the bridge is gone when the link breaks (MQTT will).
        s.will = mqtt::Will{config_.effective_notification_topic(), "0", 1, true, {}};
    }
    // Mosquitto's bridge window: max_inflight_messages (0: none), within the remote's Receive
    // Maximum (v5, applied by the session). The local side delivers to the bridge with the same
    // window, and each local message is acknowledged once the remote acknowledged it.
    const std::size_t window = broker_.settings().max_inflight_messages;
    s.max_inflight = static_cast<std::uint16_t>(window == 0 || window > 65535 ? 0 : window);
    return o;
}

void Bridge::before_attempt(client::ConnectionOptions& o) {
    const auto& a = config_.addresses[address_index_ % config_.addresses.size()];
    o.host = a.host;
    o.port = a.port;
    o.session.bridge = config_.try_private && use_bridge_bit_ &&
                       config_.bridge_protocol_version != BridgeProtocolVersion::MqttV50;
    got_connack_ = false;
    std::lock_guard lock(status_mutex_);
    status_.address = address_text(a);
}

// The remote client exists from the start: while it is not connected (or not started, with
// start_type lazy) its session queues what the bridge forwards.
void Bridge::make_remote() {
    auto options = remote_options();
    std::weak_ptr<Bridge> weak = weak_from_this();
    options.before_attempt = [weak](client::ConnectionOptions& o) {
        if (auto self = weak.lock()) self->before_attempt(o);
    };
    options.retry_delay = [weak]() -> std::chrono::milliseconds {
        auto self = weak.lock();
        if (!self) return std::chrono::seconds(5);
        if (!self->got_connack_ && self->config_.addresses.size() > 1) {
            ++self->address_index_;  // failover: try the next address
        }
        if (self->retry_now_) {
            self->retry_now_ = false;
            return std::chrono::milliseconds(0);
        }
        return self->backoff_.next();
    };
    remote_ = std::make_unique<client::Connection>(io_, std::move(options));
    remote_->set_event_handler([weak](const client::Event& e) {
        if (auto self = weak.lock()) self->on_remote_event(e);
    });
    remote_->set_error_handler([weak](const std::string& what) {
        if (auto self = weak.lock()) self->on_remote_lost(what);
    });
}

void Bridge::start_remote() {
    if (remote_started_ || stopping_) return;
    remote_started_ = true;
    log(LogType::Notice, "Connecting bridge {} ({})", config_.connection,
        address_text(config_.addresses[address_index_ % config_.addresses.size()]));
    remote_->start();
}

void Bridge::on_remote_event(const client::Event& e) {
    if (auto* c = std::get_if<client::event::Connected>(&e)) {
        if (c->reason_code == 0) {
            on_remote_connected(*c);
        } else {
            got_connack_ = true;
            log(LogType::Error, "Bridge {}: connection refused by {} (reason {}).",
                config_.connection, status().address, static_cast<int>(c->reason_code));
            // MQTT 3.1.1 CONNACK 1: the remote does not take the bridge bit (try_private).
            if (c->reason_code == 1 && use_bridge_bit_ && config_.try_private) drop_bridge_bit();
        }
    } else if (auto* m = std::get_if<client::event::Message>(&e)) {
        on_remote_message(mqtt::Publish(m->publish));
    } else if (auto* p = std::get_if<client::event::Published>(&e)) {
        auto it = awaiting_remote_.find(p->packet_id);
        if (it != awaiting_remote_.end()) {
            ack_local(it->second.id, it->second.qos);
            awaiting_remote_.erase(it);
        }
    } else if (auto* d = std::get_if<client::event::Disconnected>(&e)) {
        on_remote_lost(d->message.empty() ? "disconnected" : d->message);
    } else if (auto* s = std::get_if<client::event::Subscribed>(&e)) {
        for (auto code : s->reason_codes) {
            if (code >= 0x80) {
                log(LogType::Warning, "Bridge {}: the remote refused a subscription ({}).",
                    config_.connection, static_cast<int>(code));
            }
        }
    }
}

// The remote does not take the bridge bit (try_private): Mosquitto would retry with it forever.
void Bridge::drop_bridge_bit() {
    log(LogType::Notice,
        "Bridge {}: {} refused the bridge bit (try_private); reconnecting without it.",
        config_.connection, status().address);
    use_bridge_bit_ = false;
    retry_now_ = true;
}

void Bridge::on_remote_connected(const client::event::Connected& c) {
    got_connack_ = true;
    remote_up_ = true;
    held_while_down_ = 0;
    connected_index_ = address_index_ % config_.addresses.size();
    backoff_.reset();
    last_traffic_ = Clock::now();
    {
        std::lock_guard lock(status_mutex_);
        status_.connected = true;
    }
    log(LogType::Notice, "Bridge {} connected to {}.", config_.connection, status().address);
    last_failure_.clear();
    const bool v5 = config_.bridge_protocol_version == BridgeProtocolVersion::MqttV50;
    remote_max_qos_ = c.properties.maximum_qos.value_or(2);
    remote_max_packet_ = c.properties.maximum_packet_size.value_or(0);
    if (!c.session_present) {
        std::vector<mqtt::Subscription> subs;
        for (const auto& f : map_.remote_subscriptions()) {
            mqtt::SubscribeOptions o;
            o.qos = f.qos;
            // MQTT 5 bridges prevent loops themselves: no echo, and retain kept as published.
            o.no_local = v5;
            o.retain_as_published = v5;
            subs.push_back({f.filter, o});
        }
        if (!subs.empty()) remote_->subscribe(std::move(subs));
    }
    if (config_.bridge_attempt_unsubscribe && !config_.cleansession) {
        auto stale = map_.remote_out_only_filters();
        if (!stale.empty()) remote_->unsubscribe(std::move(stale));
    }
    notify("1");
    subscribe_local();
}

void Bridge::on_remote_lost(const std::string& why) {
    if (!got_connack_ && use_bridge_bit_ && config_.try_private &&
        config_.bridge_protocol_version != BridgeProtocolVersion::MqttV50 && remote_up_ == false &&
        why == "Connection closed") {
        // Some brokers (RabbitMQ) close instead of answering CONNACK 1 to the bridge bit.
        drop_bridge_bit();
    }
    if (!remote_up_) {
        // Logged loudly once per state change, then at debug level while it keeps failing.
        const std::string failure = status().address + ": " + why;
        log(failure == last_failure_ ? LogType::Debug : LogType::Error,
            "Bridge {}: cannot connect to {}.", config_.connection, failure);
        last_failure_ = failure;
        return;
    }
    remote_up_ = false;
    {
        std::lock_guard lock(status_mutex_);
        status_.connected = false;
    }
    log(LogType::Notice, "Bridge {} disconnected from {}: {}.", config_.connection,
        status().address, why);
    notify("0");
}

void Bridge::on_remote_message(mqtt::Publish&& p) {
    auto mapped = map_.to_local(p.topic, p.qos);
    if (!mapped) return;
    received_.fetch_add(1, std::memory_order_relaxed);
    last_traffic_ = Clock::now();
    mqtt::Publish local;
    local.topic = std::move(mapped->topic);
    local.payload = std::move(p.payload);
    local.qos = mapped->qos;
    local.retain = p.retain;
    local.properties = std::move(p.properties);
    local.properties.subscription_identifiers.clear();
    local.properties.topic_alias.reset();
    publish_local(std::move(local));
}

// Notifications are not remapped: the same topic on both brokers, retained.
void Bridge::notify(const char* state) {
    if (!config_.notifications) return;
    const std::string topic = config_.effective_notification_topic();
    publish_local(mqtt::Publish{topic, state, 1, true, false, 0, {}});
    if (remote_up_ && !config_.notifications_local_only) {
        // QoS 1, or 0 if the remote only allows QoS 0 (Mosquitto does the same).
        remote_->publish(mqtt::Publish{
            topic, state, std::min<std::uint8_t>(1, remote_max_qos_), true, false, 0, {}});
    }
}

void Bridge::check_idle() {
    if (stopping_) return;
    if (config_.start_type == BridgeStartType::Lazy && remote_up_ && awaiting_remote_.empty() &&
        Clock::now() - last_traffic_ > std::chrono::seconds(config_.idle_timeout)) {
        log(LogType::Notice, "Bridge {} idle for {} s: disconnecting (start_type lazy).",
            config_.connection, config_.idle_timeout);
        notify("0");
        remote_up_ = false;
        remote_started_ = false;
        remote_->disconnect();
        make_remote();
    }
    {
        std::lock_guard lock(status_mutex_);
        status_.queued =
            awaiting_remote_.size() + (remote_ ? remote_->session().queued_count() : 0);
    }
    probe_primary();
    idle_timer_.expires_after(std::chrono::seconds(1));
    idle_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
        if (ec) return;
        if (auto self = weak.lock()) self->check_idle();
    });
}

void Bridge::probe_primary() {
    if (config_.round_robin || !remote_up_ || connected_index_ == 0 || probing_ ||
        Clock::now() - last_probe_ < std::chrono::seconds(5)) {
        return;
    }
    probing_ = true;
    last_probe_ = Clock::now();
    auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
    auto resolver = std::make_shared<asio::ip::tcp::resolver>(io_);
    const auto& primary = config_.addresses.front();
    resolver->async_resolve(
        primary.host, std::to_string(primary.port),
        [self = shared_from_this(), socket, resolver](const boost::system::error_code& ec,
                                                      asio::ip::tcp::resolver::results_type r) {
            if (ec) {
                self->probing_ = false;
                return;
            }
            asio::async_connect(*socket, r,
                                [self, socket](const boost::system::error_code& cec,
                                               const asio::ip::tcp::endpoint&) {
                                    self->probing_ = false;
                                    boost::system::error_code ignored;
                                    socket->close(ignored);
                                    if (cec || !self->remote_up_ || self->stopping_) return;
                                    log(LogType::Notice,
                                        "Bridge {}: primary address is back, switching to it.",
                                        self->config_.connection);
                                    self->address_index_ = 0;
                                    self->retry_now_ = true;
                                    self->remote_->reconnect();
                                });
        });
}

void Bridge::stop() {
    asio::post(io_, [self = shared_from_this()] {
        if (self->stopping_) return;
        // A clean disconnect does not fire the will, so "0" is said to both sides here.
        self->notify("0");
        self->stopping_ = true;
        self->idle_timer_.cancel();
        if (self->remote_) self->remote_->disconnect();
        if (self->local_) {
            self->local_->on_packet(mqtt::Disconnect{}, Clock::now());
            self->local_->on_transport_closed(Clock::now());
        }
        if (self->link_) self->link_->detach();
    });
}

BridgeStatus Bridge::status() const {
    std::lock_guard lock(status_mutex_);
    BridgeStatus s = status_;
    s.sent = sent_.load(std::memory_order_relaxed);
    s.received = received_.load(std::memory_order_relaxed);
    return s;
}

}  // namespace lampi::bridge
