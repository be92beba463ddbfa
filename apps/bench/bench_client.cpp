#include "bench/bench_client.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <cmath>
#include <span>
#include <variant>

#include "bench/payload.h"
#include "mqtt/codec.h"

namespace lampi::bench {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// A QoS 0 publisher frames at most this many payload bytes per write: large enough to amortise
// the syscall, small enough that the broker's socket buffer keeps draining it.
constexpr std::size_t kBatchBytes = 64 * 1024;

}  // namespace

std::int64_t steady_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void RunShared::note_error(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (first_error_.empty()) first_error_ = what;
}

std::string RunShared::first_error() {
    std::lock_guard lock(mutex_);
    return first_error_;
}

BenchClient::BenchClient(asio::io_context& io, RunShared& shared, ClientSpec spec)
    : io_(io),
      shared_(shared),
      spec_(std::move(spec)),
      session_(spec_.session),
      socket_(io),
      pacing_timer_(io),
      splitter_(mqtt::is_v5(spec_.session.version)) {
    const bool subscriber = spec_.role == ClientSpec::Role::Subscriber;
    read_buffer_.resize(subscriber ? 64 * 1024 : 2048);
    if (subscriber) {
        ledger_.emplace(spec_.first_publisher, spec_.publishers, spec_.count);
        histogram_ = std::make_unique<LatencyHistogram>();
    }
    if (spec_.role == ClientSpec::Role::Publisher) {
        payload_.assign(spec_.size, 'x');
        // MQTT 3.3.1: PUBLISH, QoS 0, then remaining length, topic, (v5) properties, payload.
        const bool v5 = mqtt::is_v5(spec_.session.version);
        const std::size_t remaining = 2 + spec_.topic.size() + (v5 ? 1 : 0) + spec_.size;
        publish_prefix_ += static_cast<char>(0x30);
        mqtt::append_variable_int(publish_prefix_, static_cast<std::uint32_t>(remaining));
        publish_prefix_ += static_cast<char>(spec_.topic.size() >> 8);
        publish_prefix_ += static_cast<char>(spec_.topic.size() & 0xFF);
        publish_prefix_ += spec_.topic;
        if (v5) publish_prefix_ += '\0';
    }
}

void BenchClient::start() {
    const bool sub = spec_.role == ClientSpec::Role::Subscriber;
    const std::string& host = sub ? shared_.sub_host : shared_.host;
    if (shared_.tls) {
        tls_ = std::make_unique<TlsStream>(io_, *shared_.tls);
        SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str());
        if (shared_.verify_host) {
            tls_->set_verify_callback(asio::ssl::host_name_verification(host));
        }
    }
    const auto& endpoint = sub ? shared_.sub_endpoint : shared_.endpoint;
    lowest_socket().async_connect(endpoint, [this](const error_code& ec) {
        if (ec) return fail("connect: " + ec.message());
        error_code ignored;
        lowest_socket().set_option(asio::ip::tcp::no_delay(true), ignored);
        if (!tls_) return on_transport_up();
        tls_->async_handshake(asio::ssl::stream_base::client, [this](const error_code& hec) {
            if (hec) return fail("TLS handshake: " + hec.message());
            on_transport_up();
        });
    });
}

void BenchClient::on_transport_up() {
    open_ = true;
    session_.connect(client::Clock::now());
    flush();
    read();
}

void BenchClient::read() {
    with_stream([this](auto& stream) {
        stream.async_read_some(asio::buffer(read_buffer_),
                               [this](const error_code& ec, std::size_t n) { on_read(ec, n); });
    });
}

void BenchClient::on_read(const error_code& ec, std::size_t n) {
    if (closed_) return;
    if (ec) {
        return fail(ec == asio::error::eof ? std::string("connection closed by the broker")
                                           : "read: " + ec.message());
    }
    // One receive timestamp per read batch (as mqbench does).
    const auto now = client::Clock::now();
    const std::int64_t now_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    const bool ok = splitter_.feed(
        std::span<const std::uint8_t>(read_buffer_.data(), n),
        [this, now_ns](const InboundSplitter::Delivery& d) {
            on_message(d.payload, now_ns);
            if (d.qos == 1) append_puback(acks_, d.packet_id);
        },
        [this, now](std::span<const std::uint8_t> other) { session_.on_bytes(other, now); });
    if (!ok) return fail("malformed packet from the broker");
    handle_events(now_ns);
    if (closed_) return;
    flush();
    read();
}

