// Sans-I/O MQTT codec: bytes in, packets out, and packets in, bytes out.
// Pure functions over caller-owned buffers; thread-safe; never allocates more than the bytes
// it has been handed (a declared remaining length is checked against the limit before use).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mqtt/packet.h"

namespace lampi::mqtt {

// Spec 1.5.5: the largest value a variable byte integer can hold, hence the largest remaining
// length; a whole packet is at most this plus 5 header bytes.
inline constexpr std::uint32_t kMaxRemainingLength = 268'435'455;

// Why decoding failed, with the MQTT 5 reason code to send back (0x81 malformed, 0x82 protocol
// error, 0x95 packet too large, 0x84 unsupported protocol version, ...).
struct DecodeError {
    std::uint8_t reason = reason::kMalformedPacket;
    std::string message;
};

struct FixedHeader {
    std::uint8_t type_and_flags = 0;  // first byte as received
    std::uint32_t remaining_length = 0;
    std::uint8_t header_length = 0;  // 1 + bytes of the variable byte integer

    PacketType type() const { return static_cast<PacketType>(type_and_flags >> 4); }
    std::uint8_t flags() const { return type_and_flags & 0x0F; }
    std::size_t total_length() const { return header_length + std::size_t{remaining_length}; }
};

enum class HeaderStatus { Ok, NeedMore, Error };

struct HeaderResult {
    HeaderStatus status = HeaderStatus::NeedMore;
    FixedHeader header;
    DecodeError error;
};

// Reads the fixed header at the start of `data`. Error when the remaining length uses more than
// four bytes, or when the whole packet would exceed `max_packet_size` (0x95), or when the packet
// type is 0 / reserved flags are wrong (0x81). Needs at most 5 bytes to decide.
HeaderResult parse_fixed_header(std::span<const std::uint8_t> data, std::size_t max_packet_size);

// Who sent the bytes: a server decodes packets from clients and vice versa. It matters for
// which packets and properties are allowed.
enum class Side { FromClient, FromServer };

struct DecodeResult {
    bool ok = false;
    Packet packet;
    DecodeError error;
};

// Decodes one packet's body (the `remaining_length` bytes after the fixed header). For CONNECT
// the version is read from the packet; for the others `version` is the connection's.
// A packet the sender's side never sends (CONNACK, SUBACK, UNSUBACK, PINGRESP from a client;
// CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ from a server) fails with kProtocolError. CONNECT
// fails with kProtocolError for an unknown protocol name (just close) and with
// kUnsupportedProtocolVersion for a known name at another level (answer with CONNACK).
// Topic names and filters are only checked for UTF-8; their syntax is the topic module's job.
DecodeResult decode_packet(const FixedHeader& header, std::span<const std::uint8_t> body,
                           ProtocolVersion version, Side side);

// Appends the encoded packet to `out`. Properties are written only for v5. For CONNECT the
// packet's own `version` (and `bridge`) decide the protocol name and level; `version` is ignored.
// Encoding what the protocol cannot carry (a string over 65535 bytes, a packet over
// kMaxRemainingLength, AUTH before v5) is a caller bug and aborts.
void encode(const Packet& packet, ProtocolVersion version, std::string& out);

// Size in bytes of the whole encoded packet, without encoding it.
std::size_t encoded_size(const Packet& packet, ProtocolVersion version);

// Validates UTF-8 as MQTT requires (spec 1.5.4): well-formed, no U+0000, no surrogates.
bool is_valid_utf8(std::string_view s);

// Variable byte integer helpers (spec 1.5.5).
std::size_t variable_int_size(std::uint32_t value);
void append_variable_int(std::string& out, std::uint32_t value);

}  // namespace lampi::mqtt

namespace lampi::mqtt {

// A message's v5 properties as opaque bytes (the wire form, with its length), for storage.
std::string encode_message_properties(const Properties& properties);
// Reads bytes made by encode_message_properties; false if they are not valid.
bool decode_message_properties(std::string_view bytes, Properties& out);

}  // namespace lampi::mqtt
