// Accepts connections on one configured listener (TCP address:port or unix socket) and hands
// each to a worker, round robin. Runs on the acceptor's io_context.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "server/stream_connection.h"
#include "server/worker_pool.h"

namespace lampi::auth {
class PskFile;
}

namespace lampi::server {

// Mosquitto's per-listener TLS options: certificates and/or a pre-shared key (psk_hint).
struct TlsOptions {
    std::string cafile, capath, certfile, keyfile, crlfile, ciphers, ciphers_tls13, tls_version;
    bool require_certificate = false;
    bool use_identity_as_username = false;
    bool use_subject_as_username = false;
    std::string psk_hint;                           // set: a PSK listener
    std::shared_ptr<const auth::PskFile> psk_keys;  // the listener's psk_file (may be null)
    bool enabled() const { return !certfile.empty() || !psk_hint.empty(); }
};

// Builds the server TLS context; returns an error text instead on failure.
std::variant<std::shared_ptr<boost::asio::ssl::context>, std::string> make_tls_context(
    const TlsOptions& options);

struct ListenerOptions {
    std::string address;  // empty: every interface
    std::uint16_t port = 1883;
    std::string unix_path;       // set: a unix socket listener (port 0)
    std::string bind_interface;  // Mosquitto's bind_interface: only this network interface
    int max_connections = -1;
    bool tcp_nodelay = true;
    bool ipv6 = true;  // also listen on IPv6 when the address is empty
    bool websockets = false;
    std::string http_dir;
    TlsOptions tls;  // enabled when certfile or psk_hint is set
    broker::ListenerPolicy policy;
};

class Listener {
  public:
    Listener(boost::asio::io_context& io, WorkerPool& workers, const ListenerOptions& options,
             ConnectionContext context);
    // Binds and listens; returns an error text on failure.
    std::optional<std::string> open();
    void start();
    void stop();
    std::string describe() const;
    std::size_t connections() const {
        return static_cast<std::size_t>(std::max(0, connections_.load()));
    }

  private:
    boost::asio::awaitable<void> accept_tcp(boost::asio::ip::tcp::acceptor& acceptor);
    boost::asio::awaitable<void> accept_unix();
    boost::asio::awaitable<void> pause_after_accept_error(const boost::system::error_code& ec);
    void note_accept_ok();
    bool admit();
    void apply_options(const ListenerOptions& options);
    void start_connection(WorkerTcpSocket socket, std::string peer);
    // Re-reads certificates (SIGHUP); new connections use them, live ones keep theirs.
  public:
    std::optional<std::string> reload_tls();
    // A reload kept this listener: new connections get the new policy and certificates.
    void update(const ListenerOptions& options);

  private:
    boost::asio::io_context& io_;
    WorkerPool& workers_;
    ListenerOptions options_;
    ConnectionContext context_;                                // the template
    std::shared_ptr<const ConnectionContext> shared_context_;  // what new connections share
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> tcp_;
    std::unique_ptr<boost::asio::local::stream_protocol::acceptor> unix_;
    std::atomic<int> connections_{0};
    bool accept_failing_ = false;  // accept loops run on io_: no lock
};

}  // namespace lampi::server
