// PUBLISH and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (spec sections 3.3-3.7).
// PUBLISH is the broker's hot path: one allocation per string field on decode, and one reserve
// of the output on encode.
#include <cstdint>
#include <string>

#include "mqtt/packet_codec.h"
#include "mqtt/properties_codec.h"

namespace lampi::mqtt::detail {
namespace {

constexpr std::uint8_t kDupFlag = 0x08;
constexpr std::uint8_t kRetainFlag = 0x01;

std::size_t publish_body_size(const Publish& p, ProtocolVersion version, std::size_t props) {
    std::size_t body = string_size(p.topic) + (p.qos > 0 ? 2 : 0) + p.payload.size();
    if (is_v5(version)) body += properties_field_size(props);
    return body;
}

// Spec 3.4.2.1: in v5 the reason code and properties may be left out when the reason is
// success and there are no properties; the properties alone may be left out.
std::size_t pub_response_body_size(const PubResponse& p, ProtocolVersion version,
                                   std::size_t props) {
    if (!is_v5(version)) return 2;
    if (props > 0) return 2 + 1 + properties_field_size(props);
    return p.reason_code != 0 ? 3 : 2;
}

}  // namespace

Fail decode_publish(std::uint8_t flags, Reader& r, ProtocolVersion version, Side side,
                    Publish& out) {
    out.dup = (flags & kDupFlag) != 0;
    out.qos = (flags >> 1) & 0x03;
    out.retain = (flags & kRetainFlag) != 0;
    // Topic validity (wildcards, emptiness without an alias) is the topic module's call; the
    // codec only insists on well-formed UTF-8.
    LAMPI_MQTT_TRY(r.read_utf8(out.topic));
    if (out.qos > 0) LAMPI_MQTT_TRY(read_packet_id(r, out.packet_id));
    if (is_v5(version)) {
        LAMPI_MQTT_TRY(decode_properties(r, PropertyContext::Publish, side, out.properties));
    }
    out.payload.assign(r.read_rest());
    return {};
}

Fail decode_pub_response(PacketType type, Reader& r, ProtocolVersion version, Side side,
                         PubResponse& out) {
    out.type = type;
    LAMPI_MQTT_TRY(read_packet_id(r, out.packet_id));
    if (is_v5(version) && !r.empty()) {
        LAMPI_MQTT_TRY(r.read_u8(out.reason_code));
        if (!r.empty()) {
            LAMPI_MQTT_TRY(
                decode_properties(r, PropertyContext::PubResponse, side, out.properties));
        }
    }
    return r.expect_end();
}

std::size_t publish_size(const Publish& p, ProtocolVersion version) {
    const std::size_t props = is_v5(version) ? properties_size(p.properties) : 0;
    return packet_size(publish_body_size(p, version, props));
}

void encode_publish(const Publish& p, ProtocolVersion version, std::string& out) {
    const bool v5 = is_v5(version);
    const std::size_t props = v5 ? properties_size(p.properties) : 0;
    const std::size_t body = publish_body_size(p, version, props);
    out.reserve(out.size() + packet_size(body));
    std::uint8_t flags = static_cast<std::uint8_t>((p.qos & 0x03) << 1);
    if (p.dup) flags |= kDupFlag;
    if (p.retain) flags |= kRetainFlag;
    put_fixed_header(out, first_byte(PacketType::Publish, flags), body);
    put_string(out, p.topic);
    if (p.qos > 0) put_u16(out, p.packet_id);
    if (v5) encode_properties(out, p.properties, props);
    out.append(p.payload);
}

std::size_t pub_response_size(const PubResponse& p, ProtocolVersion version) {
    const std::size_t props = is_v5(version) ? properties_size(p.properties) : 0;
    return packet_size(pub_response_body_size(p, version, props));
}

void encode_pub_response(const PubResponse& p, ProtocolVersion version, std::string& out) {
    const std::size_t props = is_v5(version) ? properties_size(p.properties) : 0;
    const std::size_t body = pub_response_body_size(p, version, props);
    out.reserve(out.size() + packet_size(body));
    // Spec 3.6.1: PUBREL's fixed header flags are 0b0010.
    const std::uint8_t flags = p.type == PacketType::Pubrel ? 0x02 : 0x00;
    put_fixed_header(out, first_byte(p.type, flags), body);
    put_u16(out, p.packet_id);
    if (body >= 3) put_u8(out, p.reason_code);
    if (body >= 4) encode_properties(out, p.properties, props);
}

}  // namespace lampi::mqtt::detail
