#pragma once
// Template bodies of StreamConnection; instantiated in stream_connection.cpp (plain, TLS) and
// ws_connection.cpp (WebSocket), so Beast is compiled only where needed.
#include "server/stream_connection.h"
#include "server/transport_impl.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/log.h"
#include "mqtt/codec.h"

namespace lampi::server {

namespace asio = boost::asio;
using broker::Backpressure;
using broker::Clock;

namespace {
// Idle connections keep a small read buffer; a busy one grows it for fewer, larger reads.
constexpr std::size_t kInitialReadBuffer = 512;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
}  // namespace

template <class Transport>
StreamConnection<Transport>::StreamConnection(Transport transport,
                                              std::shared_ptr<const ConnectionContext> context,
                                              std::string peer, int)
    : transport_(std::move(transport)),
      context_(std::move(context)),
      peer_(std::move(peer)),
      client_(*context_->broker, *this, context_->policy, peer_),
      watchdog_(transport_.get_executor()),
      in_(kInitialReadBuffer),
      accepted_at_(Clock::now()),
      last_received_(accepted_at_) {}

template <class Transport>
StreamConnection<Transport>::~StreamConnection() {
    if (context_->listener_connections != nullptr) {
        context_->listener_connections->fetch_sub(1, std::memory_order_relaxed);
    }
}

template <class Transport>
void StreamConnection<Transport>::start() {
    auto self = this->shared_from_this();
    if (context_->registry != nullptr) context_->registry->add(self);
    asio::post(transport_.get_executor(), [self] {
        self->arm_watchdog();
        // The watchdog's CONNECT deadline also bounds the handshake: a peer that never finishes
        // its TLS or WebSocket handshake is dropped then. Plain sockets skip the coroutine.
        if constexpr (Transport::kHandshake) {
            asio::co_spawn(self->transport_.get_executor(), self->transport_.handshake(),
                           [self](std::exception_ptr, bool ok) {
                               if (!ok) {
                                   self->close();
                                   if (self->context_->registry != nullptr) {
                                       self->context_->registry->remove(self.get());
                                   }
                                   return;
                               }
                               self->client_.set_transport_identity(self->transport_.identity());
                               self->read_more();
                           });
        } else {
            self->read_more();
        }
    });
}

// Reads are callbacks, not a coroutine: an idle connection then holds no coroutine frame.
template <class Transport>
void StreamConnection<Transport>::read_more() {
    if (in_end_ == in_.size()) {
        // Make room: drop consumed bytes first, grow only for a packet that needs it.
        if (in_begin_ > 0) {
            std::copy(in_.begin() + in_begin_, in_.begin() + in_end_, in_.begin());
            in_end_ -= in_begin_;
            in_begin_ = 0;
        } else {
            in_.resize(std::min(in_.size() * 2, in_.size() + kReadChunk));
        }
    }
    transport_.async_read_some(
        asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
        [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
            self->on_read(ec, n);
        });
}

template <class Transport>
void StreamConnection<Transport>::on_read(const boost::system::error_code& ec, std::size_t n) {
    if (ec) {
        end_of_stream();
        return;
    }
    in_end_ += n;
    broker::Stats::add(context_->broker->stats().bytes_received, n);
    last_received_ = Clock::now();
    if (!consume_input(last_received_)) {
        end_of_stream();
        return;
    }
    if (Backpressure::congested_target().expired()) {
        read_more();
        return;
    }
    auto self = this->shared_from_this();
    asio::co_spawn(transport_.get_executor(), wait_for_congested_target(),
                   [self](std::exception_ptr) { self->read_more(); });
}

template <class Transport>
void StreamConnection<Transport>::end_of_stream() {
    client_.on_transport_closed(Clock::now());
    close();  // flushes what the handler queued (a CONNACK refusal, a DISCONNECT), then closes
    if (context_->registry != nullptr) context_->registry->remove(this);
}

template <class Transport>
asio::awaitable<void> StreamConnection<Transport>::wait_for_congested_target() {
    std::weak_ptr<broker::Outlet> weak = std::move(Backpressure::congested_target());
    Backpressure::congested_target().reset();
    const bool same_as_stalled =
        !stalled_target_.owner_before(weak) && !weak.owner_before(stalled_target_);
    if (same_as_stalled) {
        // This reader did not drain during a whole wait already: stop pausing for it (its QoS 0
        // beyond the hard cap is dropped) until it recovers.
        auto target = weak.lock();
        if (target && target->pending_bytes() > Backpressure::kLowWater) co_return;
        stalled_target_.reset();
    }
    asio::steady_timer pause(transport_.get_executor());
    auto delay = std::chrono::microseconds(200);
    const auto give_up = Clock::now() + std::chrono::seconds(1);
    for (;;) {
        auto target = weak.lock();
        if (!target || target->pending_bytes() <= Backpressure::kLowWater) co_return;
        if (Clock::now() >= give_up) break;
        target.reset();
        pause.expires_after(delay);
        co_await pause.async_wait(kAwait);
        delay = std::min(delay * 2, std::chrono::microseconds(20000));
    }
    stalled_target_ = weak;
}

template <class Transport>
bool StreamConnection<Transport>::consume_input(broker::TimePoint now) {
    while (in_end_ > in_begin_ && !client_.closing()) {
        std::span<const std::uint8_t> avail(in_.data() + in_begin_, in_end_ - in_begin_);
        const auto header = mqtt::parse_fixed_header(avail, client_.max_packet_size());
        if (header.status == mqtt::HeaderStatus::Error) {
            client_.on_decode_error(header.error, now);
            return !client_.closing();
        }
        if (header.status == mqtt::HeaderStatus::NeedMore) break;
        const std::size_t total = header.header.total_length();
        if (avail.size() < total) {
            // Grow only as far as this packet needs; its size already passed max_packet_size.
            if (total > in_.size() - in_begin_) in_.resize(in_begin_ + total);
            break;
        }
        auto body = avail.subspan(header.header.header_length, header.header.remaining_length);
        auto decoded =
            mqtt::decode_packet(header.header, body, client_.version(), mqtt::Side::FromClient);
        in_begin_ += total;
        if (!decoded.ok) {
            client_.on_decode_error(decoded.error, now);
            return !client_.closing();
        }
        const bool was_connected = client_.connected();
        client_.on_packet(std::move(decoded.packet), now);
        // The watchdog slept on the CONNECT deadline; wake it to use the keep alive instead.
        if (!was_connected && client_.connected()) watchdog_.cancel();
    }
    if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
    return !client_.closing();
}

// A plain timer callback rather than a coroutine: an idle connection then costs no coroutine
// frame for its watchdog.
template <class Transport>
void StreamConnection<Transport>::arm_watchdog() {
    broker::TimePoint deadline;
    if (!client_.connected()) {
        // From accept, not from the last byte: a peer dribbling bytes without ever completing
        // CONNECT is still dropped.
        deadline = accepted_at_ + context_->connect_timeout;
    } else if (client_.keep_alive() > 0) {
        // MQTT 3.1.1 3.1.2.10: one and a half times the keep alive.
        deadline = last_received_ + std::chrono::milliseconds(client_.keep_alive() * 1500);
    } else {
        return;  // no keep alive: nothing to watch
    }
    if (Clock::now() >= deadline) {
        if (client_.connected()) {
            client_.on_keepalive_timeout(Clock::now());
        } else {
            close();
        }
        return;
    }
    watchdog_.expires_at(deadline);
    watchdog_.async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
        if (ec == asio::error::operation_aborted && self->closed_) return;
        self->arm_watchdog();
    });
}

