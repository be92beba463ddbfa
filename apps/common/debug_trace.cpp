#include "apps/common/debug_trace.h"

#include <cstdarg>
#include <cstdio>
#include <memory>

namespace lampi::cli {

namespace {

using mqtt::PacketType;

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

std::string format(const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    va_list again;
    va_copy(again, args);
    const int n = std::vsnprintf(nullptr, 0, fmt, args);
    va_end(args);
    std::string out(static_cast<std::size_t>(n) + 1, '\0');
    std::vsnprintf(out.data(), out.size(), fmt, again);
    va_end(again);
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string publish_details(const mqtt::Publish& p) {
    return format("(d%d, q%d, r%d, m%d, '%s', ... (%ld bytes))", p.dup ? 1 : 0, p.qos,
                  p.retain ? 1 : 0, p.packet_id, p.topic.c_str(),
                  static_cast<long>(p.payload.size()));
}

// The subscription options byte without the QoS bits (MQTT 5 3.8.3.1).
int options_byte(const mqtt::SubscribeOptions& o) {
    return (o.no_local ? 0x04 : 0) | (o.retain_as_published ? 0x08 : 0) |
           ((o.retain_handling & 0x03) << 4);
}

}  // namespace

std::string DebugTrace::prefix() const {
    return "Client " + (client_id_.empty() ? std::string("(null)") : client_id_) + " ";
}

std::string DebugTrace::lines(bool outgoing, const mqtt::Packet& packet) {
    return outgoing ? sent(packet) : received(packet);
}

std::string DebugTrace::sent(const mqtt::Packet& packet) const {
    const std::string client = prefix();
    if (std::holds_alternative<mqtt::Connect>(packet)) return client + "sending CONNECT\n";
    if (const auto* p = std::get_if<mqtt::Publish>(&packet)) {
        return client + "sending PUBLISH " + publish_details(*p) + "\n";
    }
    if (const auto* r = std::get_if<mqtt::PubResponse>(&packet)) {
        if (r->type == PacketType::Puback || r->type == PacketType::Pubrec) {
            return client + format("sending %s (m%d, rc%d)\n", mqtt::packet_type_name(r->type),
                                   r->packet_id, r->reason_code);
        }
        return client + format("sending %s (m%d)\n", mqtt::packet_type_name(r->type), r->packet_id);
    }
    if (const auto* s = std::get_if<mqtt::Subscribe>(&packet)) {
        std::string out;
        for (const auto& sub : s->subscriptions) {
            out += client + format(
                                "sending SUBSCRIBE (Mid: %d, Topic: %s, QoS: %d, Options: "
                                "0x%02x)\n",
                                s->packet_id, sub.filter.c_str(), sub.options.qos,
                                options_byte(sub.options));
        }
        return out;
    }
    if (const auto* u = std::get_if<mqtt::Unsubscribe>(&packet)) {
        std::string out;
        for (const auto& filter : u->filters) {
            out += client + format("sending UNSUBSCRIBE (Mid: %d, Topic: %s)\n", u->packet_id,
                                   filter.c_str());
        }
        return out;
    }
    if (std::holds_alternative<mqtt::Pingreq>(packet)) return client + "sending PINGREQ\n";
    if (std::holds_alternative<mqtt::Disconnect>(packet)) return client + "sending DISCONNECT\n";
    return {};
}

std::string DebugTrace::received(const mqtt::Packet& packet) {
    if (const auto* c = std::get_if<mqtt::Connack>(&packet)) {
        // libmosquitto takes a v5 assigned client identifier before logging the CONNACK.
        if (c->properties.assigned_client_identifier) {
            client_id_ = *c->properties.assigned_client_identifier;
        }
        return prefix() + format("received CONNACK (%d)\n", c->reason_code);
    }
    const std::string client = prefix();
    if (const auto* p = std::get_if<mqtt::Publish>(&packet)) {
        return client + "received PUBLISH " + publish_details(*p) + "\n";
    }
    if (const auto* r = std::get_if<mqtt::PubResponse>(&packet)) {
        if (r->type == PacketType::Puback || r->type == PacketType::Pubcomp) {
            return client + format("received %s (Mid: %d, RC:%d)\n",
                                   mqtt::packet_type_name(r->type), r->packet_id, r->reason_code);
        }
        return client +
               format("received %s (Mid: %d)\n", mqtt::packet_type_name(r->type), r->packet_id);
    }
    if (std::holds_alternative<mqtt::Suback>(packet)) return client + "received SUBACK\n";
    if (std::holds_alternative<mqtt::Unsuback>(packet)) return client + "received UNSUBACK\n";
    if (std::holds_alternative<mqtt::Pingresp>(packet)) return client + "received PINGRESP\n";
    if (const auto* d = std::get_if<mqtt::Disconnect>(&packet)) {
        return format("Received DISCONNECT (%d)\n", d->reason_code);
    }
    return {};
}

void print_debug_trace(client::Connection& connection, const std::string& client_id) {
    auto trace = std::make_shared<DebugTrace>(client_id);
    connection.set_packet_observer([trace](bool outgoing, const mqtt::Packet& packet) {
        const std::string text = trace->lines(outgoing, packet);
        std::fwrite(text.data(), 1, text.size(), stdout);
    });
}

}  // namespace lampi::cli