void BenchClient::handle_events(std::int64_t now_ns) {
    for (const client::Event& e : session_.take_events()) {
        if (const auto* m = std::get_if<client::event::Message>(&e)) {
            const std::string& p = m->publish.payload;
            on_message(std::span<const std::uint8_t>(
                           reinterpret_cast<const std::uint8_t*>(p.data()), p.size()),
                       now_ns);
        } else if (std::holds_alternative<client::event::Published>(e)) {
            if (publishing_) fill();
        } else if (const auto* c = std::get_if<client::event::Connected>(&e)) {
            if (c->reason_code != 0) {
                return fail("CONNACK refused, code " + std::to_string(c->reason_code));
            }
            if (spec_.role == ClientSpec::Role::Publisher) {
                mark_ready();
            } else {
                mqtt::Subscription s{spec_.topic, {}};
                s.options.qos = static_cast<std::uint8_t>(spec_.qos);
                session_.subscribe({std::move(s)});
            }
        } else if (const auto* s = std::get_if<client::event::Subscribed>(&e)) {
            for (std::uint8_t code : s->reason_codes) {
                if (code >= 0x80) return fail("SUBACK refused, code " + std::to_string(code));
            }
            mark_ready();
        } else if (const auto* d = std::get_if<client::event::Disconnected>(&e)) {
            return fail("disconnected: " +
                        (d->message.empty() ? std::to_string(d->reason_code) : d->message));
        }
    }
}

void BenchClient::on_message(std::span<const std::uint8_t> payload, std::int64_t now_ns) {
    const auto header = decode_payload_header(payload);
    if (!header || !ledger_) {
        ++short_;
        return;
    }
    if (header->nonce != shared_.nonce) {
        ++foreign_;
        return;
    }
    switch (ledger_->record(header->publisher, header->sequence)) {
        case SubscriberLedger::Outcome::New: {
            const auto send = static_cast<std::int64_t>(header->send_ns);
            histogram_->record(now_ns > send ? static_cast<std::uint64_t>(now_ns - send) : 0);
            received_.store(++distinct_, std::memory_order_relaxed);
            last_rx_ns_.store(now_ns, std::memory_order_relaxed);
            break;
        }
        case SubscriberLedger::Outcome::Duplicate:
            break;
        case SubscriberLedger::Outcome::Stray:
            ++stray_;
            break;
    }
}

void BenchClient::start_publishing(std::int64_t t0_ns) {
    if (!ready_ || closed_) return finish_publishing();
    t0_ns_ = t0_ns;
    publishing_ = true;
    fill();
}

void BenchClient::stop_publishing() { finish_publishing(); }

// Frames as many PUBLISHes as the pacing, the QoS 1/2 window and the batch size allow, all
// stamped with one send time, then writes them in one go.
void BenchClient::fill() {
    if (!publishing_ || closed_) return;
    if (shared_.stop_publishing.load(std::memory_order_relaxed)) return finish_publishing();
    const std::int64_t now_ns = steady_ns();
    std::uint64_t allowance = spec_.count - sent_;
    if (spec_.rate > 0) {
        const double elapsed = static_cast<double>(now_ns - t0_ns_) / 1e9;
        const auto due = static_cast<std::uint64_t>(elapsed * spec_.rate) + 1;
        allowance = std::min(allowance, due > sent_ ? due - sent_ : 0);
        if (allowance == 0) {
            return arm_pacing(
                t0_ns_ + static_cast<std::int64_t>(static_cast<double>(sent_) / spec_.rate * 1e9));
        }
    }
    if (spec_.qos > 0) {
        const std::size_t busy = session_.inflight_count() + session_.queued_count();
        allowance =
            std::min<std::uint64_t>(allowance, busy < spec_.inflight ? spec_.inflight - busy : 0);
    } else if (writing_) {
        return;  // the write completion calls fill() again: backpressure from the socket
    }
    allowance =
        std::min<std::uint64_t>(allowance, std::max<std::size_t>(1, kBatchBytes / spec_.size));
    if (spec_.qos == 0) {
        for (std::uint64_t i = 0; i < allowance; ++i) frame_qos0(now_ns);
    } else {
        auto* bytes = reinterpret_cast<std::uint8_t*>(payload_.data());
        for (std::uint64_t i = 0; i < allowance; ++i) {
            encode_payload_header({shared_.nonce, spec_.index, static_cast<std::uint32_t>(sent_),
                                   static_cast<std::uint64_t>(now_ns)},
                                  std::span<std::uint8_t>(bytes, payload_.size()));
            mqtt::Publish p;
            p.topic = spec_.topic;
            p.payload = payload_;
            p.qos = static_cast<std::uint8_t>(spec_.qos);
            session_.publish(std::move(p));
            ++sent_;
        }
    }
    sent_count_.store(sent_, std::memory_order_relaxed);
    if (sent_ >= spec_.count) finish_publishing();
    flush();
}

