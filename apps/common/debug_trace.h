// The tools' -d output: Mosquitto 2.0.11's client debug log lines ("Client mosq-1 sending
// PUBLISH (d0, q1, r0, m1, 'a/b', ... (5 bytes))") for the packets a Connection writes and
// reads, printed to stdout as mosquitto_pub / mosquitto_sub print them. Single-threaded.
#pragma once

#include <string>

#include "client/connection.h"
#include "mqtt/packet.h"

namespace lampi::cli {

class DebugTrace {
  public:
    // `client_id` empty: printed as "(null)" until a v5 CONNACK assigns one, as libmosquitto does.
    explicit DebugTrace(std::string client_id) : client_id_(std::move(client_id)) {}

    // Mosquitto's lines for one packet, each ending in '\n'; empty if it logs none.
    std::string lines(bool outgoing, const mqtt::Packet& packet);

  private:
    std::string sent(const mqtt::Packet& packet) const;
    std::string received(const mqtt::Packet& packet);
    std::string prefix() const;

    std::string client_id_;
};

// Prints every packet of `connection` to stdout (the tools' -d).
void print_debug_trace(client::Connection& connection, const std::string& client_id);

}  // namespace lampi::cli
