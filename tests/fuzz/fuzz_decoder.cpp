// libFuzzer target for the MQTT codec. Feeds the input as a stream of packets to the decoder
// for both sides and all three protocol versions. Every packet that decodes must encode to
// exactly encoded_size() bytes, and those bytes must decode again to the same packet and encode
// to the same bytes; anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "mqtt/codec.h"

namespace {

using lampi::mqtt::DecodeResult;
using lampi::mqtt::HeaderResult;
using lampi::mqtt::HeaderStatus;
using lampi::mqtt::Packet;
using lampi::mqtt::ProtocolVersion;
using lampi::mqtt::Side;

void fail(const char* what) {
    std::fprintf(stderr, "fuzz_decoder: %s\n", what);
    std::abort();
}

// Decodes one whole encoded packet; aborts unless it is exactly one well-formed packet.
DecodeResult decode_whole(const std::string& bytes, ProtocolVersion version, Side side) {
    const std::span<const std::uint8_t> data(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                             bytes.size());
    const HeaderResult h = lampi::mqtt::parse_fixed_header(data, 0);
    if (h.status != HeaderStatus::Ok) fail("re-encoded fixed header does not parse");
    if (h.header.total_length() != bytes.size()) fail("re-encoded length mismatch");
    return lampi::mqtt::decode_packet(
        h.header, data.subspan(h.header.header_length, h.header.remaining_length), version, side);
}

void check_round_trip(const Packet& packet, ProtocolVersion version, Side side) {
    // CONNECT carries its own version.
    if (const auto* connect = std::get_if<lampi::mqtt::Connect>(&packet)) {
        version = connect->version;
    }
    std::string first;
    lampi::mqtt::encode(packet, version, first);
    if (first.size() != lampi::mqtt::encoded_size(packet, version)) {
        fail("encoded_size differs from encode");
    }
    const DecodeResult again = decode_whole(first, version, side);
    if (!again.ok) {
        std::fprintf(stderr, "reason 0x%02x: %s\n", again.error.reason,
                     again.error.message.c_str());
        fail("re-encoded packet does not decode");
    }
    if (!(again.packet == packet)) fail("re-decoded packet differs");
    std::string second;
    lampi::mqtt::encode(again.packet, version, second);
    if (second != first) fail("encoding is not stable");
}

void decode_stream(std::span<const std::uint8_t> rest, ProtocolVersion version, Side side) {
    while (!rest.empty()) {
        const HeaderResult h = lampi::mqtt::parse_fixed_header(rest, 0);
        if (h.status != HeaderStatus::Ok) return;
        if (rest.size() < h.header.total_length()) return;
        const DecodeResult r = lampi::mqtt::decode_packet(
            h.header, rest.subspan(h.header.header_length, h.header.remaining_length), version,
            side);
        if (r.ok) check_round_trip(r.packet, version, side);
        rest = rest.subspan(h.header.total_length());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> input(data, size);
    for (Side side : {Side::FromClient, Side::FromServer}) {
        for (ProtocolVersion version :
             {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5}) {
            decode_stream(input, version, side);
        }
    }
    return 0;
}