template <class Transport>
void StreamConnection<Transport>::send(std::string_view bytes) {
    std::lock_guard lock(out_mutex_);
    if (close_requested_ || closed_) return;
    out_.append(bytes);
    pending_.fetch_add(bytes.size(), std::memory_order_relaxed);
    if (!write_active_ && !flush_posted_) {
        flush_posted_ = true;
        asio::post(transport_.get_executor(), [self = this->shared_from_this()] { self->flush(); });
    }
}

template <class Transport>
void StreamConnection<Transport>::flush() {
    {
        std::lock_guard lock(out_mutex_);
        flush_posted_ = false;
        if (write_active_ || closed_) return;
        if (out_.empty()) {
            if (close_requested_) {
                closed_ = true;
            } else {
                return;
            }
        } else {
            writing_.swap(out_);
            write_active_ = true;
        }
    }
    if (!write_active_) {
        finish_close();
        return;
    }
    transport_.async_write(asio::buffer(writing_),
                      [self = this->shared_from_this()](const boost::system::error_code& ec,
                                                        std::size_t n) { self->on_written(ec, n); });
}

template <class Transport>
void StreamConnection<Transport>::on_written(const boost::system::error_code& ec, std::size_t n) {
    bool again = false;
    bool do_close = false;
    {
        std::lock_guard lock(out_mutex_);
        pending_.fetch_sub(std::min(n, pending_.load()), std::memory_order_relaxed);
        writing_.clear();
        write_active_ = false;
        if (ec) {
            closed_ = true;
            do_close = true;
        } else if (!out_.empty()) {
            again = true;
        } else if (close_requested_) {
            closed_ = true;
            do_close = true;
        }
        // Give back memory a burst made us take, so idle connections stay small.
        if (writing_.capacity() > 4 * kReadChunk) std::string().swap(writing_);
    }
    if (again) {
        flush();
    } else if (do_close) {
        finish_close();
    }
}

template <class Transport>
void StreamConnection<Transport>::close() {
    std::lock_guard lock(out_mutex_);
    if (close_requested_) return;
    close_requested_ = true;
    if (!write_active_ && !flush_posted_) {
        flush_posted_ = true;
        asio::post(transport_.get_executor(), [self = this->shared_from_this()] { self->flush(); });
    }
}

template <class Transport>
void StreamConnection<Transport>::shut_down(std::uint8_t reason) {
    asio::post(transport_.get_executor(),
               [self = this->shared_from_this(), reason] { self->client_.kick(reason); });
}

template <class Transport>
void StreamConnection<Transport>::finish_close() {
    {
        std::lock_guard lock(out_mutex_);
        closed_ = true;
    }
    transport_.close();
    watchdog_.cancel();
}

}  // namespace lampi::server
