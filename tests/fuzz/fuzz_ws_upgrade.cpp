// libFuzzer target for the WebSocket listener's first request, as server/ws_transport.cpp reads
// it: Beast's HTTP request parser with our header (8 KiB) and body (64 KiB) limits, then either
// the plain-HTTP answer from serve_http_file (path handling: no escape from http_dir) or Beast's
// websocket accept of the upgrade request, with our options (server role, binary, no message
// size limit). Input: the raw bytes a client sends first.
#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "server/ws_transport.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

constexpr const char* kInside = "inside http_dir";
constexpr const char* kOutside = "OUTSIDE http_dir";

// <tmp>/lampi-fuzz-ws/root is http_dir; <tmp>/lampi-fuzz-ws/secret sits next to it, so any
// answer with the secret's content escaped the root.
const std::string& http_root() {
    static const std::string root = [] {
        const auto base = std::filesystem::temp_directory_path() / "lampi-fuzz-ws";
        std::filesystem::create_directories(base / "root" / "dir");
        std::ofstream(base / "root" / "index.html") << kInside;
        std::ofstream(base / "root" / "dir" / "index.html") << kInside;
        std::ofstream(base / "root" / "a.js") << kInside;
        std::ofstream(base / "secret") << kOutside;
        std::ofstream(base / "root" / ".." / "secret2") << kOutside;
        return (base / "root").string();
    }();
    return root;
}

void fail(const char* what) {
    std::fprintf(stderr, "fuzz_ws_upgrade: %s\n", what);
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static boost::asio::io_context ioc;
    const std::string& root = http_root();

    beast::test::stream client(ioc);
    beast::test::stream server(ioc);
    client.connect(server);
    server.append(std::string_view(reinterpret_cast<const char*>(data), size));
    server.close_remote();  // the server reads EOF after the input; its writes still go through

    beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(64 * 1024);
    beast::error_code ec;
    http::read(server, buffer, parser, ec);
    if (ec) return 0;
    auto req = parser.release();

    if (!websocket::is_upgrade(req)) {
        const auto file = lampi::server::serve_http_file(root, req.target());
        if (file.body.find(kOutside) != std::string::npos) fail("served a file outside http_dir");
        if (file.status == 200 && file.body != kInside) fail("200 with unexpected body");
        http::response<http::string_body> res{static_cast<http::status>(file.status),
                                              req.version()};
        res.set(http::field::content_type, file.content_type);
        res.keep_alive(false);
        res.body() = file.body;
        res.prepare_payload();
        http::write(server, res, ec);
        return 0;
    }
    websocket::stream<beast::test::stream&> ws(server);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "lampi"); }));
    ws.binary(true);
    ws.read_message_max(0);
    ws.accept(req, ec);
    if (ec) return 0;
    // Any bytes after the request are the first frames.
    beast::flat_buffer frames;
    for (int i = 0; i < 64; ++i) {
        ws.read(frames, ec);
        if (ec) break;
        frames.clear();
    }
    return 0;
}
