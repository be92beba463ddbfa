#include "client/connection.h"

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <random>
#include <variant>

#include "client/tls_psk.h"

namespace lampi::client {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

using TlsStream = asio::ssl::stream<tcp::socket>;
using UnixSocket = asio::local::stream_protocol::socket;

// The transport seam: one alternative per kind of byte stream. WebSocket (Beast) slots in as
// another alternative; read_some / write_all / close_transport dispatch on it.
using Transport = std::variant<std::monostate, tcp::socket, std::unique_ptr<TlsStream>, UnixSocket>;

int tls_version_number(const std::string& v) {
    if (v == "tlsv1.3") return TLS1_3_VERSION;
    if (v == "tlsv1.2") return TLS1_2_VERSION;
    if (v == "tlsv1.1") return TLS1_1_VERSION;
    return 0;
}

}  // namespace

struct Connection::Impl : std::enable_shared_from_this<Connection::Impl> {
    Impl(asio::io_context& io, ConnectionOptions o)
        : io_(io),
          options_(std::move(o)),
          session_(options_.session),
          write_signal_(io),
          tick_timer_(io),
          retry_timer_(io),
          rng_(std::random_device{}()) {}

    asio::io_context& io_;
    ConnectionOptions options_;
    Session session_;
    Transport transport_;
    PskCredentials psk_;  // TLS-PSK: read by OpenSSL during handshakes
    asio::steady_timer write_signal_;
    asio::steady_timer tick_timer_;
    asio::steady_timer retry_timer_;
    std::mt19937 rng_;
    EventHandler on_event_;
    ErrorHandler on_error_;
    ClosedHandler on_closed_;
    bool open_ = false;        // transport connected
    bool stopping_ = false;    // no more reconnects
    bool finished_ = false;    // run() returned
    bool lost_reported_ = false;
    std::uint64_t generation_ = 0;  // one per transport, so stale loops exit
    std::string last_error_;

    static TimePoint now() { return Clock::now(); }

    void kick_writer() { write_signal_.cancel(); }

    void report_error(const std::string& what) {
        if (on_error_) on_error_(what);
    }

    void close_transport() {
        if (!open_) return;
        open_ = false;
        error_code ec;
        std::visit(
            [&ec](auto& s) {
                using S = std::decay_t<decltype(s)>;
                if constexpr (std::is_same_v<S, tcp::socket> || std::is_same_v<S, UnixSocket>) {
                    s.shutdown(asio::socket_base::shutdown_both, ec);
                    s.close(ec);
                } else if constexpr (std::is_same_v<S, std::unique_ptr<TlsStream>>) {
                    s->lowest_layer().close(ec);
                }
            },
            transport_);
        tick_timer_.cancel();
        write_signal_.cancel();
    }

    void dispatch_events() {
        for (Event& e : session_.take_events()) {
            if (auto* c = std::get_if<event::Connected>(&e); c != nullptr && c->reason_code == 0) {
                attempt_ = 0;
                ever_connected_ = true;
            }
            if (std::holds_alternative<event::Disconnected>(e)) lost_reported_ = true;
            if (on_event_) on_event_(e);
        }
        if (session_.has_output()) kick_writer();
        // The session gave up on this connection (refused, protocol error, keepalive, our own
        // DISCONNECT): the writer flushes what is left and closes.
        if (session_.state() == Session::State::Disconnected ||
            session_.state() == Session::State::Disconnecting) {
            close_after_flush_ = true;
            kick_writer();
        }
    }

    int attempt_ = 0;
    bool ever_connected_ = false;
    bool close_after_flush_ = false;

    asio::awaitable<error_code> open_tcp(tcp::socket& socket) {
        tcp::resolver resolver(io_);
        auto [rec, results] =
            co_await resolver.async_resolve(options_.host, std::to_string(options_.port), kAwait);
        if (rec) co_return rec;
        error_code ec;
        for (const auto& entry : results) {
            socket.close(ec);
            socket.open(entry.endpoint().protocol(), ec);
            if (ec) continue;
            if (!options_.bind_address.empty()) {
                auto addr = asio::ip::make_address(options_.bind_address, ec);
                if (ec) co_return ec;
                socket.bind(tcp::endpoint(addr, 0), ec);
                if (ec) co_return ec;
            }
            auto [cec] = co_await socket.async_connect(entry.endpoint(), kAwait);
            ec = cec;
            if (!ec) break;
        }
        if (!ec && options_.nodelay) socket.set_option(tcp::no_delay(true), ec);
        co_return ec;
    }

