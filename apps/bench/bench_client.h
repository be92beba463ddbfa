// BenchClient: one benchmark connection (publisher, subscriber or idle) that drives a sans-I/O
// client::Session over its own Asio socket (TCP or TLS).
//
// Why not client::Connection: a load generator needs write-completion backpressure (a QoS 0
// publisher frames the next batch only when the previous write finished, so nothing queues
// without bound), many PUBLISHes framed into one write, and one receive timestamp per read
// batch. Connection hides its write loop and wakes it with a timer cancel per publish(), so it
// offers none of these. The Session does the MQTT work (CONNECT, SUBSCRIBE, keepalive, QoS 1/2
// publishing, QoS 2 receiving) except on two hot paths where its per-message mqtt::Publish /
// mqtt::Properties cost would make the tool, not the broker, the bottleneck: QoS 0 PUBLISHes are
// framed straight into the write buffer (a QoS 0 publish has no session state), and QoS 0/1
// deliveries are read in place by InboundSplitter (see inbound.h).
//
// Threading: each client belongs to one io_context (one worker thread); all methods except the
// atomic counters run on that thread. RunShared is shared by all clients and the main thread.
#pragma once

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bench/histogram.h"
#include "bench/inbound.h"
#include "bench/ledger.h"
#include "client/session.h"

namespace lampi::bench {

std::int64_t steady_ns();

// State shared by every client of a run and the main thread.
struct RunShared {
    std::uint32_t nonce = 0;
    boost::asio::ip::tcp::endpoint endpoint;
    std::string host;                             // for TLS SNI and verification
    boost::asio::ip::tcp::endpoint sub_endpoint;  // subscribers' broker (often the same)
    std::string sub_host;
    std::shared_ptr<boost::asio::ssl::context> tls;  // set for TLS runs
    bool verify_host = true;
    std::atomic<bool> stop_publishing{false};
    std::atomic<unsigned> ready{0};
    std::atomic<unsigned> failed{0};
    std::atomic<unsigned> errors{0};  // ready connections that failed or were closed later
    std::atomic<unsigned> pubs_done{0};
    std::atomic<std::int64_t> last_pub_done_ns{0};
    std::function<void()> handshake_finished;  // a handshake ended (ready or failed)

    void note_error(const std::string& what);
    std::string first_error();

  private:
    std::mutex mutex_;
    std::string first_error_;
};

struct ClientSpec {
    enum class Role { Publisher, Subscriber, Idle };
    Role role = Role::Idle;
    std::uint32_t index = 0;  // publisher index (publishers) or client number
    client::SessionOptions session;
    std::string topic;  // publish topic, or the subscription filter
    int qos = 0;
    // Publishers.
    std::uint64_t count = 0;
    double rate = 0;
    std::size_t size = 64;
    unsigned inflight = 20;
    // Subscribers: the publishers they should hear from.
    std::uint32_t first_publisher = 0;
    std::uint32_t publishers = 0;
};

class BenchClient {
  public:
    BenchClient(boost::asio::io_context& io, RunShared& shared, ClientSpec spec);
    BenchClient(const BenchClient&) = delete;
    BenchClient& operator=(const BenchClient&) = delete;

    // All of these run on the client's io_context thread.
    void start();
    void start_publishing(std::int64_t t0_ns);
    void stop_publishing();
    void tick(client::TimePoint now);  // keepalive
    void close();

    boost::asio::io_context& io() { return io_; }
    const ClientSpec& spec() const { return spec_; }

    // Live counters, readable from any thread.
    std::uint64_t sent() const { return sent_count_.load(std::memory_order_relaxed); }
    std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }
    std::int64_t last_receive_ns() const { return last_rx_ns_.load(std::memory_order_relaxed); }

    // Read only after the worker threads stopped.
    const SubscriberLedger* ledger() const { return ledger_ ? &*ledger_ : nullptr; }
    const LatencyHistogram* histogram() const { return histogram_.get(); }
    std::uint64_t foreign() const { return foreign_; }
    std::uint64_t stray() const { return stray_; }
    std::uint64_t short_payloads() const { return short_; }
    bool ready() const { return ready_; }
    bool dropped() const { return dropped_; }

  private:
    using Socket = boost::asio::ip::tcp::socket;
    using TlsStream = boost::asio::ssl::stream<Socket>;

    template <class F>
    void with_stream(F&& f) {
        if (tls_) {
            f(*tls_);
        } else {
            f(socket_);
        }
    }
    Socket& lowest_socket() { return tls_ ? tls_->next_layer() : socket_; }

    void on_transport_up();
    void read();
    void on_read(const boost::system::error_code& ec, std::size_t n);
    void handle_events(std::int64_t now_ns);
    void on_message(std::span<const std::uint8_t> payload, std::int64_t now_ns);
    void frame_qos0(std::int64_t now_ns);
    void fill();
    void arm_pacing(std::int64_t at_ns);
    void finish_publishing();
    void flush();
    void mark_ready();
    void fail(const std::string& what);

    boost::asio::io_context& io_;
    RunShared& shared_;
    ClientSpec spec_;
    client::Session session_;
    Socket socket_;
    std::unique_ptr<TlsStream> tls_;
    boost::asio::steady_timer pacing_timer_;
    std::vector<std::uint8_t> read_buffer_;
    std::string write_buffer_;
    std::string payload_;
    InboundSplitter splitter_;
    std::string acks_;            // PUBACKs for fast-path QoS 1 deliveries
    std::string direct_out_;      // fast-path QoS 0 PUBLISHes
    std::string publish_prefix_;  // fixed header + topic (+ v5 empty properties) of those

    bool open_ = false;
    bool closed_ = false;
    bool writing_ = false;
    bool ready_ = false;
    bool failed_ = false;
    bool dropped_ = false;
    bool publishing_ = false;
    bool publishing_done_ = false;
    bool pacing_armed_ = false;
    std::int64_t t0_ns_ = 0;
    std::uint64_t sent_ = 0;

    std::optional<SubscriberLedger> ledger_;
    std::unique_ptr<LatencyHistogram> histogram_;
    std::uint64_t distinct_ = 0;
    std::uint64_t foreign_ = 0;
    std::uint64_t stray_ = 0;
    std::uint64_t short_ = 0;

    std::atomic<std::uint64_t> sent_count_{0};
    std::atomic<std::uint64_t> received_{0};
    std::atomic<std::int64_t> last_rx_ns_{0};
};

}  // namespace lampi::bench
