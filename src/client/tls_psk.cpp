#include "client/tls_psk.h"

#include <cstring>

namespace lampi::client {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Where an SSL finds its credentials (OpenSSL's per-object application data slot).
int credentials_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

unsigned int psk_client_callback(SSL* ssl, const char* /*hint*/, char* identity,
                                 unsigned int max_identity_len, unsigned char* psk,
                                 unsigned int max_psk_len) {
    const auto* c = static_cast<const PskCredentials*>(SSL_get_ex_data(ssl, credentials_index()));
    if (c == nullptr || c->identity.size() + 1 > max_identity_len || c->key.empty() ||
        c->key.size() > max_psk_len) {
        return 0;  // no PSK: the handshake fails
    }
    std::memcpy(identity, c->identity.c_str(), c->identity.size() + 1);
    std::memcpy(psk, c->key.data(), c->key.size());
    return static_cast<unsigned int>(c->key.size());
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

void use_psk(SSL* ssl, const PskCredentials& credentials, bool keep_ciphers) {
    SSL_set_ex_data(ssl, credentials_index(), const_cast<PskCredentials*>(&credentials));
    SSL_set_psk_client_callback(ssl, psk_client_callback);
    // TLS 1.2's default cipher suites have no PSK ones (Mosquitto's client does the same).
    if (!keep_ciphers) SSL_set_cipher_list(ssl, "PSK");
}

}  // namespace lampi::client
