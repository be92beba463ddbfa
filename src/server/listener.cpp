#include "server/listener.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "server/ws_transport.h"

namespace lampi::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::optional<std::string> bind_tcp(tcp::acceptor& acceptor, const tcp::endpoint& ep, bool v6_only,
                                    const std::string& interface) {
    boost::system::error_code ec;
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && !interface.empty() &&
        ::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                     static_cast<socklen_t>(interface.size())) != 0) {
        return "cannot bind to interface " + interface + ": " + std::strerror(errno);
    }
    if (!ec && ep.protocol() == tcp::v6()) acceptor.set_option(asio::ip::v6_only(v6_only), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return ec.message();
    return std::nullopt;
}

}  // namespace

Listener::Listener(asio::io_context& io, WorkerPool& workers, const ListenerOptions& options,
                   ConnectionContext context)
    : io_(io), workers_(workers), options_(options), context_(context) {
    context_.listener_connections = &connections_;
    apply_options(options);
}

std::string Listener::describe() const {
    if (!options_.unix_path.empty()) return "unix socket " + options_.unix_path;
    return (options_.address.empty() ? std::string("*") : options_.address) + ":" +
           std::to_string(options_.port);
}

void Listener::start_connection(WorkerTcpSocket socket, std::string peer) {
    const bool tls = context_.transport.tls != nullptr;
    if (options_.websockets && tls) {
        std::make_shared<StreamConnection<WsTlsTransport>>(tcp::socket(std::move(socket)),
                                                           shared_context_, peer)
            ->start();
    } else if (options_.websockets) {
        std::make_shared<StreamConnection<WsPlainTransport>>(tcp::socket(std::move(socket)),
                                                             shared_context_, peer)
            ->start();
    } else if (tls) {
        std::make_shared<TlsConnection>(tcp::socket(std::move(socket)), shared_context_, peer)
            ->start();
    } else {
        std::make_shared<TcpConnection>(std::move(socket), shared_context_, peer)->start();
    }
}

std::optional<std::string> Listener::reload_tls() {
    if (!options_.tls.enabled()) return std::nullopt;
    auto made = make_tls_context(options_.tls);
    if (auto* err = std::get_if<std::string>(&made)) return *err;
    // Connections copy the setup when they are created, so swapping here is safe on this thread.
    context_.transport.tls = std::get<0>(made);
    shared_context_ = std::make_shared<const ConnectionContext>(context_);
    return std::nullopt;
}

void Listener::apply_options(const ListenerOptions& options) {
    auto policy = std::make_shared<broker::ListenerPolicy>(options.policy);
    // As Mosquitto: the identity options only act on a TLS listener.
    policy->identity_as_username = options.tls.enabled() && (options.tls.use_identity_as_username ||
                                                             options.tls.use_subject_as_username);
    context_.policy = std::move(policy);
    context_.transport.http_dir = options.http_dir;
    context_.transport.use_subject_as_username = options.tls.use_subject_as_username;
    context_.transport.psk = !options.tls.psk_hint.empty();
    shared_context_ = std::make_shared<const ConnectionContext>(context_);
}

void Listener::update(const ListenerOptions& options) {
    const std::uint16_t port = options_.port;
    options_ = options;
    options_.port = port;
    apply_options(options);
    if (auto err = reload_tls()) {
        log(LogType::Error, "Error: Unable to reload certificates for {}: {}.", describe(), *err);
    }
}

