// Transports a StreamConnection runs over: plain sockets (TCP, unix), TLS, and WebSocket (over
// either). Each offers the same small surface: handshake, read_some, write, close, identity.
// A transport is used only on its connection's worker thread.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <optional>
#include <string>

namespace lampi::server {

// Sockets bound to their worker's io_context by type: their executor is a pointer, not an
// any_io_executor, which keeps every connection and each of its pending operations smaller.
using WorkerTcpSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;
using WorkerUnixSocket = boost::asio::basic_stream_socket<boost::asio::local::stream_protocol,
                                                          boost::asio::io_context::executor_type>;

// Per-listener facts a handshake needs.
struct TransportSetup {
    std::shared_ptr<boost::asio::ssl::context> tls;  // set for TLS listeners
    bool use_subject_as_username = false;            // else the certificate's CN
    bool psk = false;  // a PSK listener: the identity is the PSK identity, never a certificate's
    std::string http_dir;  // WebSocket listeners: static files
};

template <class Socket>
class PlainTransport {
  public:
    static constexpr bool kHandshake = false;
    // Idle plain sockets hold no read buffer: the connection waits for readability and then
    // reads into a per-thread buffer (TLS and WebSocket streams buffer internally, so they can't).
    static constexpr bool kWaitReadable = true;
    PlainTransport(Socket socket, const TransportSetup&) : socket_(std::move(socket)) {
        boost::system::error_code ignored;
        socket_.non_blocking(true, ignored);
    }
    auto get_executor() { return socket_.get_executor(); }
    boost::asio::awaitable<bool> handshake() { co_return true; }
    template <class Buffer, class Token>
    auto async_read_some(const Buffer& b, Token&& t) {
        return socket_.async_read_some(b, std::forward<Token>(t));
    }
    template <class Handler>
    void async_wait_readable(Handler&& h) {
        socket_.async_wait(Socket::wait_read, std::forward<Handler>(h));
    }
    // Non-blocking: would_block when nothing is there.
    std::size_t read_some_now(boost::asio::mutable_buffer b, boost::system::error_code& ec) {
        return socket_.read_some(b, ec);
    }
    // For writes from other threads (WriteBatch); valid until close().
    int native_fd() { return socket_.native_handle(); }
    template <class Buffer, class Handler>
    void async_write(const Buffer& b, Handler&& h);
    void close();
    // Sends FIN after what is queued, keeping the socket open for reading.
    void shutdown_send() {
        boost::system::error_code ignored;
        socket_.shutdown(Socket::shutdown_send, ignored);
    }
    // Ends the pending wait (its handler sees operation_aborted).
    void cancel() {
        boost::system::error_code ignored;
        socket_.cancel(ignored);
    }
    std::optional<std::string> identity() const { return std::nullopt; }

  private:
    Socket socket_;
};

class TlsTransport {
  public:
    using Stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
    static constexpr bool kHandshake = true;
    static constexpr bool kWaitReadable = false;
    TlsTransport(boost::asio::ip::tcp::socket socket, const TransportSetup& setup);
    auto get_executor() { return stream_.get_executor(); }
    boost::asio::awaitable<bool> handshake();
    template <class Buffer, class Token>
    auto async_read_some(const Buffer& b, Token&& t) {
        return stream_.async_read_some(b, std::forward<Token>(t));
    }
    template <class Buffer, class Handler>
    void async_write(const Buffer& b, Handler&& h);
    void close();
    // On a PSK listener the PSK identity the client proved; else the client certificate's CN
    // (or whole subject), when one was presented and verified.
    std::optional<std::string> identity() const { return identity_; }
    Stream& stream() { return stream_; }

  private:
    Stream stream_;
    bool use_subject_;
    bool psk_;
    std::optional<std::string> identity_;
};

// Reads the subject (or its CN) of the verified peer certificate of `ssl`.
std::optional<std::string> peer_certificate_name(SSL* ssl, bool whole_subject);

}  // namespace lampi::server
