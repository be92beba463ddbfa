#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "server/listener.h"
#include "server/tls_psk.h"

namespace lampi::server {

namespace ssl = boost::asio::ssl;

namespace {

// Mosquitto's tls_version is the minimum version (mosquitto.conf(5)); empty means TLS 1.2.
bool set_versions(SSL_CTX* ctx, const std::string& version, std::string& error) {
    int min = TLS1_2_VERSION;
    const int max = TLS1_3_VERSION;
    if (version == "tlsv1.3") {
        min = TLS1_3_VERSION;
    } else if (version == "tlsv1.1") {
        min = TLS1_1_VERSION;
    } else if (!version.empty() && version != "tlsv1.2") {
        error = "unsupported tls_version '" + version + "'";
        return false;
    }
    SSL_CTX_set_min_proto_version(ctx, min);
    SSL_CTX_set_max_proto_version(ctx, max);
    return true;
}

bool load_crl(SSL_CTX* ctx, const std::string& crlfile, std::string& error) {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (X509_load_crl_file(lookup, crlfile.c_str(), X509_FILETYPE_PEM) <= 0) {
        error = "unable to load crlfile " + crlfile;
        return false;
    }
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
    return true;
}

std::optional<std::string> load_certificates(ssl::context& ctx, const TlsOptions& o) {
    boost::system::error_code ec;
    ctx.use_certificate_chain_file(o.certfile, ec);
    if (ec) return "unable to load server certificate " + o.certfile + ": " + ec.message();
    ctx.use_private_key_file(o.keyfile, ssl::context::pem, ec);
    if (ec) return "unable to load server key " + o.keyfile + ": " + ec.message();
    if (!o.cafile.empty()) {
        ctx.load_verify_file(o.cafile, ec);
        if (ec) return "unable to load cafile " + o.cafile + ": " + ec.message();
    }
    if (!o.capath.empty()) {
        ctx.add_verify_path(o.capath, ec);
        if (ec) return "unable to load capath " + o.capath + ": " + ec.message();
    }
    std::string error;
    if (!o.crlfile.empty() && !load_crl(ctx.native_handle(), o.crlfile, error)) return error;
    return std::nullopt;
}

}  // namespace

// Mosquitto 2: a listener with certfile/keyfile offers certificates, one with psk_hint offers
// PSK (the config reader refuses both on one listener, as Mosquitto does).
std::variant<std::shared_ptr<ssl::context>, std::string> make_tls_context(const TlsOptions& o) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = ctx->native_handle();
    std::string error;
    if (!set_versions(native, o.tls_version, error)) return error;
    if (!o.certfile.empty()) {
        if (auto err = load_certificates(*ctx, o)) return *err;
    }
    if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(native, o.ciphers.c_str()) != 1) {
        return "invalid ciphers '" + o.ciphers + "'";
    }
    if (!o.ciphers_tls13.empty() &&
        SSL_CTX_set_ciphersuites(native, o.ciphers_tls13.c_str()) != 1) {
        return "invalid ciphers_tls1.3 '" + o.ciphers_tls13 + "'";
    }
    if (!o.psk_hint.empty()) {
        if (auto err = enable_psk(native, o.psk_hint, o.psk_keys)) return *err;
    }
    // On a PSK listener the PSK identity is the username, so no certificate is asked for
    // (Mosquitto reads require_certificate only where there are certificates).
    const bool identity_from_cert =
        o.psk_hint.empty() && (o.use_identity_as_username || o.use_subject_as_username);
    // The identity options ask for a certificate (Mosquitto asks only under require_certificate,
    // refusing every client then); without one the client gets CONNACK 4 / 0x86 as in Mosquitto.
    const bool certificates = !o.certfile.empty();
    ssl::verify_mode mode = ssl::verify_none;
    if (certificates && o.require_certificate) {
        mode = ssl::verify_peer | ssl::verify_fail_if_no_peer_cert;
    } else if (certificates && identity_from_cert) {
        mode = ssl::verify_peer;
    }
    ctx->set_verify_mode(mode);
    return ctx;
}

}  // namespace lampi::server