void BenchClient::frame_qos0(std::int64_t now_ns) {
    direct_out_ += publish_prefix_;
    const std::size_t at = direct_out_.size();
    direct_out_ += payload_;
    encode_payload_header(
        {shared_.nonce, spec_.index, static_cast<std::uint32_t>(sent_),
         static_cast<std::uint64_t>(now_ns)},
        std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(direct_out_.data() + at),
                                spec_.size));
    ++sent_;
}

void BenchClient::arm_pacing(std::int64_t at_ns) {
    if (pacing_armed_) return;
    pacing_armed_ = true;
    pacing_timer_.expires_at(client::TimePoint(std::chrono::nanoseconds(at_ns)));
    pacing_timer_.async_wait([this](const error_code& ec) {
        pacing_armed_ = false;
        if (!ec) fill();
    });
}

void BenchClient::finish_publishing() {
    if (spec_.role != ClientSpec::Role::Publisher || publishing_done_) return;
    publishing_done_ = true;
    publishing_ = false;
    const std::int64_t now = steady_ns();
    std::int64_t last = shared_.last_pub_done_ns.load();
    while (last < now && !shared_.last_pub_done_ns.compare_exchange_weak(last, now)) {
    }
    shared_.pubs_done.fetch_add(1);
}

void BenchClient::flush() {
    if (writing_ || !open_ || closed_) return;
    if (!session_.has_output() && acks_.empty() && direct_out_.empty()) return;
    write_buffer_.clear();
    if (session_.has_output()) write_buffer_ += session_.take_output();
    write_buffer_ += acks_;
    acks_.clear();
    write_buffer_ += direct_out_;
    direct_out_.clear();
    writing_ = true;
    with_stream([this](auto& stream) {
        asio::async_write(stream, asio::buffer(write_buffer_),
                          [this](const error_code& ec, std::size_t) {
                              writing_ = false;
                              if (closed_) return;
                              if (ec) return fail("write: " + ec.message());
                              if (publishing_ && spec_.qos == 0) fill();
                              flush();
                          });
    });
}

void BenchClient::tick(client::TimePoint now) {
    if (!open_ || closed_) return;
    session_.on_tick(now);
    handle_events(steady_ns());
    flush();
}

void BenchClient::mark_ready() {
    if (ready_) return;
    ready_ = true;
    shared_.ready.fetch_add(1);
    if (shared_.handshake_finished) shared_.handshake_finished();
}

void BenchClient::fail(const std::string& what) {
    if (closed_) return;
    if (ready_) {
        dropped_ = true;
        shared_.errors.fetch_add(1);
        shared_.note_error(what);
    } else if (!failed_) {
        failed_ = true;
        shared_.note_error(what);
        shared_.failed.fetch_add(1);
        if (shared_.handshake_finished) shared_.handshake_finished();
    }
    if (publishing_) finish_publishing();
    close();
}

void BenchClient::close() {
    if (closed_) return;
    closed_ = true;
    open_ = false;
    pacing_timer_.cancel();
    error_code ignored;
    lowest_socket().close(ignored);
}

}  // namespace lampi::bench
