// Helpers for the codec tests: decode a whole packet from bytes, encode to bytes.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mqtt/codec.h"

namespace lampi::mqtt::testing {

using Bytes = std::vector<std::uint8_t>;

inline constexpr auto kV31 = ProtocolVersion::V31;
inline constexpr auto kV311 = ProtocolVersion::V311;
inline constexpr auto kV5 = ProtocolVersion::V5;

inline Bytes to_bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// Parses the fixed header (no size limit) and decodes the body. A header error becomes a
// failed DecodeResult carrying the header's reason.
inline DecodeResult decode(const Bytes& bytes, ProtocolVersion version = ProtocolVersion::V311,
                           Side side = Side::FromClient) {
    const HeaderResult h = parse_fixed_header(bytes, 0);
    if (h.status != HeaderStatus::Ok) {
        DecodeResult r;
        r.error = h.status == HeaderStatus::Error ? h.error : DecodeError{0, "need more"};
        return r;
    }
    std::span<const std::uint8_t> all(bytes);
    if (all.size() < h.header.total_length()) {
        DecodeResult r;
        r.error = DecodeError{0, "truncated"};
        return r;
    }
    return decode_packet(h.header, all.subspan(h.header.header_length, h.header.remaining_length),
                         version, side);
}

inline Bytes encode_bytes(const Packet& p, ProtocolVersion version) {
    std::string out;
    encode(p, version, out);
    return to_bytes(out);
}

// The golden check: the bytes decode to `expected`, and `expected` encodes to the bytes.
inline void expect_golden(const Bytes& bytes, const Packet& expected, ProtocolVersion version,
                          Side side) {
    const DecodeResult r = decode(bytes, version, side);
    ASSERT_TRUE(r.ok) << r.error.message;
    EXPECT_TRUE(r.packet == expected);
    EXPECT_EQ(encode_bytes(expected, version), bytes);
    EXPECT_EQ(encoded_size(expected, version), bytes.size());
}

// Decoding fails with `reason`.
inline void expect_error(const Bytes& bytes, std::uint8_t reason, ProtocolVersion version,
                         Side side = Side::FromClient) {
    const DecodeResult r = decode(bytes, version, side);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(int{r.error.reason}, int{reason}) << r.error.message;
}

// Encodes, checks encoded_size, decodes again and returns the decoded packet.
inline Packet round_trip(const Packet& p, ProtocolVersion version, Side side) {
    const Bytes bytes = encode_bytes(p, version);
    EXPECT_EQ(encoded_size(p, version), bytes.size());
    const DecodeResult r = decode(bytes, version, side);
    EXPECT_TRUE(r.ok) << r.error.message;
    return r.packet;
}

}  // namespace lampi::mqtt::testing