std::optional<std::string> Listener::open() {
    if (auto err = reload_tls()) return err;
    if (!options_.unix_path.empty()) {
        ::unlink(options_.unix_path.c_str());
        unix_ = std::make_unique<asio::local::stream_protocol::acceptor>(io_);
        boost::system::error_code ec;
        asio::local::stream_protocol::endpoint ep(options_.unix_path);
        unix_->open(ep.protocol(), ec);
        if (!ec) unix_->bind(ep, ec);
        if (!ec) unix_->listen(asio::socket_base::max_listen_connections, ec);
        if (ec) return ec.message();
        return std::nullopt;
    }
    std::vector<std::pair<tcp::endpoint, bool>> endpoints;
    if (options_.address.empty()) {
        endpoints.push_back({tcp::endpoint(tcp::v4(), options_.port), false});
        if (options_.ipv6) endpoints.push_back({tcp::endpoint(tcp::v6(), options_.port), true});
    } else {
        boost::system::error_code ec;
        tcp::resolver resolver(io_);
        auto results = resolver.resolve(options_.address, std::to_string(options_.port),
                                        tcp::resolver::passive, ec);
        if (ec) return "cannot resolve " + options_.address + ": " + ec.message();
        for (const auto& r : results) endpoints.push_back({r.endpoint(), true});
    }
    std::optional<std::string> first_error;
    for (const auto& [ep, v6_only] : endpoints) {
        auto acceptor = std::make_unique<tcp::acceptor>(io_);
        if (auto err = bind_tcp(*acceptor, ep, v6_only, options_.bind_interface)) {
            // An IPv6 wildcard is optional: hosts without IPv6 still serve IPv4.
            if (!first_error) first_error = *err;
            continue;
        }
        if (options_.port == 0) options_.port = acceptor->local_endpoint().port();
        tcp_.push_back(std::move(acceptor));
    }
    if (tcp_.empty()) return first_error.value_or("no address to listen on");
    return std::nullopt;
}

void Listener::start() {
    for (auto& acceptor : tcp_) asio::co_spawn(io_, accept_tcp(*acceptor), asio::detached);
    if (unix_) asio::co_spawn(io_, accept_unix(), asio::detached);
}

void Listener::stop() {
    boost::system::error_code ignored;
    for (auto& acceptor : tcp_) acceptor->close(ignored);
    if (unix_) {
        unix_->close(ignored);
        ::unlink(options_.unix_path.c_str());
    }
}

bool Listener::admit() {
    const int now = connections_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (options_.max_connections >= 0 && now > options_.max_connections) {
        connections_.fetch_sub(1, std::memory_order_relaxed);
        return false;
    }
    return true;
}

// EMFILE and friends: existing clients are still served; accepting is retried every 100 ms
// (the connection waits in the backlog), logged once when it starts failing and once when it
// works again rather than ten times a second.
asio::awaitable<void> Listener::pause_after_accept_error(const boost::system::error_code& ec) {
    if (!accept_failing_) {
        log(LogType::Error, "Unable to accept new connections on {}: {}. Retrying.", describe(),
            ec.message());
        accept_failing_ = true;
    }
    asio::steady_timer pause(io_, std::chrono::milliseconds(100));
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
}

void Listener::note_accept_ok() {
    if (!accept_failing_) return;
    accept_failing_ = false;
    log(LogType::Notice, "Accepting new connections on {} again.", describe());
}

asio::awaitable<void> Listener::accept_tcp(tcp::acceptor& acceptor) {
    for (;;) {
        auto& worker = workers_.next();
        auto [ec, socket] =
            co_await acceptor.async_accept(worker, asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) {
            co_await pause_after_accept_error(ec);
            continue;
        }
        note_accept_ok();
        boost::system::error_code peer_ec;
        auto remote = socket.remote_endpoint(peer_ec);
        std::string peer = peer_ec
                               ? "unknown"
                               : remote.address().to_string() + ":" + std::to_string(remote.port());
        if (!admit()) {
            log(LogType::Notice, "Client connection from {} denied: max_connections reached.",
                peer);
            continue;
        }
        if (options_.tcp_nodelay) socket.set_option(tcp::no_delay(true), peer_ec);
        broker::Stats::add(context_.broker->stats().sockets_opened);
        start_connection(std::move(socket), std::move(peer));
    }
}

asio::awaitable<void> Listener::accept_unix() {
    for (;;) {
        auto& worker = workers_.next();
        auto [ec, socket] =
            co_await unix_->async_accept(worker, asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted) co_return;
        if (ec) {
            co_await pause_after_accept_error(ec);
            continue;
        }
        note_accept_ok();
        if (!admit()) continue;
        auto conn = std::make_shared<UnixConnection>(std::move(socket), shared_context_,
                                                     options_.unix_path);
        conn->start();
    }
}

}  // namespace lampi::server
