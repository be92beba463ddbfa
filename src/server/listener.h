// Accepts connections on one configured listener (TCP address:port or unix socket) and hands
// each to a worker, round robin. Runs on the acceptor's io_context.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <memory>
#include <optional>
#include <string>

#include "server/stream_connection.h"
#include "server/worker_pool.h"

namespace lampi::server {

struct ListenerOptions {
    std::string address;    // empty: every interface
    std::uint16_t port = 1883;
    std::string unix_path;  // set: a unix socket listener (port 0)
    int max_connections = -1;
    bool tcp_nodelay = true;
    bool ipv6 = true;  // also listen on IPv6 when the address is empty
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

private:
    boost::asio::awaitable<void> accept_tcp(boost::asio::ip::tcp::acceptor& acceptor);
    boost::asio::awaitable<void> accept_unix();
    bool admit();

    boost::asio::io_context& io_;
    WorkerPool& workers_;
    ListenerOptions options_;
    ConnectionContext context_;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> tcp_;
    std::unique_ptr<boost::asio::local::stream_protocol::acceptor> unix_;
    std::atomic<int> connections_{0};
};

}  // namespace lampi::server
