#include "client/tls_psk.h"

namespace lampi::client {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::optional<std::string> psk_from_hex(std::string_view hex) {
    if (hex.empty()) return std::nullopt;
    std::string key;
    key.reserve(hex.size() / 2 + 1);
    std::size_t i = 0;
    if (hex.size() % 2 == 1) {  // "abc" is 0x0abc, as OpenSSL's BN_hex2bn reads it
        const int v = hex_value(hex[0]);
        if (v < 0) return std::nullopt;
        key += static_cast<char>(v);
        i = 1;
    }
    for (; i < hex.size(); i += 2) {
        const int high = hex_value(hex[i]), low = hex_value(hex[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        key += static_cast<char>(high << 4 | low);
    }
    return key;
}

}  // namespace lampi::client
