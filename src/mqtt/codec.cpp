// Fixed header, dispatch to the per-packet codecs, and the small packets (PINGREQ, PINGRESP,
// DISCONNECT, AUTH). See codec.h for the contract.
#include "mqtt/codec.h"

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

#include "base/check.h"
#include "mqtt/packet_codec.h"
#include "mqtt/properties_codec.h"
#include "mqtt/wire.h"

namespace lampi::mqtt {
namespace {

using detail::Fail;
using detail::malformed;
using detail::protocol_error;
using detail::Reader;

DecodeError to_error(Fail f) { return DecodeError{f.reason, f.message}; }

// Spec 2.1.3 (table 2-2): required flags of each packet type's first byte.
Fail check_type_and_flags(std::uint8_t first) {
    const std::uint8_t type = first >> 4;
    const std::uint8_t flags = first & 0x0F;
    switch (static_cast<PacketType>(type)) {
        case PacketType::Publish:
            // Spec 3.3.1.2: QoS 3 is malformed.
            return ((flags >> 1) & 0x03) == 3 ? malformed("PUBLISH QoS 3") : Fail{};
        case PacketType::Pubrel:
        case PacketType::Subscribe:
        case PacketType::Unsubscribe:
            return flags == 0x02 ? Fail{} : malformed("fixed header flags must be 0010");
        default:
            if (type == 0) return malformed("reserved packet type 0");
            return flags == 0 ? Fail{} : malformed("fixed header flags must be 0000");
    }
}

// Packets only a server sends (decoded by a client) and only a client sends.
bool server_only(PacketType t) {
    return t == PacketType::Connack || t == PacketType::Suback || t == PacketType::Unsuback ||
           t == PacketType::Pingresp;
}

bool client_only(PacketType t) {
    return t == PacketType::Connect || t == PacketType::Subscribe || t == PacketType::Unsubscribe ||
           t == PacketType::Pingreq;
}

// DISCONNECT (3.14) and AUTH (3.15): reason code and properties, both optional in v5.
template <typename T>
Fail decode_reason_and_properties(Reader& r, ProtocolVersion version, Side side,
                                  detail::PropertyContext context, T& out) {
    if (!is_v5(version) || r.empty()) return r.expect_end();
    LAMPI_MQTT_TRY(r.read_u8(out.reason_code));
    // Spec 3.14.2.2.1: with a remaining length below 2 the property length is 0.
    if (!r.empty()) LAMPI_MQTT_TRY(detail::decode_properties(r, context, side, out.properties));
    return r.expect_end();
}

// Body size of DISCONNECT / AUTH. AUTH always carries its property length after a reason code
// (Mosquitto insists on it); DISCONNECT may stop after the reason code.
template <typename T>
std::size_t reason_and_properties_body(const T& p, ProtocolVersion version, std::size_t props,
                                       bool always_properties) {
    if (!is_v5(version)) return 0;
    if (props > 0) return 1 + detail::properties_field_size(props);
    if (p.reason_code == 0) return 0;
    return always_properties ? 2 : 1;
}

template <typename T>
void encode_reason_and_properties(const T& p, PacketType type, ProtocolVersion version,
                                  bool always_properties, std::string& out) {
    const std::size_t props = is_v5(version) ? detail::properties_size(p.properties) : 0;
    const std::size_t body = reason_and_properties_body(p, version, props, always_properties);
    out.reserve(out.size() + detail::packet_size(body));
    detail::put_fixed_header(out, detail::first_byte(type), body);
    if (body >= 1) detail::put_u8(out, p.reason_code);
    if (body >= 2) detail::encode_properties(out, p.properties, props);
}

Fail decode_body(const FixedHeader& header, Reader& r, ProtocolVersion version, Side side,
                 Packet& packet) {
    using detail::PropertyContext;
    const PacketType type = header.type();
    switch (type) {
        case PacketType::Connect:
            return detail::decode_connect(r, packet.emplace<Connect>());
        case PacketType::Connack:
            return detail::decode_connack(r, version, packet.emplace<Connack>());
        case PacketType::Publish:
            return detail::decode_publish(header.flags(), r, version, side,
                                          packet.emplace<Publish>());
        case PacketType::Puback:
        case PacketType::Pubrec:
        case PacketType::Pubrel:
        case PacketType::Pubcomp:
            return detail::decode_pub_response(type, r, version, side,
                                               packet.emplace<PubResponse>());
        case PacketType::Subscribe:
            return detail::decode_subscribe(r, version, side, packet.emplace<Subscribe>());
        case PacketType::Suback:
            return detail::decode_suback(r, version, side, packet.emplace<Suback>());
        case PacketType::Unsubscribe:
            return detail::decode_unsubscribe(r, version, side, packet.emplace<Unsubscribe>());
        case PacketType::Unsuback:
            return detail::decode_unsuback(r, version, side, packet.emplace<Unsuback>());
        case PacketType::Pingreq:
            packet.emplace<Pingreq>();
            return r.expect_end("PINGREQ has no body");
        case PacketType::Pingresp:
            packet.emplace<Pingresp>();
            return r.expect_end("PINGRESP has no body");
        case PacketType::Disconnect:
            return decode_reason_and_properties(r, version, side, PropertyContext::Disconnect,
                                                packet.emplace<Disconnect>());
        case PacketType::Auth:
            // Packet type 15 is reserved before MQTT 5.
            if (!is_v5(version)) return malformed("AUTH before MQTT 5");
            return decode_reason_and_properties(r, version, side, PropertyContext::Auth,
                                                packet.emplace<Auth>());
    }
    return malformed("reserved packet type 0");
}

template <class... Ts>
struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace

HeaderResult parse_fixed_header(std::span<const std::uint8_t> data, std::size_t max_packet_size) {
    HeaderResult result;
    if (data.empty()) return result;
    if (Fail f = check_type_and_flags(data[0])) {
        result.status = HeaderStatus::Error;
        result.error = to_error(f);
        return result;
    }
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        if (data.size() < i + 2) return result;  // NeedMore
        const std::uint8_t b = data[i + 1];
        value |= std::uint32_t{b & 0x7Fu} << (7 * i);
        if ((b & 0x80) != 0) continue;
        result.header.type_and_flags = data[0];
        result.header.remaining_length = value;
        result.header.header_length = static_cast<std::uint8_t>(i + 2);
        if (max_packet_size != 0 && result.header.total_length() > max_packet_size) {
            result.status = HeaderStatus::Error;
            result.error = DecodeError{reason::kPacketTooLarge, "packet exceeds maximum size"};
            return result;
        }
        result.status = HeaderStatus::Ok;
        return result;
    }
    result.status = HeaderStatus::Error;
    result.error = DecodeError{reason::kMalformedPacket, "remaining length over four bytes"};
    return result;
}

DecodeResult decode_packet(const FixedHeader& header, std::span<const std::uint8_t> body,
                           ProtocolVersion version, Side side) {
    DecodeResult result;
    Fail f = check_type_and_flags(header.type_and_flags);
    if (!f && body.size() != header.remaining_length) {
        f = malformed("body size differs from remaining length");
    }
    const PacketType type = header.type();
    if (!f && side == Side::FromClient && server_only(type)) {
        f = protocol_error("packet only a server may send");
    }
    if (!f && side == Side::FromServer && client_only(type)) {
        f = protocol_error("packet only a client may send");
    }
    if (!f) {
        Reader reader(body);
        f = decode_body(header, reader, version, side, result.packet);
    }
    if (f) {
        result.error = to_error(f);
        return result;
    }
    result.ok = true;
    return result;
}

void encode(const Packet& packet, ProtocolVersion version, std::string& out) {
    std::visit(Overloaded{
                   [&](const Connect& p) { detail::encode_connect(p, out); },
                   [&](const Connack& p) { detail::encode_connack(p, version, out); },
                   [&](const Publish& p) { detail::encode_publish(p, version, out); },
                   [&](const PubResponse& p) {
                       LAMPI_CHECK(p.type >= PacketType::Puback && p.type <= PacketType::Pubcomp);
                       detail::encode_pub_response(p, version, out);
                   },
                   [&](const Subscribe& p) { detail::encode_subscribe(p, version, out); },
                   [&](const Suback& p) { detail::encode_suback(p, version, out); },
                   [&](const Unsubscribe& p) { detail::encode_unsubscribe(p, version, out); },
                   [&](const Unsuback& p) { detail::encode_unsuback(p, version, out); },
                   [&](const Pingreq&) { detail::put_fixed_header(out, 0xC0, 0); },
                   [&](const Pingresp&) { detail::put_fixed_header(out, 0xD0, 0); },
                   [&](const Disconnect& p) {
                       encode_reason_and_properties(p, PacketType::Disconnect, version, false, out);
                   },
                   [&](const Auth& p) {
                       LAMPI_CHECK(is_v5(version));
                       encode_reason_and_properties(p, PacketType::Auth, version, true, out);
                   },
               },
               packet);
}

std::size_t encoded_size(const Packet& packet, ProtocolVersion version) {
    auto reason_and_properties = [version](const auto& p, bool always_properties) {
        const std::size_t props = is_v5(version) ? detail::properties_size(p.properties) : 0;
        return detail::packet_size(
            reason_and_properties_body(p, version, props, always_properties));
    };
    return std::visit(
        Overloaded{
            [](const Connect& p) { return detail::connect_size(p); },
            [&](const Connack& p) { return detail::connack_size(p, version); },
            [&](const Publish& p) { return detail::publish_size(p, version); },
            [&](const PubResponse& p) { return detail::pub_response_size(p, version); },
            [&](const Subscribe& p) { return detail::subscribe_size(p, version); },
            [&](const Suback& p) { return detail::suback_size(p, version); },
            [&](const Unsubscribe& p) { return detail::unsubscribe_size(p, version); },
            [&](const Unsuback& p) { return detail::unsuback_size(p, version); },
            [](const Pingreq&) { return std::size_t{2}; },
            [](const Pingresp&) { return std::size_t{2}; },
            [&](const Disconnect& p) { return reason_and_properties(p, false); },
            [&](const Auth& p) { return reason_and_properties(p, true); },
        },
        packet);
}

std::size_t variable_int_size(std::uint32_t value) {
    if (value < 128) return 1;
    if (value < 16'384) return 2;
    if (value < 2'097'152) return 3;
    return 4;
}

void append_variable_int(std::string& out, std::uint32_t value) {
    LAMPI_CHECK(value <= kMaxRemainingLength);
    do {
        std::uint8_t b = value & 0x7F;
        value >>= 7;
        if (value > 0) b |= 0x80;
        out.push_back(static_cast<char>(b));
    } while (value > 0);
}

// Spec 1.5.4 with RFC 3629: shortest form only, no surrogates (U+D800..U+DFFF), nothing above
// U+10FFFF, and no U+0000.
bool is_valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        const unsigned char c = *p;
        if (c < 0x80) {
            if (c == 0) return false;
            ++p;
            continue;
        }
        std::size_t n = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;  // a continuation byte or 0xF8..0xFF as a lead byte
        }
        if (static_cast<std::size_t>(end - p) <= n) return false;
        for (std::size_t i = 1; i <= n; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3Fu);
        }
        static constexpr std::uint32_t kMinForLength[4] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMinForLength[n]) return false;  // overlong
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;
        if (cp > 0x10FFFF) return false;
        p += n + 1;
    }
    return true;
}

}  // namespace lampi::mqtt
