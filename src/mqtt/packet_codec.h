// Internal to the codec: per-packet body decoders and whole-packet encoders, dispatched from
// codec.cpp. Decoders read the body (after the fixed header); `*_size` returns the size of the
// whole encoded packet and `encode_*` appends exactly that many bytes.
#pragma once

#include <cstddef>
#include <string>

#include "mqtt/codec.h"
#include "mqtt/packet.h"
#include "mqtt/wire.h"

namespace lampi::mqtt::detail {

// connect_codec.cpp
Fail decode_connect(Reader& r, Connect& out);
Fail decode_connack(Reader& r, ProtocolVersion version, Connack& out);
std::size_t connect_size(const Connect& p);
void encode_connect(const Connect& p, std::string& out);
std::size_t connack_size(const Connack& p, ProtocolVersion version);
void encode_connack(const Connack& p, ProtocolVersion version, std::string& out);

// publish_codec.cpp
Fail decode_publish(std::uint8_t flags, Reader& r, ProtocolVersion version, Side side,
                    Publish& out);
Fail decode_pub_response(PacketType type, Reader& r, ProtocolVersion version, Side side,
                         PubResponse& out);
std::size_t publish_size(const Publish& p, ProtocolVersion version);
void encode_publish(const Publish& p, ProtocolVersion version, std::string& out);
std::size_t pub_response_size(const PubResponse& p, ProtocolVersion version);
void encode_pub_response(const PubResponse& p, ProtocolVersion version, std::string& out);

// subscribe_codec.cpp
Fail decode_subscribe(Reader& r, ProtocolVersion version, Side side, Subscribe& out);
Fail decode_suback(Reader& r, ProtocolVersion version, Side side, Suback& out);
Fail decode_unsubscribe(Reader& r, ProtocolVersion version, Side side, Unsubscribe& out);
Fail decode_unsuback(Reader& r, ProtocolVersion version, Side side, Unsuback& out);
std::size_t subscribe_size(const Subscribe& p, ProtocolVersion version);
void encode_subscribe(const Subscribe& p, ProtocolVersion version, std::string& out);
std::size_t suback_size(const Suback& p, ProtocolVersion version);
void encode_suback(const Suback& p, ProtocolVersion version, std::string& out);
std::size_t unsubscribe_size(const Unsubscribe& p, ProtocolVersion version);
void encode_unsubscribe(const Unsubscribe& p, ProtocolVersion version, std::string& out);
std::size_t unsuback_size(const Unsuback& p, ProtocolVersion version);
void encode_unsuback(const Unsuback& p, ProtocolVersion version, std::string& out);

// Spec 2.3.1: packet identifiers are non-zero.
inline Fail read_packet_id(Reader& r, std::uint16_t& out) {
    LAMPI_MQTT_TRY(r.read_u16(out));
    return out != 0 ? Fail{} : malformed("packet identifier 0");
}

}  // namespace lampi::mqtt::detail
