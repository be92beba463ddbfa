#include "client/transport.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstring>
#include <variant>

#include "base/await.h"
#include "base/psk_key.h"
#include "client/socks5.h"

namespace lampi::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

using TlsStream = asio::ssl::stream<tcp::socket>;
using UnixSocket = asio::local::stream_protocol::socket;
using WsStream = websocket::stream<tcp::socket>;
using WssStream = websocket::stream<TlsStream>;

int tls_version_number(const std::string& v) {
    if (v == "tlsv1.3") return TLS1_3_VERSION;
    if (v == "tlsv1.2") return TLS1_2_VERSION;
    if (v == "tlsv1.1") return TLS1_1_VERSION;
    return 0;
}

// Where the TlsOptions ride on an SSL object for the PSK callback. Not the app data slot: Asio
// keeps its verify callback there.
int tls_options_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

// OpenSSL asks for the identity and key when the handshake uses a pre-shared key.
unsigned psk_client_callback(SSL* ssl, const char* /*hint*/, char* identity,
                             unsigned max_identity_len, unsigned char* psk, unsigned max_psk_len) {
    const auto* t = static_cast<const TlsOptions*>(SSL_get_ex_data(ssl, tls_options_index()));
    if (t == nullptr || t->psk_identity.size() + 1 > max_identity_len) return 0;
    const std::string key = psk_from_hex(t->psk).value_or(std::string());
    if (key.empty() || key.size() > max_psk_len) return 0;
    std::memcpy(identity, t->psk_identity.c_str(), t->psk_identity.size() + 1);
    std::memcpy(psk, key.data(), key.size());
    return static_cast<unsigned>(key.size());
}

bool make_tls_context(const TlsOptions& t, asio::ssl::context& ctx, std::string& error) {
    error_code ec;
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3);
    const int version = tls_version_number(t.version);
    if (!t.version.empty() && version == 0) {
        error = "Unsupported TLS version " + t.version;
        return false;
    }
    // A minimum, as libmosquitto's tls_version: "tlsv1.2" still negotiates 1.3 when offered.
    SSL_CTX_set_min_proto_version(ctx.native_handle(), version ? version : TLS1_2_VERSION);
    if (!t.ciphers.empty()) SSL_CTX_set_cipher_list(ctx.native_handle(), t.ciphers.c_str());
    if (!t.cafile.empty()) ctx.load_verify_file(t.cafile, ec);
    if (!ec && !t.capath.empty()) ctx.add_verify_path(t.capath, ec);
    if (!ec && t.use_os_certs) ctx.set_default_verify_paths(ec);
    if (!ec && !t.certfile.empty()) ctx.use_certificate_chain_file(t.certfile, ec);
    if (!ec && !t.keyfile.empty()) ctx.use_private_key_file(t.keyfile, asio::ssl::context::pem, ec);
    if (ec) {
        error = ec.message();
        return false;
    }
    if (!t.psk.empty()) {
        if (!psk_from_hex(t.psk)) {
            error = "Invalid PSK: not a hex string";
            return false;
        }
        SSL_CTX_set_psk_client_callback(ctx.native_handle(), psk_client_callback);
        // No certificates with a pre-shared key, unless a CA was given as well.
        if (t.cafile.empty() && t.capath.empty()) {
            ctx.set_verify_mode(asio::ssl::verify_none);
            return true;
        }
    }
    ctx.set_verify_mode(asio::ssl::verify_peer);
    return true;
}

// SNI, host name check, ALPN and the PSK options on a new TLS stream.
void prepare_tls_stream(TlsStream& tls, const ConnectionOptions& o) {
    const TlsOptions& t = *o.tls;
    if (!t.insecure && t.psk.empty()) {
        tls.set_verify_callback(asio::ssl::host_name_verification(o.host));
    }
    SSL_set_tlsext_host_name(tls.native_handle(), o.host.c_str());
    if (!t.psk.empty()) {
        SSL_set_ex_data(tls.native_handle(), tls_options_index(), const_cast<TlsOptions*>(&t));
        // TLS 1.2's default cipher suites have no PSK ones (Mosquitto's client does the same).
        if (t.ciphers.empty()) SSL_set_cipher_list(tls.native_handle(), "PSK");
    }
    if (!t.alpn.empty()) {
        std::string protos(1, static_cast<char>(t.alpn.size()));
        protos += t.alpn;
        SSL_set_alpn_protos(tls.native_handle(),
                            reinterpret_cast<const unsigned char*>(protos.data()),
                            static_cast<unsigned>(protos.size()));
    }
}

}  // namespace

struct Transport::Impl {
    explicit Impl(asio::io_context& i) : io(i) {}

