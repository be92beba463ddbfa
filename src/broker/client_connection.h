// The server side of one MQTT connection: decoded packets and time in, replies and routing out.
// No sockets: bytes leave through the Outlet the transport provides, so the protocol logic can be
// driven by tests with a fake outlet.
// Threading: every method except kick() runs on the owning worker's thread; kick() is called
// from another worker on session takeover and only touches the thread-safe Outlet.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "broker/access_control.h"
#include "broker/broker.h"
#include "broker/inbound_quota.h"
#include "broker/outlet.h"
#include "broker/publish_rate_limiter.h"
#include "mqtt/codec.h"

namespace lampi::broker {

// What the listener a connection arrived on allows.
struct ListenerPolicy {
    bool allow_anonymous = true;
    // Mosquitto's use_identity_as_username / use_subject_as_username: the TLS client
    // certificate names the user, and CONNECT's username and password are not used.
    bool identity_as_username = false;
    std::string mount_point;
    std::uint16_t port = 0;
    std::uint8_t max_qos = 2;            // Mosquitto's per-listener max_qos (MQTT 5 Maximum QoS)
    std::uint16_t max_topic_alias = 10;  // per listener, as in Mosquitto 2
    // The broker's own bridge (bridge/): it carries many clients' traffic and counts on its
    // local acknowledgements, so Receive Maximum and max_publish_rate do not apply to it.
    bool in_process_bridge = false;
    std::shared_ptr<AccessControlSlot> access;  // password and ACL checks; may be empty
};

class ClientConnection final : public SessionOwner {
  public:
    // `policy` is shared by every connection of a listener.
    ClientConnection(Broker& broker, Outlet& outlet, std::shared_ptr<const ListenerPolicy> policy,
                     std::string peer);
    ~ClientConnection() override;
    ClientConnection(const ClientConnection&) = delete;
    ClientConnection& operator=(const ClientConnection&) = delete;

    void on_packet(mqtt::Packet&& packet, TimePoint now);
    // The transport could not decode the stream; the connection is closed with `error.reason`.
    void on_decode_error(const mqtt::DecodeError& error, TimePoint now);
    // The stream ended for any reason: fires the will unless the client said DISCONNECT.
    void on_transport_closed(TimePoint now);
    // No packet for 1.5 times the keep alive (MQTT 3.1.1 3.1.2.10).
    void on_keepalive_timeout(TimePoint now);

    void kick(std::uint8_t reason) override;
    // The name the transport proved (TLS client certificate), if any.
    void set_transport_identity(std::optional<std::string> identity) {
        transport_identity_ = std::move(identity);
    }

    bool connected() const { return connected_; }
    bool closing() const { return closing_; }
    mqtt::ProtocolVersion version() const { return version_; }
    std::uint16_t keep_alive() const { return keep_alive_; }
    std::size_t max_packet_size() const;
    const std::string& client_id() const { return client_id_; }

  private:
    void handle_connect(mqtt::Connect& c, TimePoint now);
    bool check_connect(mqtt::Connect& c);
    std::uint8_t authenticate(mqtt::Connect& c);
    void accept_connect(mqtt::Connect& c, mqtt::Properties props, TimePoint now);
    void handle_publish(mqtt::Publish& p, TimePoint now);
    // 0 when resolved, else the reason to disconnect with.
    std::uint8_t resolve_topic_alias(mqtt::Publish& p);
    std::uint8_t check_publish(const mqtt::Publish& p) const;
    // Returns how many sessions received the message.
    std::size_t route_publish(mqtt::Publish& p, TimePoint now);
    void handle_pub_response(const mqtt::PubResponse& r, TimePoint now);
    void handle_subscribe(const mqtt::Subscribe& s, TimePoint now);
    std::uint8_t check_subscription(const mqtt::Subscription& sub, bool has_sub_id) const;
    void handle_unsubscribe(const mqtt::Unsubscribe& u);
    void handle_disconnect(const mqtt::Disconnect& d, TimePoint now);

    // What the client may send (client_limits.cpp). `receive_maximum`: as announced in CONNACK.
    void set_up_inbound_limits(std::optional<std::uint16_t> receive_maximum);
    // 0 when the PUBLISH is within the limits, else the reason to disconnect with (and `why`).
    std::uint8_t admit_publish(const mqtt::Publish& p, TimePoint now, std::string& why);
    // memory_limit: sets `refusal` to 0x97 for a v5 client, closes a 3.x one (returns false).
    bool within_memory_limit(const mqtt::Publish& p, std::uint8_t& refusal);
    bool over_memory_limit(const mqtt::Publish& p) const;
    std::optional<std::string> response_information(const mqtt::Connect& c) const;

    void send(const mqtt::Packet& packet);
    // PUBACK / PUBREC / PUBCOMP: with persistence they wait until what the PUBLISH changed is on
    // disk. `ends_counted_flow`: sending it gives the client back one unit of Receive Maximum.
    void acknowledge(const mqtt::PubResponse& ack, bool ends_counted_flow = false);
    void send_connack(std::uint8_t code, bool session_present, mqtt::Properties props = {});
    // Ends the connection: a v5 client gets DISCONNECT with `reason` first.
    void close_with(std::uint8_t reason, std::string_view why);
    void publish_will(TimePoint now);
    MessagePtr make_message(mqtt::Publish&& p, TimePoint now) const;
    std::string mount(std::string_view topic) const;
    bool allowed(std::string_view topic, AccessKind kind) const;

    Broker& broker_;
    Outlet& outlet_;
    const std::shared_ptr<const ListenerPolicy> policy_holder_;
    const ListenerPolicy& policy_;
    const std::string peer_;
    // As at accept; a reload applies to new connections.
    const std::shared_ptr<const Settings> settings_holder_;
    const Settings& settings_;
    std::string client_id_;
    std::optional<std::string> username_;
    mqtt::ProtocolVersion version_ = mqtt::ProtocolVersion::V311;
    bool connected_ = false;
    bool closing_ = false;
    bool clean_disconnect_ = false;
    bool is_bridge_ = false;
    std::uint16_t keep_alive_ = 0;
    std::uint32_t session_expiry_ = 0;
    std::uint32_t client_max_packet_size_ = 0;
    std::unique_ptr<mqtt::Will> will_;  // most clients have none: no inline Properties
    std::shared_ptr<Session> session_;
    using TopicAliases = std::unordered_map<std::uint16_t, std::string>;
    std::unique_ptr<TopicAliases> topic_aliases_;       // allocated by the first alias
    std::shared_ptr<InboundQuota> inbound_quota_;       // v5, when Receive Maximum is announced
    std::unique_ptr<PublishRateLimiter> rate_limiter_;  // when max_publish_rate is set
    std::atomic<bool> kicked_{false};
    std::optional<std::string> transport_identity_;
};

}  // namespace lampi::broker
