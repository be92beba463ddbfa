// TLS-PSK on the client side: a pre-shared key instead of certificates, as Mosquitto's
// `--psk`/`--psk-identity` and a bridge's `bridge_psk`/`bridge_identity`.
#pragma once

#include <openssl/ssl.h>

#include <optional>
#include <string>
#include <string_view>

namespace lampi::client {

struct PskCredentials {
    std::string identity;
    std::string key;  // raw bytes
};

// The key bytes of a hex PSK, read as Mosquitto does (an odd length has a leading 0 nibble);
// nullopt when it is empty or not hexadecimal.
std::optional<std::string> psk_from_hex(std::string_view hex);

// Makes `ssl` answer the server's PSK request with `credentials` (TLS 1.3, and the PSK cipher
// suites of TLS 1.2 unless `keep_ciphers`). `credentials` must outlive the connection.
void use_psk(SSL* ssl, const PskCredentials& credentials, bool keep_ciphers);

}  // namespace lampi::client