    asio::io_context& io;
    std::variant<std::monostate, tcp::socket, std::unique_ptr<TlsStream>, UnixSocket,
                 std::unique_ptr<WsStream>, std::unique_ptr<WssStream>>
        stream;

    asio::awaitable<error_code> connect_tcp(tcp::socket& socket, const std::string& host,
                                            std::uint16_t port, const ConnectionOptions& o) {
        tcp::resolver resolver(io);
        auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(port), kAwait);
        if (rec) co_return rec;
        error_code ec;
        for (const auto& entry : results) {
            socket.close(ec);
            socket.open(entry.endpoint().protocol(), ec);
            if (ec) continue;
            if (!o.bind_address.empty()) {
                auto addr = asio::ip::make_address(o.bind_address, ec);
                if (ec) co_return ec;
                socket.bind(tcp::endpoint(addr, 0), ec);
                if (ec) co_return ec;
            }
            auto [cec] = co_await socket.async_connect(entry.endpoint(), kAwait);
            ec = cec;
            if (!ec) break;
        }
        if (!ec && o.nodelay) socket.set_option(tcp::no_delay(true), ec);
        co_return ec;
    }

    asio::awaitable<std::string> exchange(tcp::socket& s, const std::string& request,
                                          std::span<std::uint8_t> reply) {
        if (!request.empty()) {
            auto [wec, wn] = co_await asio::async_write(s, asio::buffer(request), kAwait);
            if (wec) co_return "Proxy error: " + wec.message();
        }
        auto [rec, rn] =
            co_await asio::async_read(s, asio::buffer(reply.data(), reply.size()), kAwait);
        if (rec) co_return "Proxy error: " + rec.message();
        co_return std::string{};
    }

    // RFC 1928: greeting, optional RFC 1929 login, then CONNECT to the broker.
    asio::awaitable<std::string> socks5_handshake(tcp::socket& s, const ConnectionOptions& o) {
        const ProxyOptions& p = *o.proxy;
        const bool offer_password = p.username.has_value();
        std::array<std::uint8_t, 262> buf{};
        std::string error = co_await exchange(s, socks5::greeting(offer_password), {buf.data(), 2});
        if (!error.empty()) co_return error;
        auto method = socks5::check_method_reply({buf.data(), 2}, offer_password, error);
        if (!method) co_return error;
        if (*method == 2) {
            const std::string login =
                socks5::password_request(*p.username, p.password.value_or(""), error);
            if (login.empty()) co_return error;
            error = co_await exchange(s, login, {buf.data(), 2});
            if (!error.empty()) co_return error;
            if (!socks5::check_password_reply({buf.data(), 2}, error)) co_return error;
        }
        const std::string request = socks5::connect_request(o.host, o.port, error);
        if (request.empty()) co_return error;
        error = co_await exchange(s, request, {buf.data(), 5});
        if (!error.empty()) co_return error;
        auto length = socks5::connect_reply_length({buf.data(), 5}, error);
        if (!length) co_return error;
        co_return co_await exchange(s, {}, {buf.data() + 5, *length - 5});
    }

    // TCP to the broker, or to the proxy and through it.
    asio::awaitable<std::string> open_tcp(tcp::socket& socket, const ConnectionOptions& o) {
        if (!o.proxy) {
            error_code ec = co_await connect_tcp(socket, o.host, o.port, o);
            co_return ec ? ec.message() : std::string{};
        }
        error_code ec = co_await connect_tcp(socket, o.proxy->host, o.proxy->port, o);
        if (ec) co_return ec.message();
        co_return co_await socks5_handshake(socket, o);
    }

    asio::awaitable<std::string> tls_handshake(TlsStream& tls, const ConnectionOptions& o) {
        prepare_tls_stream(tls, o);
        std::string error = co_await open_tcp(tls.next_layer(), o);
        if (!error.empty()) co_return error;
        auto [ec] = co_await tls.async_handshake(asio::ssl::stream_base::client, kAwait);
        if (ec) co_return "TLS handshake failed: " + ec.message();
        co_return std::string{};
    }

    // RFC 6455 opening handshake asking for the "mqtt" subprotocol (MQTT 5 6.0), then binary
    // messages.
    template <class Ws>
    asio::awaitable<std::string> ws_handshake(Ws& ws, const ConnectionOptions& o) {
        ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(beast::http::field::sec_websocket_protocol, "mqtt");
            req.set(beast::http::field::user_agent, "lampi");
        }));
        const bool default_port = o.port == (o.tls ? 443 : 80);
        const std::string host_header =
            default_port ? o.host : o.host + ":" + std::to_string(o.port);
        websocket::response_type response;
        auto [ec] = co_await ws.async_handshake(response, host_header, o.websocket->path, kAwait);
        if (ec) co_return "WebSocket handshake failed: " + ec.message();
        ws.binary(true);
        co_return std::string{};
    }

    asio::awaitable<std::string> open(const ConnectionOptions& o) {
        if (!o.unix_path.empty()) {
            UnixSocket s(io);
            auto [ec] = co_await s.async_connect(
                asio::local::stream_protocol::endpoint(o.unix_path), kAwait);
            if (ec) co_return ec.message();
            stream = std::move(s);
            co_return std::string{};
        }
        if (!o.tls && !o.websocket) {
            tcp::socket s(io);
            std::string error = co_await open_tcp(s, o);
            if (!error.empty()) co_return error;
            stream = std::move(s);
            co_return std::string{};
        }
        if (!o.tls) {
            auto ws = std::make_unique<WsStream>(io);
            std::string error = co_await open_tcp(ws->next_layer(), o);
            if (error.empty()) error = co_await ws_handshake(*ws, o);
            if (!error.empty()) co_return error;
            stream = std::move(ws);
            co_return std::string{};
        }
        asio::ssl::context ctx(asio::ssl::context::tls_client);
        std::string error;
        if (!make_tls_context(*o.tls, ctx, error)) co_return error;
        if (!o.websocket) {
            auto tls = std::make_unique<TlsStream>(io, ctx);
            error = co_await tls_handshake(*tls, o);
            if (!error.empty()) co_return error;
            stream = std::move(tls);
            co_return std::string{};
        }
        auto wss = std::make_unique<WssStream>(io, ctx);
        error = co_await tls_handshake(wss->next_layer(), o);
        if (error.empty()) error = co_await ws_handshake(*wss, o);
        if (!error.empty()) co_return error;
        stream = std::move(wss);
        co_return std::string{};
    }
};

