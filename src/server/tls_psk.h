// TLS-PSK on the broker's listeners (Mosquitto's psk_hint + psk_file): OpenSSL asks for the
// key of the identity a client offers, in TLS 1.2 PSK cipher suites and in TLS 1.3 (where
// OpenSSL 3 maps the same callback onto an external PSK, as for Mosquitto).
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <optional>
#include <string>

#include "auth/psk_file.h"

namespace lampi::server {

// Makes `ctx` offer PSK with `hint`, looking keys up in `keys` (null: every identity is
// refused, as Mosquitto does without a psk_file). The context keeps `keys` alive.
// Returns an error text on failure.
std::optional<std::string> enable_psk(SSL_CTX* ctx, const std::string& hint,
                                      std::shared_ptr<const auth::PskFile> keys);

// The handshake of `ssl` stores the accepted PSK identity in `*identity` (which must outlive
// the handshake): what use_identity_as_username makes the username.
void capture_psk_identity(SSL* ssl, std::optional<std::string>* identity);

}  // namespace lampi::server
