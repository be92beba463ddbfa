#include "bench/inbound.h"

namespace lampi::bench {

namespace {

// MQTT variable byte integer at data[pos]; false if incomplete (`complete` = false) or malformed.
bool read_varint(std::span<const std::uint8_t> data, std::size_t pos, std::uint32_t& value,
                 std::size_t& bytes, bool& complete) {
    value = 0;
    complete = true;
    for (bytes = 0; bytes < 4; ++bytes) {
        if (pos + bytes >= data.size()) {
            complete = false;
            return false;
        }
        const std::uint8_t b = data[pos + bytes];
        value |= static_cast<std::uint32_t>(b & 0x7F) << (7 * bytes);
        if ((b & 0x80) == 0) {
            ++bytes;
            return true;
        }
    }
    return false;  // a fifth byte: malformed
}

}  // namespace

InboundSplitter::Kind InboundSplitter::classify(std::span<const std::uint8_t> data,
                                                std::size_t& length, Delivery& d) const {
    if (data.empty()) return Kind::Incomplete;
    std::uint32_t remaining = 0;
    std::size_t varint = 0;
    bool complete = true;
    if (!read_varint(data, 1, remaining, varint, complete)) {
        return complete ? Kind::Malformed : Kind::Incomplete;
    }
    const std::size_t header = 1 + varint;
    length = header + remaining;
    if (data.size() < length) return Kind::Incomplete;
    const std::uint8_t first = data[0];
    const std::uint8_t qos = (first >> 1) & 0x03;
    if ((first >> 4) != 3 || qos > 1) return Kind::Other;  // not PUBLISH, or QoS 2 / invalid
    // MQTT 3.3.2: topic name (2-byte length + bytes), packet id for QoS > 0, v5 properties.
    std::span<const std::uint8_t> body = data.subspan(header, remaining);
    if (body.size() < 2) return Kind::Malformed;
    std::size_t pos = 2 + ((std::size_t{body[0]} << 8) | body[1]);
    if (qos == 1) {
        if (pos + 2 > body.size()) return Kind::Malformed;
        d.packet_id = static_cast<std::uint16_t>((body[pos] << 8) | body[pos + 1]);
        pos += 2;
    }
    if (v5_) {
        std::uint32_t props = 0;
        std::size_t bytes = 0;
        if (!read_varint(body, pos, props, bytes, complete)) return Kind::Malformed;
        pos += bytes + props;
    }
    if (pos > body.size()) return Kind::Malformed;
    d.qos = qos;
    d.payload = body.subspan(pos);
    return Kind::FastPublish;
}

}  // namespace lampi::bench
