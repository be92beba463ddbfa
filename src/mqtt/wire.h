// Internal to the codec: a bounds-checked reader over a packet body and append helpers for the
// MQTT data types (spec 1.5). Not part of the public API; include only from src/mqtt/*.cpp.
// Readers borrow the caller's bytes and never read past them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/check.h"
#include "mqtt/codec.h"

namespace lampi::mqtt::detail {

// An internal decode failure: reason 0 means success. Cheaper than DecodeError (no allocation)
// until the outcome reaches the public API.
struct Fail {
    std::uint8_t reason = 0;
    const char* message = "";

    explicit operator bool() const { return reason != 0; }
};

inline Fail malformed(const char* message) { return {reason::kMalformedPacket, message}; }
inline Fail protocol_error(const char* message) { return {reason::kProtocolError, message}; }

// Returns the failure of `expr` from the enclosing function, if any.
#define LAMPI_MQTT_TRY(expr)                           \
    do {                                               \
        if (::lampi::mqtt::detail::Fail f_ = (expr)) { \
            return f_;                                 \
        }                                              \
    } while (0)

class Reader {
  public:
    explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}

    std::size_t remaining() const { return data_.size() - pos_; }
    bool empty() const { return pos_ == data_.size(); }

    Fail read_u8(std::uint8_t& out) {
        if (remaining() < 1) return malformed("packet too short");
        out = data_[pos_++];
        return {};
    }

    Fail read_u16(std::uint16_t& out) {
        if (remaining() < 2) return malformed("packet too short");
        out = static_cast<std::uint16_t>((data_[pos_] << 8) | data_[pos_ + 1]);
        pos_ += 2;
        return {};
    }

    Fail read_u32(std::uint32_t& out) {
        if (remaining() < 4) return malformed("packet too short");
        out = (std::uint32_t{data_[pos_]} << 24) | (std::uint32_t{data_[pos_ + 1]} << 16) |
              (std::uint32_t{data_[pos_ + 2]} << 8) | std::uint32_t{data_[pos_ + 3]};
        pos_ += 4;
        return {};
    }

    // Spec 1.5.5: at most four bytes.
    Fail read_variable_int(std::uint32_t& out) {
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            if (remaining() < 1) return malformed("packet too short");
            const std::uint8_t b = data_[pos_++];
            value |= std::uint32_t{b & 0x7Fu} << (7 * i);
            if ((b & 0x80) == 0) {
                out = value;
                return {};
            }
        }
        return malformed("variable byte integer longer than four bytes");
    }

    // Spec 1.5.6: two-byte length, then that many bytes. The view borrows the packet bytes.
    Fail read_binary_view(std::string_view& out) {
        std::uint16_t length = 0;
        LAMPI_MQTT_TRY(read_u16(length));
        if (remaining() < length) return malformed("length exceeds packet");
        out = std::string_view(reinterpret_cast<const char*>(data_.data() + pos_), length);
        pos_ += length;
        return {};
    }

    Fail read_binary(std::string& out) {
        std::string_view view;
        LAMPI_MQTT_TRY(read_binary_view(view));
        out.assign(view);
        return {};
    }

    // Spec 1.5.4: a UTF-8 encoded string.
    Fail read_utf8(std::string& out) {
        std::string_view view;
        LAMPI_MQTT_TRY(read_binary_view(view));
        if (!is_valid_utf8(view)) return malformed("invalid UTF-8 string");
        out.assign(view);
        return {};
    }

    // Consumes the next `n` bytes as a sub-reader.
    Fail read_sub(std::size_t n, Reader& out) {
        if (remaining() < n) return malformed("length exceeds packet");
        out = Reader(data_.subspan(pos_, n));
        pos_ += n;
        return {};
    }

    // The rest of the body, consumed.
    std::string_view read_rest() {
        std::string_view rest(reinterpret_cast<const char*>(data_.data() + pos_), remaining());
        pos_ = data_.size();
        return rest;
    }

    Fail expect_end(const char* message = "unexpected bytes after the packet's fields") const {
        return empty() ? Fail{} : malformed(message);
    }

  private:
    std::span<const std::uint8_t> data_;
    std::size_t pos_ = 0;
};

inline void put_u8(std::string& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }

inline void put_u16(std::string& out, std::uint16_t v) {
    const char bytes[2] = {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
    out.append(bytes, 2);
}

inline void put_u32(std::string& out, std::uint32_t v) {
    const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xFF),
                           static_cast<char>((v >> 8) & 0xFF), static_cast<char>(v & 0xFF)};
    out.append(bytes, 4);
}

// Two-byte length prefix and the bytes. Longer strings cannot be represented: a caller bug.
inline void put_string(std::string& out, std::string_view s) {
    LAMPI_CHECK(s.size() <= 0xFFFF);
    put_u16(out, static_cast<std::uint16_t>(s.size()));
    out.append(s);
}

inline std::size_t string_size(std::string_view s) { return 2 + s.size(); }

// The first byte and remaining length of a packet whose body is `body_size` bytes.
inline void put_fixed_header(std::string& out, std::uint8_t type_and_flags, std::size_t body_size) {
    LAMPI_CHECK(body_size <= kMaxRemainingLength);
    put_u8(out, type_and_flags);
    append_variable_int(out, static_cast<std::uint32_t>(body_size));
}

inline std::size_t packet_size(std::size_t body_size) {
    return 1 + variable_int_size(static_cast<std::uint32_t>(body_size)) + body_size;
}

inline std::uint8_t first_byte(PacketType type, std::uint8_t flags = 0) {
    return static_cast<std::uint8_t>((static_cast<std::uint8_t>(type) << 4) | flags);
}

}  // namespace lampi::mqtt::detail
