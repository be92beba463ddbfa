// MQTT over WebSocket (subprotocol "mqtt"), on a plain or TLS stream, with Boost.Beast.
// A request that is not an upgrade is answered from the listener's http_dir, as Mosquitto does,
// and the connection then ends.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "server/http_file.h"
#include "server/transport.h"

namespace lampi::server {

template <class Next>
class WsTransport {
  public:
    static constexpr bool kHandshake = true;
    static constexpr bool kWaitReadable = false;
    WsTransport(boost::asio::ip::tcp::socket socket, const TransportSetup& setup);
    auto get_executor() { return ws_.get_executor(); }
    boost::asio::awaitable<bool> handshake();
    template <class Buffer, class Token>
    auto async_read_some(const Buffer& b, Token&& t) {
        return ws_.async_read_some(b, std::forward<Token>(t));
    }
    template <class Buffer, class Handler>
    void async_write(const Buffer& b, Handler&& h) {
        ws_.async_write(b, std::forward<Handler>(h));
    }
    void close();
    std::optional<std::string> identity() const { return identity_; }

  private:
    boost::asio::awaitable<bool> lower_handshake();

    TransportSetup setup_;
    boost::beast::websocket::stream<Next> ws_;
    std::optional<std::string> identity_;
};

using WsPlainTransport = WsTransport<boost::asio::ip::tcp::socket>;
using WsTlsTransport = WsTransport<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>>;

}  // namespace lampi::server
