#pragma once
// Template bodies of StreamConnection; instantiated in stream_connection.cpp (plain, TLS) and
// ws_connection.cpp (WebSocket), so Beast is compiled only where needed.
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/await.h"
#include "base/log.h"
#include "mqtt/codec.h"
#include "server/exact_allocator.h"
#include "server/stream_connection.h"
#include "server/transport_impl.h"

namespace lampi::server {

namespace asio = boost::asio;
using broker::Backpressure;
using broker::Clock;

namespace {
// Idle connections keep a small read buffer; a busy one grows it for fewer, larger reads.
constexpr std::size_t kInitialReadBuffer = 512;
constexpr std::size_t kReadChunk = 64 * 1024;
// How long a lingering close reads on for the peer's own close.
constexpr auto kLingerTime = std::chrono::seconds(2);
}  // namespace

template <class Transport>
StreamConnection<Transport>::StreamConnection(Transport transport,
                                              std::shared_ptr<const ConnectionContext> context,
                                              std::string peer, int)
    : transport_(std::move(transport)),
      context_(std::move(context)),
      client_(*context_->broker, *this, context_->policy, std::move(peer)),
      accepted_at_(Clock::now()),
      last_received_(accepted_at_) {}

template <class Transport>
StreamConnection<Transport>::~StreamConnection() {
    release_listener_slot();
}

// A lingering socket is no longer a client: max_connections counts it out when the close starts.
template <class Transport>
void StreamConnection<Transport>::release_listener_slot() {
    if (slot_released_ || context_->listener_connections == nullptr) return;
    slot_released_ = true;
    context_->listener_connections->fetch_sub(1, std::memory_order_relaxed);
}

template <class Transport>
void StreamConnection<Transport>::start() {
    auto self = this->shared_from_this();
    if (context_->registry != nullptr) context_->registry->add(self);
    asio::post(transport_.get_executor(), [self] {
        WorkerWatchdog::watch(self, self->transport_.get_executor());
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
    if constexpr (Transport::kWaitReadable) {
        // This op lives as long as the connection is idle: allocated at its own size.
        transport_.async_wait_readable(asio::bind_allocator(
            ExactAllocator<void>(),
            [self = this->shared_from_this()](const boost::system::error_code& ec) {
                self->on_readable(ec);
            }));
        return;
    }
    if (in_.empty()) in_.resize(kInitialReadBuffer);
    if (in_end_ == in_.size()) {
        // Make room: drop consumed bytes first, then grow.
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
    note_received(n);
    {
        WriteBatch batch;
        in_begin_ += consume_input({in_.data() + in_begin_, in_end_ - in_begin_}, last_received_);
    }
    if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
    if (client_.closing()) {
        end_of_stream();
        return;
    }
    continue_reading();
}

// One read per wake-up into the thread's scratch buffer; only a partial packet is kept, in in_.
// A read that fills the buffer may leave data behind: the socket is edge-triggered, so the next
// read is posted rather than waited for.
template <class Transport>
void StreamConnection<Transport>::on_readable(const boost::system::error_code& ec) {
    if constexpr (Transport::kWaitReadable) {  // explicit instantiation compiles every member
        if (ec || lingering_) {                // what arrives now is linger_close's to drop
            end_of_stream();
            return;
        }
        static thread_local std::vector<std::uint8_t> scratch(kReadChunk);
        boost::system::error_code read_ec;
        const std::size_t n = transport_.read_some_now(asio::buffer(scratch), read_ec);
        if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
            read_more();
            return;
        }
        bool ok = !read_ec;
        if (ok) {
            WriteBatch batch;
            ok = take_input({scratch.data(), n});
        }
        if (!ok) {
            end_of_stream();
            return;
        }
        if (n < scratch.size()) {
            continue_reading();
            return;
        }
        asio::post(transport_.get_executor(),
                   [self = this->shared_from_this()] { self->on_readable({}); });
    }
}

template <class Transport>
bool StreamConnection<Transport>::take_input(std::span<const std::uint8_t> chunk) {
    note_received(chunk.size());
    if (in_.empty()) {
        const std::size_t used = consume_input(chunk, last_received_);
        in_.assign(chunk.begin() + used, chunk.end());
    } else {
        in_.insert(in_.end(), chunk.begin(), chunk.end());
        const std::size_t used = consume_input(in_, last_received_);
        in_.erase(in_.begin(), in_.begin() + used);
    }
    if (in_.empty()) std::vector<std::uint8_t>().swap(in_);  // idle: hold no buffer
    return !client_.closing();
}

template <class Transport>
void StreamConnection<Transport>::note_received(std::size_t n) {
    broker::Stats::add(context_->broker->stats().bytes_received, n);
    last_received_ = Clock::now();
}

template <class Transport>
void StreamConnection<Transport>::continue_reading() {
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
std::size_t StreamConnection<Transport>::consume_input(std::span<const std::uint8_t> data,
                                                       broker::TimePoint now) {
    std::size_t used = 0;
    while (used < data.size() && !client_.closing()) {
        auto avail = data.subspan(used);
        const auto header = mqtt::parse_fixed_header(avail, client_.max_packet_size());
        if (header.status == mqtt::HeaderStatus::Error) {
            client_.on_decode_error(header.error, now);
            break;
        }
        if (header.status == mqtt::HeaderStatus::NeedMore) break;
        const std::size_t total = header.header.total_length();
        if (avail.size() < total) break;
        auto body = avail.subspan(header.header.header_length, header.header.remaining_length);
        auto decoded =
            mqtt::decode_packet(header.header, body, client_.version(), mqtt::Side::FromClient);
        used += total;
        if (!decoded.ok) {
            client_.on_decode_error(decoded.error, now);
            break;
        }
        client_.on_packet(std::move(decoded.packet), now);
    }
    return used;
}

template <class Transport>
bool StreamConnection<Transport>::check_deadline(broker::TimePoint now) {
    {
        std::lock_guard lock(out_mutex_);
        if (closed_) return false;
    }
    broker::TimePoint deadline;
    if (!client_.connected()) {
        // From accept, not from the last byte: a peer dribbling bytes without ever completing
        // CONNECT is still dropped.
        deadline = accepted_at_ + context_->connect_timeout;
    } else if (client_.keep_alive() > 0) {
        // MQTT 3.1.1 3.1.2.10: one and a half times the keep alive.
        deadline = last_received_ + std::chrono::milliseconds(client_.keep_alive() * 1500);
    } else {
        return true;  // no keep alive: nothing to watch yet
    }
    if (now < deadline) return true;
    if (client_.connected()) {
        client_.on_keepalive_timeout(now);
    } else {
        close();
    }
    return true;
}

template <class Transport>
void StreamConnection<Transport>::send(std::string_view bytes) {
    std::lock_guard lock(out_mutex_);
    if (close_requested_ || closed_) return;
    out_.append(bytes);
    pending_.fetch_add(bytes.size(), std::memory_order_relaxed);
    if (!write_active_ && !flush_posted_) {
        flush_posted_ = true;
        if constexpr (Transport::kWaitReadable) {
            if (auto* batch = WriteBatch::current()) {
                batch->defer(this->shared_from_this());
                return;
            }
        }
        asio::post(transport_.get_executor(), [self = this->shared_from_this()] { self->flush(); });
    }
}

template <class Transport>
void StreamConnection<Transport>::flush_direct() {
    if constexpr (Transport::kWaitReadable) {
        std::lock_guard lock(out_mutex_);
        // The fd stays open while closed_ is false: finish_close sets it under this mutex first.
        if (write_active_ || closed_) {
            flush_posted_ = false;  // on_written (or nobody) takes over what is queued
            return;
        }
        if (!out_.empty()) {
            const ssize_t n = ::send(transport_.native_fd(), out_.data(), out_.size(),
                                     MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                out_.erase(0, static_cast<std::size_t>(n));
                pending_.fetch_sub(static_cast<std::size_t>(n), std::memory_order_relaxed);
            }
        }
        if (out_.empty() && !close_requested_) {
            flush_posted_ = false;
            return;
        }
        // The socket is full, failed, or a close is due: the owner's worker finishes the job.
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
    transport_.async_write(asio::buffer(writing_), [self = this->shared_from_this()](
                                                       const boost::system::error_code& ec,
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
    if constexpr (Transport::kWaitReadable) {
        linger_close();
    } else {
        transport_.close();
    }
}

template <class Transport>
void StreamConnection<Transport>::linger_close() {
    if constexpr (Transport::kWaitReadable) {  // explicit instantiation compiles every member
        if (lingering_) return;
        lingering_ = true;
        release_listener_slot();
        transport_.shutdown_send();
        transport_.cancel();  // a read wait still pending ends the client as a close always did
        linger_until_ = Clock::now() + kLingerTime;
        linger_timer_ = std::make_unique<asio::steady_timer>(transport_.get_executor());
        linger_timer_->expires_at(linger_until_);
        linger_timer_->async_wait(
            [self = this->shared_from_this()](const boost::system::error_code& ec) {
                if (!ec) self->end_linger();
            });
        drain_input();
    }
}

template <class Transport>
void StreamConnection<Transport>::drain_input() {
    if constexpr (Transport::kWaitReadable) {
        transport_.async_wait_readable(
            [self = this->shared_from_this()](const boost::system::error_code& ec) {
                self->on_drain_readable(ec);
            });
    }
}

template <class Transport>
void StreamConnection<Transport>::on_drain_readable(const boost::system::error_code& ec) {
    if constexpr (Transport::kWaitReadable) {
        if (ec) {
            end_linger();
            return;
        }
        // One read per wake-up, as on_readable: a peer that floods does not hold the worker.
        static thread_local std::vector<std::uint8_t> scratch(kReadChunk);
        boost::system::error_code read_ec;
        const std::size_t n = transport_.read_some_now(asio::buffer(scratch), read_ec);
        if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
            drain_input();
            return;
        }
        // End of stream, an error, or a peer still sending at the deadline.
        if (read_ec || Clock::now() >= linger_until_) {
            end_linger();
            return;
        }
        if (n < scratch.size()) {
            drain_input();
            return;
        }
        asio::post(transport_.get_executor(),
                   [self = this->shared_from_this()] { self->on_drain_readable({}); });
    }
}

template <class Transport>
void StreamConnection<Transport>::end_linger() {
    if (linger_timer_) linger_timer_->cancel();
    transport_.close();
}

}  // namespace lampi::server
