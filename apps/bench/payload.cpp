#include "bench/payload.h"

namespace lampi::bench {

namespace {

template <class T>
void put_le(std::uint8_t* p, T v) {
    for (std::size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

template <class T>
T get_le(const std::uint8_t* p) {
    T v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i)
        v |= static_cast<T>(static_cast<T>(p[i]) << (8 * i));
    return v;
}

}  // namespace

bool encode_payload_header(const PayloadHeader& header, std::span<std::uint8_t> out) {
    if (out.size() < kPayloadHeaderSize) return false;
    std::uint8_t* p = out.data();
    put_le(p, header.nonce);
    put_le(p + 4, header.publisher);
    put_le(p + 8, header.sequence);
    put_le(p + 12, header.send_ns);
    return true;
}

std::optional<PayloadHeader> decode_payload_header(std::span<const std::uint8_t> in) {
    if (in.size() < kPayloadHeaderSize) return std::nullopt;
    const std::uint8_t* p = in.data();
    return PayloadHeader{get_le<std::uint32_t>(p), get_le<std::uint32_t>(p + 4),
                         get_le<std::uint32_t>(p + 8), get_le<std::uint64_t>(p + 12)};
}

}  // namespace lampi::bench
