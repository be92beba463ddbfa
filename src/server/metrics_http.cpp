#include "server/metrics_http.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "base/await.h"
#include "base/log.h"

namespace lampi::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

asio::awaitable<void> serve(tcp::socket socket, MetricsHttp::Render render) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(std::chrono::seconds(10));
    beast::flat_buffer buffer;
    http::request<http::empty_body> req;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, kAwait);
    if (ec) co_return;
    const bool known = req.target() == "/metrics" || req.target() == "/";
    http::response<http::string_body> res{known ? http::status::ok : http::status::not_found,
                                          req.version()};
    res.set(http::field::server, "lampi");
    res.set(http::field::content_type, known ? "text/plain; version=0.0.4" : "text/plain");
    res.body() = known ? render() : "not found\n";
    res.keep_alive(false);
    res.prepare_payload();
    co_await http::async_write(stream, res, kAwait);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace

MetricsHttp::MetricsHttp(asio::io_context& io, Render render)
    : io_(io), render_(std::move(render)), acceptor_(io) {}

std::optional<std::string> MetricsHttp::open(const std::string& address, std::uint16_t port) {
    boost::system::error_code ec;
    auto ip = asio::ip::make_address(address.empty() ? "0.0.0.0" : address, ec);
    if (ec) return "bad address " + address;
    tcp::endpoint ep(ip, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return ec.message();
    return std::nullopt;
}

void MetricsHttp::start() {
    asio::co_spawn(
        io_,
        [this]() -> asio::awaitable<void> {
            for (;;) {
                auto [ec, socket] = co_await acceptor_.async_accept(kAwait);
                if (ec == asio::error::operation_aborted) co_return;
                if (ec) continue;
                asio::co_spawn(io_, serve(std::move(socket), render_), asio::detached);
            }
        },
        asio::detached);
}

void MetricsHttp::stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

}  // namespace lampi::server
