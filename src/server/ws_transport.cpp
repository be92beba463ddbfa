#include "server/ws_transport.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "base/await.h"
#include "base/log.h"

namespace lampi::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {

template <class Next>
Next make_next(asio::ip::tcp::socket socket, const TransportSetup& setup);

template <>
asio::ip::tcp::socket make_next(asio::ip::tcp::socket socket, const TransportSetup&) {
    return socket;
}

template <>
asio::ssl::stream<asio::ip::tcp::socket> make_next(asio::ip::tcp::socket socket,
                                                   const TransportSetup& setup) {
    return asio::ssl::stream<asio::ip::tcp::socket>(std::move(socket), *setup.tls);
}

bool requests_mqtt_subprotocol(std::string_view header) {
    std::size_t pos = 0;
    while (pos <= header.size()) {
        std::size_t comma = header.find(',', pos);
        if (comma == std::string_view::npos) comma = header.size();
        std::string_view item = header.substr(pos, comma - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item == "mqtt" || item == "mqttv3.1") return true;
        pos = comma + 1;
    }
    return false;
}

}  // namespace

template <class Next>
WsTransport<Next>::WsTransport(asio::ip::tcp::socket socket, const TransportSetup& setup)
    : setup_(setup), ws_(make_next<Next>(std::move(socket), setup)) {}

template <class Next>
asio::awaitable<bool> WsTransport<Next>::lower_handshake() {
    if constexpr (std::is_same_v<Next, asio::ssl::stream<asio::ip::tcp::socket>>) {
        auto [ec] =
            co_await ws_.next_layer().async_handshake(asio::ssl::stream_base::server, kAwait);
        if (ec) {
            log(LogType::Notice, "OpenSSL Error: TLS handshake failed: {}", ec.message());
            co_return false;
        }
        identity_ =
            peer_certificate_name(ws_.next_layer().native_handle(), setup_.use_subject_as_username);
    }
    co_return true;
}

template <class Next>
asio::awaitable<bool> WsTransport<Next>::handshake() {
    if (!co_await lower_handshake()) co_return false;
    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(64 * 1024);
    auto [ec, n] = co_await http::async_read(ws_.next_layer(), buffer, parser, kAwait);
    if (ec) co_return false;
    auto req = parser.release();
    if (!websocket::is_upgrade(req)) {
        auto file = serve_http_file(setup_.http_dir, req.target());
        http::response<http::string_body> res{static_cast<http::status>(file.status),
                                              req.version()};
        res.set(http::field::server, "lampi");
        res.set(http::field::content_type, file.content_type);
        res.keep_alive(false);
        res.body() = req.method() == http::verb::head ? std::string() : std::move(file.body);
        res.prepare_payload();
        co_await http::async_write(ws_.next_layer(), res, kAwait);
        co_return false;
    }
    const bool mqtt = requests_mqtt_subprotocol(req[http::field::sec_websocket_protocol]);
    ws_.set_option(websocket::stream_base::decorator([mqtt](websocket::response_type& res) {
        res.set(http::field::server, "lampi");
        if (mqtt) res.set(http::field::sec_websocket_protocol, "mqtt");
    }));
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.binary(true);
    ws_.read_message_max(0);
    auto [aec] = co_await ws_.async_accept(req, kAwait);
    if (aec) {
        log(LogType::Websockets, "WebSocket handshake failed: {}", aec.message());
        co_return false;
    }
    co_return true;
}

template <class Next>
void WsTransport<Next>::close() {
    boost::system::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_);
    if (!socket.is_open()) return;
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
}

template class WsTransport<asio::ip::tcp::socket>;
template class WsTransport<asio::ssl::stream<asio::ip::tcp::socket>>;

}  // namespace lampi::server
