// Session: the MQTT client protocol as a state machine with no I/O (sans-I/O).
// Feed it user requests, bytes from the network and the time; take bytes to write and events.
// It owns all client session state (packet ids, in-flight QoS 1/2 flows, the queue beyond the
// receive maximum, inbound QoS 2 ids) and survives reconnects. Not thread-safe: one owner.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "mqtt/packet.h"

namespace lampi::client {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct SessionOptions {
    mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V311;
    std::string client_id;
    bool clean_start = true;
    std::uint16_t keep_alive = 60;  // seconds; 0 turns keepalive off
    std::optional<mqtt::Will> will;
    std::optional<std::string> username;
    std::optional<std::string> password;
    mqtt::Properties connect_properties;  // v5 only
    // Outbound QoS 1/2 messages in flight at once; v5 also honours the server's receive maximum.
    std::uint16_t max_inflight = 20;
    std::size_t max_packet_size = 268435460;  // largest MQTT packet
    // Mosquitto's try_private: mark the CONNECT as a bridge's (top bit of the protocol level).
    bool bridge = false;
    // Inbound QoS 2: deliver on PUBLISH and remember the id until PUBREL (MQTT 5 figure 4.3,
    // method A), or hold the message until PUBREL (method B, what libmosquitto does, so the
    // tools print in the same order as Mosquitto's).
    bool deliver_qos2_on_pubrel = false;
};

namespace event {
// CONNACK arrived. reason_code != 0 means refused (3.1.1 return code or v5 reason code) and the
// session is Disconnected afterwards.
struct Connected {
    bool session_present = false;
    std::uint8_t reason_code = 0;
    mqtt::Properties properties;
};
struct Message {
    mqtt::Publish publish;
};
// An outbound QoS 1/2 flow finished (PUBACK, PUBCOMP, or a PUBREC with a v5 error code).
struct Published {
    std::uint16_t packet_id = 0;
    std::uint8_t reason_code = 0;
    mqtt::Properties properties;
};
struct Subscribed {
    std::uint16_t packet_id = 0;
    std::vector<std::uint8_t> reason_codes;
    mqtt::Properties properties;
};
struct Unsubscribed {
    std::uint16_t packet_id = 0;
    std::vector<std::uint8_t> reason_codes;
    mqtt::Properties properties;
};
// The protocol connection ended: server DISCONNECT (by_server), keepalive timeout (0x8D),
// a malformed or unexpected packet (0x81 / 0x82), or our own disconnect() (0).
// The driver should close the transport when it sees this.
struct Disconnected {
    std::uint8_t reason_code = 0;
    bool by_server = false;
    std::string message;
    mqtt::Properties properties;
};
}  // namespace event

using Event = std::variant<event::Connected, event::Message, event::Published, event::Subscribed,
                           event::Unsubscribed, event::Disconnected>;

class Session {
  public:
    enum class State { Disconnected, Connecting, Connected, Disconnecting };
    // Sees every packet the session writes (outgoing) or reads, before the session acts on a
    // read one: for traces such as the tools' -d output. Must not call back into the Session.
    using PacketObserver = std::function<void(bool outgoing, const mqtt::Packet& packet)>;

    explicit Session(SessionOptions options);

    // A new transport is up: writes CONNECT. Session state (in-flight, queue) carries over.
    void connect(TimePoint now);
    // The transport closed under us (or the driver closed it). Keeps session state for a resume.
    void connection_lost();
    // Graceful end: writes DISCONNECT and moves to Disconnecting; the driver flushes and closes.
    void disconnect(std::uint8_t reason_code = 0, mqtt::Properties properties = {});

    // Queue a message. Returns its packet id (0 for QoS 0). QoS 1/2 messages beyond the in-flight
    // window, and all messages while not connected, wait in a queue. Returns 0 and drops the
    // message if QoS > 0 and all 65535 ids are in use. A QoS 0 message still takes the next
    // number from the id counter into its packet_id (never on the wire), as libmosquitto's
    // message ids do, so traces number messages as Mosquitto's tools do.
    std::uint16_t publish(mqtt::Publish message);
    std::uint16_t subscribe(std::vector<mqtt::Subscription> subscriptions,
                            mqtt::Properties properties = {});
    std::uint16_t unsubscribe(std::vector<std::string> filters, mqtt::Properties properties = {});

