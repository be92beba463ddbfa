// LampService: the lamp service's MQTT behaviour with no I/O. Connection events and messages in;
// messages to publish, warnings and "the state changed" out. The app drives the hardware and the
// state file when told the state changed. Topics follow the course (see docs/lamp.md):
//   <root>set_config (in), <root>associated (in), <root>changed (out, retained),
//   <root>connection/<client_id>/state ("1" on connect, will "0"; retained, QoS 1).
// Not thread-safe: one owner.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lamp/lamp_state.h"

namespace lampi::lamp {

struct Outgoing {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 1;
    bool retain = true;

    bool operator==(const Outgoing&) const = default;
};

struct Topics {
    Topics(const std::string& root, const std::string& client_id);
    std::string set_config;
    std::string changed;
    std::string associated;
    std::string connection_state;
};

struct Reaction {
    std::vector<Outgoing> publish;
    bool state_changed = false;  // drive the hardware and save the state file
    std::string warning;         // one line for the log when the message was ignored
    std::string info;            // one line for the log otherwise
};

class LampService {
  public:
    // `initial` is the restored state (or the defaults); its client becomes `client_id`.
    LampService(const std::string& topic_root, const std::string& client_id, LampState initial);

    const Topics& topics() const { return topics_; }
    const LampState& state() const { return state_; }

    // The will to register: "0" on the connection topic, retained, QoS 1.
    Outgoing will() const;
    // Filters to subscribe to (QoS 1) after every (re)connection.
    std::vector<std::string> subscriptions() const;
    // After each CONNACK: "1" on the connection topic, then the full state on `changed`.
    std::vector<Outgoing> on_connected() const;
    // Before a clean shutdown: "0" on the connection topic (the will is not sent on DISCONNECT).
    Outgoing goodbye() const;
    // One inbound message.
    Reaction on_message(const std::string& topic, const std::string& payload);

  private:
    Outgoing changed_message() const;

    Topics topics_;
    std::string client_id_;
    LampState state_;
};

}  // namespace lampi::lamp