Transport::Transport(asio::io_context& io) : impl_(std::make_unique<Impl>(io)) {}
Transport::~Transport() = default;

asio::awaitable<std::string> Transport::open(const ConnectionOptions& options) {
    impl_->stream = std::monostate{};
    co_return co_await impl_->open(options);
}

asio::awaitable<Transport::IoResult> Transport::write_all(const std::string& bytes) {
    auto& v = impl_->stream;
    const auto buf = asio::buffer(bytes);
    if (auto* s = std::get_if<tcp::socket>(&v))
        co_return co_await asio::async_write(*s, buf, kAwait);
    if (auto* s = std::get_if<std::unique_ptr<TlsStream>>(&v)) {
        co_return co_await asio::async_write(**s, buf, kAwait);
    }
    if (auto* s = std::get_if<UnixSocket>(&v))
        co_return co_await asio::async_write(*s, buf, kAwait);
    if (auto* s = std::get_if<std::unique_ptr<WsStream>>(&v)) {
        co_return co_await (*s)->async_write(buf, kAwait);
    }
    if (auto* s = std::get_if<std::unique_ptr<WssStream>>(&v)) {
        co_return co_await (*s)->async_write(buf, kAwait);
    }
    co_return IoResult{asio::error::not_connected, 0};
}

asio::awaitable<Transport::IoResult> Transport::read_some(asio::mutable_buffer buf) {
    auto& v = impl_->stream;
    if (auto* s = std::get_if<tcp::socket>(&v)) co_return co_await s->async_read_some(buf, kAwait);
    if (auto* s = std::get_if<std::unique_ptr<TlsStream>>(&v)) {
        co_return co_await (*s)->async_read_some(buf, kAwait);
    }
    if (auto* s = std::get_if<UnixSocket>(&v)) co_return co_await s->async_read_some(buf, kAwait);
    if (auto* s = std::get_if<std::unique_ptr<WsStream>>(&v)) {
        co_return co_await (*s)->async_read_some(buf, kAwait);
    }
    if (auto* s = std::get_if<std::unique_ptr<WssStream>>(&v)) {
        co_return co_await (*s)->async_read_some(buf, kAwait);
    }
    co_return IoResult{asio::error::not_connected, 0};
}

void Transport::close() {
    error_code ec;
    std::visit(
        [&ec](auto& s) {
            using S = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<S, tcp::socket> || std::is_same_v<S, UnixSocket>) {
                s.shutdown(asio::socket_base::shutdown_both, ec);
                s.close(ec);
            } else if constexpr (!std::is_same_v<S, std::monostate>) {
                beast::get_lowest_layer(*s).close(ec);
            }
        },
        impl_->stream);
}

void Transport::reset() { impl_->stream = std::monostate{}; }

}  // namespace lampi::client
