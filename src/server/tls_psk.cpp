#include "server/tls_psk.h"

#include <cstring>

#include "base/psk_key.h"

namespace lampi::server {

namespace {

using Keys = std::shared_ptr<const auth::PskFile>;

void free_keys(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
               void* /*argp*/) {
    delete static_cast<Keys*>(ptr);
}

int keys_index() {
    static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, free_keys);
    return index;
}

int identity_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// Mosquitto's psk_server_callback: the key of `identity` from the psk_file, decoded as
// mosquitto__hex2bin does; 0 (handshake fails) for an unknown identity or an unusable key.
unsigned psk_server_callback(SSL* ssl, const char* identity, unsigned char* psk,
                             unsigned max_psk_len) {
    if (identity == nullptr) return 0;
    const auto* keys =
        static_cast<const Keys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keys_index()));
    if (keys == nullptr || *keys == nullptr) return 0;
    const auto hex = (*keys)->key(identity);
    if (!hex) return 0;
    const auto key = psk_from_hex(*hex);
    if (!key || key->empty() || key->size() > max_psk_len) return 0;
    std::memcpy(psk, key->data(), key->size());
    if (auto* slot =
            static_cast<std::optional<std::string>*>(SSL_get_ex_data(ssl, identity_index()))) {
        *slot = identity;
    }
    return static_cast<unsigned>(key->size());
}

}  // namespace

std::optional<std::string> enable_psk(SSL_CTX* ctx, const std::string& hint, Keys keys) {
    if (SSL_CTX_use_psk_identity_hint(ctx, hint.c_str()) != 1) {
        return "unable to set TLS PSK hint '" + hint + "'";
    }
    auto* held = new Keys(std::move(keys));
    if (SSL_CTX_set_ex_data(ctx, keys_index(), held) != 1) {
        delete held;
        return "unable to attach the PSK keys";
    }
    SSL_CTX_set_psk_server_callback(ctx, psk_server_callback);
    // Every connection proves its key: no session tickets or cache, so an identity removed
    // from psk_file (SIGHUP) cannot come back by resuming, and each connection's identity is
    // the one it just proved.
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    return std::nullopt;
}

void capture_psk_identity(SSL* ssl, std::optional<std::string>* identity) {
    SSL_set_ex_data(ssl, identity_index(), identity);
}

}  // namespace lampi::server