    bool make_tls_context(asio::ssl::context& ctx, std::string& error) {
        const TlsOptions& t = *options_.tls;
        error_code ec;
        ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3);
        const int version = tls_version_number(t.version);
        if (!t.version.empty() && version == 0) {
            error = "Unsupported TLS version " + t.version;
            return false;
        }
        SSL_CTX_set_min_proto_version(ctx.native_handle(), version ? version : TLS1_2_VERSION);
        if (version) SSL_CTX_set_max_proto_version(ctx.native_handle(), version);
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
        if (!t.psk_identity.empty()) {
            auto key = psk_from_hex(t.psk);
            if (!key) {
                error = "the PSK is not a hexadecimal key";
                return false;
            }
            psk_ = PskCredentials{t.psk_identity, std::move(*key)};
        }
        // With PSK the server sends no certificate; one that does is verified as usual.
        ctx.set_verify_mode(asio::ssl::verify_peer);
        return true;
    }

    // Resolves, connects and (for TLS) handshakes. Empty string on success.
    asio::awaitable<std::string> open_transport() {
        if (!options_.unix_path.empty()) {
            UnixSocket s(io_);
            auto [ec] = co_await s.async_connect(
                asio::local::stream_protocol::endpoint(options_.unix_path), kAwait);
            if (ec) co_return ec.message();
            transport_ = std::move(s);
            co_return std::string{};
        }
        if (!options_.tls) {
            tcp::socket s(io_);
            error_code ec = co_await open_tcp(s);
            if (ec) co_return ec.message();
            transport_ = std::move(s);
            co_return std::string{};
        }
        asio::ssl::context ctx(asio::ssl::context::tls_client);
        std::string error;
        if (!make_tls_context(ctx, error)) co_return error;
        auto tls = std::make_unique<TlsStream>(io_, ctx);
        if (!options_.tls->insecure) {
            tls->set_verify_callback(asio::ssl::host_name_verification(options_.host));
        }
        SSL_set_tlsext_host_name(tls->native_handle(), options_.host.c_str());
        if (!options_.tls->psk_identity.empty()) {
            use_psk(tls->native_handle(), psk_, !options_.tls->ciphers.empty());
        }
        if (!options_.tls->alpn.empty()) {
            std::string protos(1, static_cast<char>(options_.tls->alpn.size()));
            protos += options_.tls->alpn;
            SSL_set_alpn_protos(tls->native_handle(),
                                reinterpret_cast<const unsigned char*>(protos.data()),
                                static_cast<unsigned>(protos.size()));
        }
        error_code ec = co_await open_tcp(tls->next_layer());
        if (ec) co_return ec.message();
        auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::client, kAwait);
        if (hec) co_return "TLS handshake failed: " + hec.message();
        transport_ = std::move(tls);
        co_return std::string{};
    }

    using IoResult = std::tuple<error_code, std::size_t>;

    asio::awaitable<IoResult> write_all(const std::string& out) {
        if (auto* s = std::get_if<tcp::socket>(&transport_)) {
            co_return co_await asio::async_write(*s, asio::buffer(out), kAwait);
        }
        if (auto* s = std::get_if<std::unique_ptr<TlsStream>>(&transport_)) {
            co_return co_await asio::async_write(**s, asio::buffer(out), kAwait);
        }
        if (auto* s = std::get_if<UnixSocket>(&transport_)) {
            co_return co_await asio::async_write(*s, asio::buffer(out), kAwait);
        }
        co_return IoResult{asio::error::not_connected, 0};
    }

    asio::awaitable<IoResult> read_some(asio::mutable_buffer buf) {
        if (auto* s = std::get_if<tcp::socket>(&transport_)) {
            co_return co_await s->async_read_some(buf, kAwait);
        }
        if (auto* s = std::get_if<std::unique_ptr<TlsStream>>(&transport_)) {
            co_return co_await (*s)->async_read_some(buf, kAwait);
        }
        if (auto* s = std::get_if<UnixSocket>(&transport_)) {
            co_return co_await s->async_read_some(buf, kAwait);
        }
        co_return IoResult{asio::error::not_connected, 0};
    }

    asio::awaitable<void> write_loop(std::uint64_t gen) {
        auto self = shared_from_this();
        while (open_ && gen == generation_) {
            if (!session_.has_output()) {
                if (close_after_flush_) {
                    close_transport();
                    break;
                }
                write_signal_.expires_at(asio::steady_timer::time_point::max());
                co_await write_signal_.async_wait(kAwait);
                continue;
            }
            std::string out = session_.take_output();
            auto [ec, n] = co_await write_all(out);
            if (ec && gen == generation_) {
                last_error_ = ec.message();
                close_transport();
            }
        }
    }

    asio::awaitable<void> tick_loop(std::uint64_t gen) {
        auto self = shared_from_this();
        while (open_ && gen == generation_) {
            auto deadline = session_.next_deadline();
            tick_timer_.expires_at(deadline ? *deadline : asio::steady_timer::time_point::max());
            co_await tick_timer_.async_wait(kAwait);
            if (!open_ || gen != generation_) break;
            session_.on_tick(now());
            dispatch_events();
        }
    }

    asio::awaitable<void> read_loop() {
        std::array<std::uint8_t, 65536> buf;
        while (open_) {
            auto [ec, n] = co_await read_some(asio::buffer(buf));
            if (ec) {
                if (open_) last_error_ = ec == asio::error::eof ? "Connection closed" : ec.message();
                break;
            }
            session_.on_bytes(std::span<const std::uint8_t>(buf.data(), n), now());
            dispatch_events();
        }
        close_transport();
    }

    std::chrono::milliseconds next_delay() {
        const ReconnectPolicy& p = options_.reconnect;
        double d = static_cast<double>(p.initial_delay.count());
        for (int i = 1; i < attempt_ && d < static_cast<double>(p.max_delay.count()); ++i) {
            d *= p.multiplier;
        }
        d = std::min(d, static_cast<double>(p.max_delay.count()));
        if (p.jitter) d = std::uniform_real_distribution<double>(d / 2, d)(rng_);
        return std::chrono::milliseconds(static_cast<std::int64_t>(d));
    }

    asio::awaitable<void> run() {
        auto self = shared_from_this();
        while (!stopping_) {
            ++attempt_;
            if (options_.before_attempt) {
                options_.before_attempt(options_);
                session_.set_bridge_flag(options_.session.bridge);
            }
            std::string error = co_await open_transport();
            if (stopping_) break;
            if (error.empty()) {
                open_ = true;
                close_after_flush_ = false;
                lost_reported_ = false;
                last_error_.clear();
                const std::uint64_t gen = ++generation_;
                session_.connect(now());
                asio::co_spawn(io_, write_loop(gen), asio::detached);
                asio::co_spawn(io_, tick_loop(gen), asio::detached);
                co_await read_loop();
                const bool was_live = session_.state() == Session::State::Connected ||
                                      session_.state() == Session::State::Connecting;
                session_.connection_lost();
                if (was_live && !lost_reported_) {
                    if (on_event_) {
                        on_event_(event::Disconnected{mqtt::reason::kUnspecifiedError, false,
                                                      last_error_, {}});
                    }
                }
            } else {
                report_error(error);
                if (!ever_connected_ && options_.reconnect.give_up_if_first_attempt_fails) break;
            }
            if (stopping_ || !options_.reconnect.enabled) break;
            retry_timer_.expires_after(options_.retry_delay ? options_.retry_delay() : next_delay());
            co_await retry_timer_.async_wait(kAwait);
        }
        transport_ = std::monostate{};
        finished_ = true;
        if (on_closed_) on_closed_();
    }
};