    // Bytes from the network: buffers them and handles every complete packet.
    void on_bytes(std::span<const std::uint8_t> data, TimePoint now);
    // The same in two steps, so a driver can hand out the events of each packet before the
    // next one is handled and stop reading once the owner disconnects, as libmosquitto's
    // callbacks can (mosquitto_sub -C 1 must not acknowledge a second message it will not
    // print). handle_next_packet returns false when no complete packet is buffered or the
    // session ended.
    void receive(std::span<const std::uint8_t> data, TimePoint now);
    bool handle_next_packet(TimePoint now);
    void on_tick(TimePoint now);
    // When on_tick should next be called (keepalive), if ever.
    std::optional<TimePoint> next_deadline() const;

    // Bytes to write, in order. Empties the buffer.
    std::string take_output();
    bool has_output() const { return !output_.empty(); }
    std::vector<Event> take_events();

    State state() const { return state_; }
    // True when no QoS 1/2 message, subscribe or unsubscribe waits for an answer or a send.
    bool idle() const;
    std::size_t inflight_count() const { return inflight_.size(); }
    std::size_t queued_count() const { return queue_.size(); }
    // The client id, updated from a v5 assigned client identifier.
    const std::string& client_id() const { return options_.client_id; }
    const SessionOptions& options() const { return options_; }
    // Takes effect at the next connect() (a bridge that drops try_private after a refusal).
    void set_bridge_flag(bool bridge) { options_.bridge = bridge; }
    void set_packet_observer(PacketObserver observer) { observer_ = std::move(observer); }

  private:
    enum class Stage { AwaitAck, AwaitRec, AwaitComp };
    struct Outgoing {
        mqtt::Publish publish;
        Stage stage = Stage::AwaitAck;
    };
    struct PendingRequest {
        mqtt::Packet packet;  // Subscribe or Unsubscribe
        bool sent = false;
    };

    void send(const mqtt::Packet& packet);
    std::uint16_t next_packet_number();
    std::uint16_t allocate_packet_id();
    void release_packet_id(std::uint16_t id);
    std::size_t window() const;
    void fill_window();
    void send_publish(mqtt::Publish publish);
    void fail(std::uint8_t reason_code, std::string message);
    bool live() const;
    void compact_input();
    void handle(mqtt::Packet packet, TimePoint now);
    void handle_connack(const mqtt::Connack& connack);
    void handle_publish(mqtt::Publish publish);
    void handle_pub_response(const mqtt::PubResponse& response);
    void resume_after_connack(bool session_present);
    template <class Answer>
    void handle_request_answer(Answer& answer);
    Outgoing* find_inflight(std::uint16_t id);
    void finish_inflight(std::uint16_t id, std::uint8_t reason_code, mqtt::Properties properties);

    SessionOptions options_;
    PacketObserver observer_;
    State state_ = State::Disconnected;
    std::string output_;
    std::vector<Event> events_;
    std::vector<std::uint8_t> input_;
    std::size_t input_offset_ = 0;  // bytes of input_ already decoded
    TimePoint now_{};               // latest time we were told

    std::uint16_t last_packet_id_ = 0;
    std::vector<bool> used_ids_;            // indexed by packet id
    std::deque<Outgoing> inflight_;         // in send order, for resending
    std::deque<mqtt::Publish> queue_;       // not yet sent (ids assigned for QoS > 0)
    std::deque<PendingRequest> requests_;   // SUBSCRIBE / UNSUBSCRIBE awaiting an answer
    std::set<std::uint16_t> inbound_qos2_;  // PUBREC sent, waiting for PUBREL
    std::map<std::uint16_t, mqtt::Publish> held_qos2_;  // deliver_qos2_on_pubrel: until PUBREL

    std::uint16_t keep_alive_ = 60;
    std::uint16_t server_receive_maximum_ = 65535;
    TimePoint last_sent_{};
    std::optional<TimePoint> ping_sent_;
    std::optional<TimePoint> connect_sent_;
};

}  // namespace lampi::client
