#include "base/psk_key.h"

namespace lampi {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The shortest big-endian bytes of the number `hex` (no bytes for zero).
std::string number_bytes(std::string_view hex) {
    const std::size_t first = hex.find_first_not_of('0');
    if (first == std::string_view::npos) return {};
    hex.remove_prefix(first);
    std::string bytes;
    bytes.reserve(hex.size() / 2 + 1);
    std::size_t i = 0;
    if (hex.size() % 2 == 1) {
        bytes += static_cast<char>(hex_value(hex[0]));
        i = 1;
    }
    for (; i < hex.size(); i += 2) {
        bytes += static_cast<char>(hex_value(hex[i]) << 4 | hex_value(hex[i + 1]));
    }
    return bytes;
}

}  // namespace

bool is_hex_key(std::string_view hex) {
    if (hex.empty()) return false;
    for (char c : hex) {
        if (hex_value(c) < 0) return false;
    }
    return true;
}

std::optional<std::string> psk_from_hex(std::string_view hex) {
    if (!is_hex_key(hex)) return std::nullopt;
    std::string key;
    // Mosquitto counts "00" pairs from the start even when the length is odd.
    for (std::size_t i = 0; i + 1 < hex.size() && hex[i] == '0' && hex[i + 1] == '0'; i += 2) {
        key += '\0';
    }
    return key + number_bytes(hex);
}

}  // namespace lampi
