// Transport: the one byte stream a Connection talks MQTT over — TCP, TLS, a unix socket,
// WebSocket or WebSocket over TLS — optionally reached through a SOCKS5 proxy. Internal to the
// client module. Lives on one io_context; not thread-safe. At most one read and one write at a
// time.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <tuple>

#include "client/connection.h"

namespace lampi::client {

class Transport {
  public:
    using IoResult = std::tuple<boost::system::error_code, std::size_t>;

    explicit Transport(boost::asio::io_context& io);
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    // Resolves, connects (through the proxy), and handshakes TLS / WebSocket as the options
    // say. Empty string on success, else a short message ("Connection refused").
    // `options` must outlive the stream (TLS-PSK reads the key from it).
    boost::asio::awaitable<std::string> open(const ConnectionOptions& options);
    boost::asio::awaitable<IoResult> write_all(const std::string& bytes);
    boost::asio::awaitable<IoResult> read_some(boost::asio::mutable_buffer buffer);
    // Closes the socket at once; pending operations complete with an error.
    void close();
    // Forgets the closed stream.
    void reset();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lampi::client
