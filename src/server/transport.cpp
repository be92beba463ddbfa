#include "server/transport.h"

#include <openssl/x509.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/log.h"
#include "server/tls_psk.h"

namespace lampi::server {

namespace asio = boost::asio;

TlsTransport::TlsTransport(asio::ip::tcp::socket socket, const TransportSetup& setup)
    : stream_(std::move(socket), *setup.tls),
      use_subject_(setup.use_subject_as_username),
      psk_(setup.psk) {}

asio::awaitable<bool> TlsTransport::handshake() {
    // This object stays where it is for the connection's life, so OpenSSL may keep the pointer.
    if (psk_) capture_psk_identity(stream_.native_handle(), &identity_);
    auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server,
                                                 asio::as_tuple(asio::use_awaitable));
    if (ec) {
        log(LogType::Notice, "OpenSSL Error: TLS handshake failed: {}", ec.message());
        co_return false;
    }
    if (!psk_) identity_ = peer_certificate_name(stream_.native_handle(), use_subject_);
    co_return true;
}

void TlsTransport::close() {
    boost::system::error_code ignored;
    auto& socket = stream_.lowest_layer();
    if (!socket.is_open()) return;
    // No TLS close_notify exchange: a peer that never answers must not hold the socket open.
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

std::optional<std::string> peer_certificate_name(SSL* ssl, bool whole_subject) {
    X509* cert = SSL_get_peer_certificate(ssl);
    if (cert == nullptr) return std::nullopt;
    std::optional<std::string> name;
    X509_NAME* subject = X509_get_subject_name(cert);
    if (whole_subject) {
        // Mosquitto's use_subject_as_username: the RFC 2253 form of the subject.
        BIO* bio = BIO_new(BIO_s_mem());
        X509_NAME_print_ex(bio, subject, 0, XN_FLAG_RFC2253);
        char* data = nullptr;
        long len = BIO_get_mem_data(bio, &data);
        if (len > 0) name = std::string(data, static_cast<std::size_t>(len));
        BIO_free(bio);
    } else {
        const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
        if (index >= 0) {
            ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
            unsigned char* utf8 = nullptr;
            const int len = ASN1_STRING_to_UTF8(&utf8, cn);
            if (len >= 0)
                name = std::string(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
            OPENSSL_free(utf8);
        }
    }
    X509_free(cert);
    return name;
}

}  // namespace lampi::server
