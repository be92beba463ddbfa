// One client connection over a byte stream (TCP or unix socket): reads and frames packets for its
// ClientConnection, and is that connection's Outlet.
// Threading: reads, timers and writes run on the owning worker's io_context. send() and close()
// may be called from any thread: they append under a small mutex and post one flush per batch, so
// a publisher delivering many messages to this client wakes its worker once, not per message.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "broker/client_connection.h"
#include "broker/outlet.h"
#include "server/transport.h"
#include "server/watchdog.h"
#include "server/write_batch.h"

namespace lampi::server {

class ConnectionRegistry;

// Limits and hooks a listener hands to each of its connections.
struct ConnectionContext {
    broker::Broker* broker = nullptr;
    std::shared_ptr<const broker::ListenerPolicy> policy;
    ConnectionRegistry* registry = nullptr;
    std::atomic<int>* listener_connections = nullptr;  // decremented when the connection ends
    std::chrono::seconds connect_timeout{20};
    TransportSetup transport;
};

class ConnectionBase : public broker::Outlet {
  public:
    // Asks the client to leave (v5: DISCONNECT with `reason`); safe from any thread.
    virtual void shut_down(std::uint8_t reason) = 0;
};

// Transport: PlainTransport<Socket>, TlsTransport or WsTransport<Next> (transport.h).
template <class Transport>
class StreamConnection final : public ConnectionBase,
                               public Watched,
                               public DirectFlush,
                               public std::enable_shared_from_this<StreamConnection<Transport>> {
  public:
    template <class Socket>
    StreamConnection(Socket socket, std::shared_ptr<const ConnectionContext> context,
                     std::string peer)
        // `context` is copied, not moved: the order in which arguments are evaluated is
        // unspecified, and the transport reads it.
        : StreamConnection(Transport(std::move(socket), context->transport), context,
                           std::move(peer), 0) {}
    ~StreamConnection() override;

    void start();

    void send(std::string_view bytes) override;
    std::size_t pending_bytes() const override { return pending_.load(std::memory_order_relaxed); }
    void close() override;
    std::weak_ptr<broker::Outlet> weak_outlet() override { return this->weak_from_this(); }
    void shut_down(std::uint8_t reason) override;

  private:
    StreamConnection(Transport transport, std::shared_ptr<const ConnectionContext> context,
                     std::string peer, int);
    void read_more();
    void on_read(const boost::system::error_code& ec, std::size_t n);
    void on_readable(const boost::system::error_code& ec);
    // Handles the complete packets of `chunk` (after what in_ holds) and keeps the rest in in_.
    bool take_input(std::span<const std::uint8_t> chunk);
    void note_received(std::size_t n);
    // Reads on, unless a subscriber this connection published to must drain first.
    void continue_reading();
    void end_of_stream();
    // Closes the connection at the CONNECT deadline or after 1.5 keep alives of silence.
    bool check_deadline(broker::TimePoint now) override;
    // Frames and handles the complete packets at the front of `data`; returns the bytes used.
    std::size_t consume_input(std::span<const std::uint8_t> data, broker::TimePoint now);
    // Waits while a subscriber this connection published to is above its high water mark.
    boost::asio::awaitable<void> wait_for_congested_target();
    void flush();
    void flush_direct() override;
    void on_written(const boost::system::error_code& ec, std::size_t n);
    void finish_close();
    // Plain sockets end with a lingering close: FIN after the last packet, then input is read and
    // dropped until the peer closes or a short deadline. Closing a socket that still receives makes
    // the kernel answer with a reset, which fails the writes a client has in flight (PUBRELs for
    // the PUBRECs before a DISCONNECT) and can destroy the DISCONNECT or CONNACK just sent.
    void linger_close();
    void drain_input();
    void on_drain_readable(const boost::system::error_code& ec);
    void end_linger();
    void release_listener_slot();

    Transport transport_;
    // Shared by the listener's connections (a reload makes a new one for new connections).
    std::shared_ptr<const ConnectionContext> context_;
    broker::ClientConnection client_;
    // Plain sockets: only an incomplete packet; others: the read buffer (in_begin_..in_end_).
    std::vector<std::uint8_t> in_;
    std::size_t in_begin_ = 0;
    std::size_t in_end_ = 0;
    broker::TimePoint accepted_at_;
    broker::TimePoint last_received_;
    std::weak_ptr<broker::Outlet> stalled_target_;  // gave up waiting for it once

    std::mutex out_mutex_;
    std::string out_;      // appended by send(), under out_mutex_
    std::string writing_;  // owned by the write in progress
    bool write_active_ = false;
    bool flush_posted_ = false;
    bool close_requested_ = false;
    bool closed_ = false;
    std::atomic<std::size_t> pending_{0};
    // Worker thread only.
    bool lingering_ = false;
    bool slot_released_ = false;  // the listener's max_connections count
    broker::TimePoint linger_until_{};
    std::unique_ptr<boost::asio::steady_timer> linger_timer_;  // only while lingering
};

using TcpConnection = StreamConnection<PlainTransport<WorkerTcpSocket>>;
using UnixConnection = StreamConnection<PlainTransport<WorkerUnixSocket>>;
using TlsConnection = StreamConnection<TlsTransport>;

// The live connections of the process, for shutdown. Thread-safe.
class ConnectionRegistry {
  public:
    void add(const std::shared_ptr<ConnectionBase>& c);
    void remove(const ConnectionBase* c);
    void shut_down_all(std::uint8_t reason);
    std::size_t size() const;

  private:
    mutable std::mutex mutex_;
    std::unordered_map<const ConnectionBase*, std::weak_ptr<ConnectionBase>> connections_;
};

}  // namespace lampi::server