Connection::Connection(asio::io_context& io, ConnectionOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

Connection::~Connection() {
    impl_->on_event_ = nullptr;
    impl_->on_error_ = nullptr;
    impl_->on_closed_ = nullptr;
    stop();
}

void Connection::set_event_handler(EventHandler h) { impl_->on_event_ = std::move(h); }
void Connection::set_error_handler(ErrorHandler h) { impl_->on_error_ = std::move(h); }
void Connection::set_closed_handler(ClosedHandler h) { impl_->on_closed_ = std::move(h); }

void Connection::start() { asio::co_spawn(impl_->io_, impl_->run(), asio::detached); }

std::uint16_t Connection::publish(mqtt::Publish message) {
    const std::uint16_t id = impl_->session_.publish(std::move(message));
    impl_->kick_writer();
    return id;
}

std::uint16_t Connection::subscribe(std::vector<mqtt::Subscription> subscriptions,
                                    mqtt::Properties properties) {
    const std::uint16_t id =
        impl_->session_.subscribe(std::move(subscriptions), std::move(properties));
    impl_->kick_writer();
    return id;
}

std::uint16_t Connection::unsubscribe(std::vector<std::string> filters,
                                      mqtt::Properties properties) {
    const std::uint16_t id = impl_->session_.unsubscribe(std::move(filters), std::move(properties));
    impl_->kick_writer();
    return id;
}

void Connection::disconnect(std::uint8_t reason_code, mqtt::Properties properties) {
    impl_->stopping_ = true;
    impl_->retry_timer_.cancel();
    if (!impl_->open_) {
        impl_->close_transport();
        return;
    }
    impl_->session_.disconnect(reason_code, std::move(properties));
    impl_->session_.take_events();  // our own Disconnected: the caller knows
    impl_->lost_reported_ = true;
    impl_->close_after_flush_ = true;
    impl_->kick_writer();
}

void Connection::stop() {
    impl_->stopping_ = true;
    impl_->retry_timer_.cancel();
    impl_->lost_reported_ = true;
    impl_->close_transport();
}

void Connection::reconnect() { impl_->close_transport(); }

const Session& Connection::session() const { return impl_->session_; }

bool Connection::closed() const { return impl_->finished_; }

}  // namespace lampi::client
