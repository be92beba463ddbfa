// libFuzzer target for WebSocket framing as the broker configures Beast (server role, binary
// messages, read_message_max(0) = no size limit, no permessage-deflate): after a valid upgrade,
// the input is the stream of client frames. Reads run until Beast reports an error or EOF, as
// WsTransport::async_read_some does; close and ping frames are answered into the test stream.
// Input byte 0 picks the piece size (1-128 bytes) of read_some into a fixed buffer, which is how
// the broker's read loop reads. (Whole-message read() into a dynamic buffer is not fuzzed: with
// read_message_max(0) Beast allocates the declared frame length up front, up to 2^63 bytes;
// regressions/ws_frame/huge_declared_length_whole_read. The broker never reads that way.)
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

constexpr char kUpgrade[] =
    "GET /mqtt HTTP/1.1\r\n"
    "Host: localhost\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Protocol: mqtt\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static boost::asio::io_context ioc;
    const std::uint8_t mode = data[0];

    beast::test::stream client(ioc);
    beast::test::stream server(ioc);
    client.connect(server);
    server.append(kUpgrade);
    server.append(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
    server.close_remote();

    websocket::stream<beast::test::stream&> ws(server);
    ws.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
        res.set(http::field::server, "lampi");
        res.set(http::field::sec_websocket_protocol, "mqtt");
    }));
    ws.binary(true);
    ws.read_message_max(0);
    beast::error_code ec;
    ws.accept(ec);
    if (ec) return 0;

    std::uint8_t piece[4096];
    const std::size_t piece_size = (mode & 0x7F) + 1u;
    for (int i = 0; i < 4096; ++i) {
        ws.read_some(boost::asio::buffer(piece, piece_size), ec);
        if (ec) break;
    }
    return 0;
}
