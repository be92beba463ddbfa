// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK (spec sections 3.8-3.11).
#include <cstdint>
#include <string>

#include "mqtt/packet_codec.h"
#include "mqtt/properties_codec.h"

namespace lampi::mqtt::detail {
namespace {

// Spec 3.8.3.1: subscription options byte.
Fail read_options(Reader& r, ProtocolVersion version, SubscribeOptions& out) {
    std::uint8_t b = 0;
    LAMPI_MQTT_TRY(r.read_u8(b));
    if (is_v5(version)) {
        if ((b & 0xC0) != 0) return malformed("reserved subscription option bits set");
    } else if ((b & 0xFC) != 0) {
        // 3.1.1 section 3.8.3.1: the upper six bits are reserved.
        return malformed("reserved subscription option bits set");
    }
    out.qos = b & 0x03;
    if (out.qos == 3) return malformed("subscription QoS 3");
    if (is_v5(version)) {
        out.no_local = (b & 0x04) != 0;
        out.retain_as_published = (b & 0x08) != 0;
        out.retain_handling = (b >> 4) & 0x03;
        if (out.retain_handling == 3) return malformed("retain handling 3");
    }
    return {};
}

std::uint8_t options_byte(const SubscribeOptions& o, ProtocolVersion version) {
    std::uint8_t b = o.qos & 0x03;
    if (is_v5(version)) {
        if (o.no_local) b |= 0x04;
        if (o.retain_as_published) b |= 0x08;
        b = static_cast<std::uint8_t>(b | ((o.retain_handling & 0x03) << 4));
    }
    return b;
}

// Packet identifier and (v5) properties: the variable header these packets share.
std::size_t header_size(ProtocolVersion version, std::size_t props) {
    return 2 + (is_v5(version) ? properties_field_size(props) : 0);
}

std::size_t v5_properties_size(const Properties& p, ProtocolVersion version) {
    return is_v5(version) ? properties_size(p) : 0;
}

void put_header(std::string& out, PacketType type, std::uint8_t flags, std::size_t body,
                std::uint16_t packet_id, const Properties& p, ProtocolVersion version,
                std::size_t props) {
    out.reserve(out.size() + packet_size(body));
    put_fixed_header(out, first_byte(type, flags), body);
    put_u16(out, packet_id);
    if (is_v5(version)) encode_properties(out, p, props);
}

Fail read_header(Reader& r, ProtocolVersion version, Side side, PropertyContext context,
                 std::uint16_t& packet_id, Properties& properties) {
    LAMPI_MQTT_TRY(read_packet_id(r, packet_id));
    if (is_v5(version)) LAMPI_MQTT_TRY(decode_properties(r, context, side, properties));
    return {};
}

std::size_t subscribe_body_size(const Subscribe& p, ProtocolVersion version, std::size_t props) {
    std::size_t body = header_size(version, props);
    for (const Subscription& s : p.subscriptions) body += string_size(s.filter) + 1;
    return body;
}

std::size_t unsubscribe_body_size(const Unsubscribe& p, ProtocolVersion version,
                                  std::size_t props) {
    std::size_t body = header_size(version, props);
    for (const std::string& f : p.filters) body += string_size(f);
    return body;
}

// 3.1.1 UNSUBACK carries no reason codes.
std::size_t unsuback_body_size(const Unsuback& p, ProtocolVersion version, std::size_t props) {
    return header_size(version, props) + (is_v5(version) ? p.reason_codes.size() : 0);
}

}  // namespace

Fail decode_subscribe(Reader& r, ProtocolVersion version, Side side, Subscribe& out) {
    LAMPI_MQTT_TRY(
        read_header(r, version, side, PropertyContext::Subscribe, out.packet_id, out.properties));
    while (!r.empty()) {
        Subscription& s = out.subscriptions.emplace_back();
        LAMPI_MQTT_TRY(r.read_utf8(s.filter));
        LAMPI_MQTT_TRY(read_options(r, version, s.options));
    }
    // 3.1.1 section 3.8.3-3 / 5.0 3.8.3-2: at least one subscription.
    if (out.subscriptions.empty()) return protocol_error("SUBSCRIBE without subscriptions");
    return {};
}

Fail decode_suback(Reader& r, ProtocolVersion version, Side side, Suback& out) {
    LAMPI_MQTT_TRY(
        read_header(r, version, side, PropertyContext::Suback, out.packet_id, out.properties));
    const std::string_view rest = r.read_rest();
    out.reason_codes.assign(rest.begin(), rest.end());
    return {};
}

Fail decode_unsubscribe(Reader& r, ProtocolVersion version, Side side, Unsubscribe& out) {
    LAMPI_MQTT_TRY(
        read_header(r, version, side, PropertyContext::Unsubscribe, out.packet_id, out.properties));
    while (!r.empty()) LAMPI_MQTT_TRY(r.read_utf8(out.filters.emplace_back()));
    // 3.1.1 section 3.10.3-2 / 5.0 3.10.3-2: at least one topic filter.
    if (out.filters.empty()) return protocol_error("UNSUBSCRIBE without topic filters");
    return {};
}

Fail decode_unsuback(Reader& r, ProtocolVersion version, Side side, Unsuback& out) {
    LAMPI_MQTT_TRY(
        read_header(r, version, side, PropertyContext::Unsuback, out.packet_id, out.properties));
    if (!is_v5(version)) return r.expect_end();
    const std::string_view rest = r.read_rest();
    out.reason_codes.assign(rest.begin(), rest.end());
    return {};
}

std::size_t subscribe_size(const Subscribe& p, ProtocolVersion version) {
    return packet_size(subscribe_body_size(p, version, v5_properties_size(p.properties, version)));
}

void encode_subscribe(const Subscribe& p, ProtocolVersion version, std::string& out) {
    const std::size_t props = v5_properties_size(p.properties, version);
    const std::size_t body = subscribe_body_size(p, version, props);
    // Spec 3.8.1: fixed header flags 0b0010.
    put_header(out, PacketType::Subscribe, 0x02, body, p.packet_id, p.properties, version, props);
    for (const Subscription& s : p.subscriptions) {
        put_string(out, s.filter);
        put_u8(out, options_byte(s.options, version));
    }
}

std::size_t suback_size(const Suback& p, ProtocolVersion version) {
    const std::size_t props = v5_properties_size(p.properties, version);
    return packet_size(header_size(version, props) + p.reason_codes.size());
}

void encode_suback(const Suback& p, ProtocolVersion version, std::string& out) {
    const std::size_t props = v5_properties_size(p.properties, version);
    const std::size_t body = header_size(version, props) + p.reason_codes.size();
    put_header(out, PacketType::Suback, 0, body, p.packet_id, p.properties, version, props);
    out.append(p.reason_codes.begin(), p.reason_codes.end());
}

std::size_t unsubscribe_size(const Unsubscribe& p, ProtocolVersion version) {
    return packet_size(
        unsubscribe_body_size(p, version, v5_properties_size(p.properties, version)));
}

void encode_unsubscribe(const Unsubscribe& p, ProtocolVersion version, std::string& out) {
    const std::size_t props = v5_properties_size(p.properties, version);
    const std::size_t body = unsubscribe_body_size(p, version, props);
    // Spec 3.10.1: fixed header flags 0b0010.
    put_header(out, PacketType::Unsubscribe, 0x02, body, p.packet_id, p.properties, version, props);
    for (const std::string& f : p.filters) put_string(out, f);
}

std::size_t unsuback_size(const Unsuback& p, ProtocolVersion version) {
    return packet_size(unsuback_body_size(p, version, v5_properties_size(p.properties, version)));
}

void encode_unsuback(const Unsuback& p, ProtocolVersion version, std::string& out) {
    const std::size_t props = v5_properties_size(p.properties, version);
    const std::size_t body = unsuback_body_size(p, version, props);
    put_header(out, PacketType::Unsuback, 0, body, p.packet_id, p.properties, version, props);
    if (is_v5(version)) out.append(p.reason_codes.begin(), p.reason_codes.end());
}

}  // namespace lampi::mqtt::detail
