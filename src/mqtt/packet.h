// MQTT control packets for 3.1, 3.1.1 and 5.0 as plain values.
// The codec (codec.h) turns bytes into these and back; nothing here does I/O or logging.
// Values are regular types: copyable, no shared state, safe to move across threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mqtt/properties.h"
#include "mqtt/reason_code.h"

namespace lampi::mqtt {

enum class PacketType : std::uint8_t {
    Connect = 1,
    Connack = 2,
    Publish = 3,
    Puback = 4,
    Pubrec = 5,
    Pubrel = 6,
    Pubcomp = 7,
    Subscribe = 8,
    Suback = 9,
    Unsubscribe = 10,
    Unsuback = 11,
    Pingreq = 12,
    Pingresp = 13,
    Disconnect = 14,
    Auth = 15,
};

// The protocol level byte of CONNECT. 3 = MQTT 3.1 ("MQIsdp"), 4 = 3.1.1, 5 = 5.0.
enum class ProtocolVersion : std::uint8_t { V31 = 3, V311 = 4, V5 = 5 };

inline bool is_v5(ProtocolVersion v) { return v == ProtocolVersion::V5; }

struct Will {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    bool retain = false;
    Properties properties;  // v5 will properties (will delay, expiry, content type, ...)

    bool operator==(const Will&) const = default;
};

struct Connect {
    std::string protocol_name = "MQTT";
    ProtocolVersion version = ProtocolVersion::V311;
    // Mosquitto's bridge marker: top bit of the protocol level byte (try_private).
    bool bridge = false;
    bool clean_start = true;
    std::uint16_t keep_alive = 60;
    std::string client_id;
    std::optional<Will> will;
    std::optional<std::string> username;
    std::optional<std::string> password;  // binary data in v5
    Properties properties;

    bool operator==(const Connect&) const = default;
};

struct Connack {
    bool session_present = false;
    // For 3.1.1 the return code (0..5); for v5 the reason code.
    std::uint8_t reason_code = 0;
    Properties properties;

    bool operator==(const Connack&) const = default;
};

struct Publish {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    bool retain = false;
    bool dup = false;
    std::uint16_t packet_id = 0;  // only for qos > 0
    Properties properties;

    bool operator==(const Publish&) const = default;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP share one shape.
struct PubResponse {
    PacketType type = PacketType::Puback;
    std::uint16_t packet_id = 0;
    std::uint8_t reason_code = 0;
    Properties properties;

    bool operator==(const PubResponse&) const = default;
};

struct SubscribeOptions {
    std::uint8_t qos = 0;
    bool no_local = false;
    bool retain_as_published = false;
    std::uint8_t retain_handling = 0;

    bool operator==(const SubscribeOptions&) const = default;
};

struct Subscription {
    std::string filter;
    SubscribeOptions options;

    bool operator==(const Subscription&) const = default;
};

struct Subscribe {
    std::uint16_t packet_id = 0;
    std::vector<Subscription> subscriptions;
    Properties properties;

    bool operator==(const Subscribe&) const = default;
};

struct Suback {
    std::uint16_t packet_id = 0;
    std::vector<std::uint8_t> reason_codes;  // granted QoS or failure (0x80 / v5 codes)
    Properties properties;

    bool operator==(const Suback&) const = default;
};

struct Unsubscribe {
    std::uint16_t packet_id = 0;
    std::vector<std::string> filters;
    Properties properties;

    bool operator==(const Unsubscribe&) const = default;
};

struct Unsuback {
    std::uint16_t packet_id = 0;
    std::vector<std::uint8_t> reason_codes;  // v5 only; empty for 3.1.1
    Properties properties;

    bool operator==(const Unsuback&) const = default;
};

struct Pingreq {
    bool operator==(const Pingreq&) const = default;
};
struct Pingresp {
    bool operator==(const Pingresp&) const = default;
};

struct Disconnect {
    std::uint8_t reason_code = 0;
    Properties properties;

    bool operator==(const Disconnect&) const = default;
};

struct Auth {
    std::uint8_t reason_code = 0;
    Properties properties;

    bool operator==(const Auth&) const = default;
};

using Packet = std::variant<Connect, Connack, Publish, PubResponse, Subscribe, Suback, Unsubscribe,
                            Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

PacketType packet_type(const Packet& p);
const char* packet_type_name(PacketType t);

}  // namespace lampi::mqtt
