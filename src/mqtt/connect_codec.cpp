// CONNECT and CONNACK (MQTT 3.1 section 3.1-3.2, 3.1.1 and 5.0 sections 3.1-3.2).
#include <cstdint>
#include <string>
#include <string_view>

#include "mqtt/packet_codec.h"
#include "mqtt/properties_codec.h"

namespace lampi::mqtt::detail {
namespace {

constexpr std::string_view kMqttName = "MQTT";
constexpr std::string_view kMqisdpName = "MQIsdp";

// Connect flags, spec 3.1.2.3.
constexpr std::uint8_t kReservedFlag = 0x01;
constexpr std::uint8_t kCleanStartFlag = 0x02;
constexpr std::uint8_t kWillFlag = 0x04;
constexpr std::uint8_t kWillQosShift = 3;
constexpr std::uint8_t kWillRetainFlag = 0x20;
constexpr std::uint8_t kPasswordFlag = 0x40;
constexpr std::uint8_t kUsernameFlag = 0x80;
// Mosquitto's bridges set the top bit of the protocol level (try_private).
constexpr std::uint8_t kBridgeBit = 0x80;

std::string_view protocol_name_for(ProtocolVersion v) {
    return v == ProtocolVersion::V31 ? kMqisdpName : kMqttName;
}

// Protocol name and level: a name we do not know means "not MQTT", so the server just closes
// (protocol error); a known name at an unsupported level earns CONNACK 0x84 / 0x01.
Fail read_protocol(Reader& r, Connect& out) {
    std::string_view name;
    LAMPI_MQTT_TRY(r.read_binary_view(name));
    std::uint8_t level = 0;
    LAMPI_MQTT_TRY(r.read_u8(level));
    const std::uint8_t version = level & 0x7F;
    if (name == kMqttName) {
        if (version != 4 && version != 5) {
            return {reason::kUnsupportedProtocolVersion, "unsupported protocol level"};
        }
    } else if (name == kMqisdpName) {
        if (version != 3) {
            return {reason::kUnsupportedProtocolVersion, "unsupported protocol level"};
        }
    } else {
        return protocol_error("unknown protocol name");
    }
    out.protocol_name.assign(name);
    out.version = static_cast<ProtocolVersion>(version);
    out.bridge = (level & kBridgeBit) != 0;
    return {};
}

Fail check_flags(std::uint8_t flags, ProtocolVersion version) {
    // Spec 3.1.2.3: the reserved flag is 0.
    if ((flags & kReservedFlag) != 0) return malformed("reserved connect flag set");
    const std::uint8_t will_qos = (flags >> kWillQosShift) & 0x03;
    if ((flags & kWillFlag) == 0) {
        // Spec 3.1.2.11 / 3.1.2.12: without a will, will QoS and retain are 0.
        if (will_qos != 0 || (flags & kWillRetainFlag) != 0) {
            return malformed("will QoS or retain without will flag");
        }
    } else if (will_qos == 3) {
        return malformed("will QoS 3");
    }
    // 3.1.1 section 3.1.2.9: a password needs a user name. MQTT 5 dropped the rule.
    if (!is_v5(version) && (flags & kPasswordFlag) != 0 && (flags & kUsernameFlag) == 0) {
        return malformed("password without user name");
    }
    return {};
}

Fail read_will(Reader& r, std::uint8_t flags, ProtocolVersion version, Connect& out) {
    Will& will = out.will.emplace();
    will.qos = (flags >> kWillQosShift) & 0x03;
    will.retain = (flags & kWillRetainFlag) != 0;
    if (is_v5(version)) {
        LAMPI_MQTT_TRY(
            decode_properties(r, PropertyContext::Will, Side::FromClient, will.properties));
    }
    LAMPI_MQTT_TRY(r.read_utf8(will.topic));
    return r.read_binary(will.payload);
}

std::size_t connack_body_size(ProtocolVersion version, std::size_t props) {
    return 2 + (is_v5(version) ? properties_field_size(props) : 0);
}

struct ConnectSizes {
    std::size_t body = 0;
    std::size_t properties = 0;
    std::size_t will_properties = 0;
};

ConnectSizes connect_sizes(const Connect& p) {
    ConnectSizes s;
    const bool v5 = is_v5(p.version);
    s.body = string_size(protocol_name_for(p.version)) + 1 + 1 + 2;
    if (v5) {
        s.properties = properties_size(p.properties);
        s.body += properties_field_size(s.properties);
    }
    s.body += string_size(p.client_id);
    if (p.will) {
        if (v5) {
            s.will_properties = properties_size(p.will->properties);
            s.body += properties_field_size(s.will_properties);
        }
        s.body += string_size(p.will->topic) + string_size(p.will->payload);
    }
    if (p.username) s.body += string_size(*p.username);
    if (p.password) s.body += string_size(*p.password);
    return s;
}

}  // namespace

Fail decode_connect(Reader& r, Connect& out) {
    LAMPI_MQTT_TRY(read_protocol(r, out));
    std::uint8_t flags = 0;
    LAMPI_MQTT_TRY(r.read_u8(flags));
    LAMPI_MQTT_TRY(check_flags(flags, out.version));
    out.clean_start = (flags & kCleanStartFlag) != 0;
    LAMPI_MQTT_TRY(r.read_u16(out.keep_alive));
    if (is_v5(out.version)) {
        LAMPI_MQTT_TRY(
            decode_properties(r, PropertyContext::Connect, Side::FromClient, out.properties));
    }
    LAMPI_MQTT_TRY(r.read_utf8(out.client_id));
    if ((flags & kWillFlag) != 0) LAMPI_MQTT_TRY(read_will(r, flags, out.version, out));
    if ((flags & kUsernameFlag) != 0) LAMPI_MQTT_TRY(r.read_utf8(out.username.emplace()));
    if ((flags & kPasswordFlag) != 0) {
        // Like Mosquitto: MQTT 3.1 clients may set the password flag and send no password.
        if (!(out.version == ProtocolVersion::V31 && r.empty())) {
            LAMPI_MQTT_TRY(r.read_binary(out.password.emplace()));
        }
    }
    return r.expect_end();
}

Fail decode_connack(Reader& r, ProtocolVersion version, Connack& out) {
    std::uint8_t flags = 0;
    LAMPI_MQTT_TRY(r.read_u8(flags));
    // MQTT 3.1 has no session present flag: the byte is unused.
    if (version != ProtocolVersion::V31) {
        // Spec 3.2.2.1: bits 7-1 are reserved.
        if ((flags & 0xFE) != 0) return malformed("reserved CONNACK flags set");
        out.session_present = (flags & 0x01) != 0;
    }
    LAMPI_MQTT_TRY(r.read_u8(out.reason_code));
    if (is_v5(version)) {
        LAMPI_MQTT_TRY(
            decode_properties(r, PropertyContext::Connack, Side::FromServer, out.properties));
    }
    return r.expect_end();
}

std::size_t connect_size(const Connect& p) { return packet_size(connect_sizes(p).body); }

void encode_connect(const Connect& p, std::string& out) {
    const ConnectSizes sizes = connect_sizes(p);
    out.reserve(out.size() + packet_size(sizes.body));
    put_fixed_header(out, first_byte(PacketType::Connect), sizes.body);
    put_string(out, protocol_name_for(p.version));
    put_u8(out, static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.version) |
                                          (p.bridge ? kBridgeBit : 0)));
    std::uint8_t flags = p.clean_start ? kCleanStartFlag : 0;
    if (p.will) {
        flags =
            static_cast<std::uint8_t>(flags | kWillFlag | ((p.will->qos & 0x03) << kWillQosShift));
        if (p.will->retain) flags |= kWillRetainFlag;
    }
    if (p.username) flags |= kUsernameFlag;
    if (p.password) flags |= kPasswordFlag;
    put_u8(out, flags);
    put_u16(out, p.keep_alive);
    const bool v5 = is_v5(p.version);
    if (v5) encode_properties(out, p.properties, sizes.properties);
    put_string(out, p.client_id);
    if (p.will) {
        if (v5) encode_properties(out, p.will->properties, sizes.will_properties);
        put_string(out, p.will->topic);
        put_string(out, p.will->payload);
    }
    if (p.username) put_string(out, *p.username);
    if (p.password) put_string(out, *p.password);
}

std::size_t connack_size(const Connack& p, ProtocolVersion version) {
    const std::size_t props = is_v5(version) ? properties_size(p.properties) : 0;
    return packet_size(connack_body_size(version, props));
}

void encode_connack(const Connack& p, ProtocolVersion version, std::string& out) {
    const std::size_t props = is_v5(version) ? properties_size(p.properties) : 0;
    const std::size_t body = connack_body_size(version, props);
    out.reserve(out.size() + packet_size(body));
    put_fixed_header(out, first_byte(PacketType::Connack), body);
    put_u8(out, p.session_present && version != ProtocolVersion::V31 ? 1 : 0);
    put_u8(out, p.reason_code);
    if (is_v5(version)) encode_properties(out, p.properties, props);
}

}  // namespace lampi::mqtt::detail
