// The bench payload: a 20-byte header (run nonce, publisher index, sequence, send time) followed
// by filler up to the configured size. Little-endian on the wire, so runs are portable. Pure
// functions, no state, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace lampi::bench {

struct PayloadHeader {
    std::uint32_t nonce = 0;      // one per run: tells this run's messages from leftovers
    std::uint32_t publisher = 0;  // publisher index within the run
    std::uint32_t sequence = 0;   // 0, 1, 2 ... per publisher
    std::uint64_t send_ns = 0;    // steady clock (CLOCK_MONOTONIC) when the batch was framed
};

inline constexpr std::size_t kPayloadHeaderSize = 20;

// Writes the header into the first 20 bytes of `out`; returns false if `out` is shorter.
bool encode_payload_header(const PayloadHeader& header, std::span<std::uint8_t> out);
// Reads the header from the first 20 bytes; nullopt if `in` is shorter.
std::optional<PayloadHeader> decode_payload_header(std::span<const std::uint8_t> in);

}  // namespace lampi::bench
