#include "client/connection.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "base/await.h"
#include "client/transport.h"

namespace lampi::client {

namespace asio = boost::asio;

namespace {}  // namespace

struct Connection::Impl : std::enable_shared_from_this<Connection::Impl> {
    Impl(asio::io_context& io, ConnectionOptions o)
        : io_(io),
          options_(std::move(o)),
          session_(options_.session),
          transport_(io),
          write_signal_(io),
          tick_timer_(io),
          retry_timer_(io),
          rng_(std::random_device{}()) {}

    asio::io_context& io_;
    ConnectionOptions options_;
    Session session_;
    Transport transport_;
    asio::steady_timer write_signal_;
    asio::steady_timer tick_timer_;
    asio::steady_timer retry_timer_;
    std::mt19937 rng_;
    EventHandler on_event_;
    ErrorHandler on_error_;
    ClosedHandler on_closed_;
    bool open_ = false;      // transport connected
    bool stopping_ = false;  // no more reconnects
    bool finished_ = false;  // run() returned
    bool lost_reported_ = false;
    std::uint64_t generation_ = 0;  // one per transport, so stale loops exit
    std::string last_error_;

    static TimePoint now() { return Clock::now(); }

    void kick_writer() { write_signal_.cancel(); }

    void report_error(const std::string& what) {
        if (on_error_) on_error_(what);
    }

    void close_transport() {
        if (!open_) return;
        open_ = false;
        transport_.close();
        tick_timer_.cancel();
        write_signal_.cancel();
    }

    void dispatch_events() {
        for (Event& e : session_.take_events()) {
            if (auto* c = std::get_if<event::Connected>(&e); c != nullptr && c->reason_code == 0) {
                attempt_ = 0;
                ever_connected_ = true;
            }
            if (std::holds_alternative<event::Disconnected>(e)) lost_reported_ = true;
            if (on_event_) on_event_(e);
        }
        if (session_.has_output()) kick_writer();
        // The session gave up on this connection (refused, protocol error, keepalive, our own
        // DISCONNECT): the writer flushes what is left and closes.
        if (session_.state() == Session::State::Disconnected ||
            session_.state() == Session::State::Disconnecting) {
            close_after_flush_ = true;
            kick_writer();
        }
    }

    int attempt_ = 0;
    bool ever_connected_ = false;
    bool close_after_flush_ = false;

    asio::awaitable<void> write_loop(std::uint64_t gen) {
        auto self = shared_from_this();
        while (open_ && gen == generation_) {
            if (!session_.has_output()) {
                if (close_after_flush_) {
                    close_transport();
                    break;
                }
                write_signal_.expires_at(asio::steady_timer::time_point::max());
                co_await write_signal_.async_wait(kAwait);
                continue;
            }
            std::string out = session_.take_output();
            auto [ec, n] = co_await transport_.write_all(out);
            if (ec && gen == generation_) {
                last_error_ = ec.message();
                close_transport();
            }
        }
    }

    asio::awaitable<void> tick_loop(std::uint64_t gen) {
        auto self = shared_from_this();
        while (open_ && gen == generation_) {
            auto deadline = session_.next_deadline();
            tick_timer_.expires_at(deadline ? *deadline : asio::steady_timer::time_point::max());
            co_await tick_timer_.async_wait(kAwait);
            if (!open_ || gen != generation_) break;
            session_.on_tick(now());
            dispatch_events();
        }
    }

    asio::awaitable<void> read_loop() {
        std::array<std::uint8_t, 65536> buf;
        while (open_) {
            auto [ec, n] = co_await transport_.read_some(asio::buffer(buf));
            if (ec) {
                if (open_)
                    last_error_ = ec == asio::error::eof ? "Connection closed" : ec.message();
                break;
            }
            session_.receive(std::span<const std::uint8_t>(buf.data(), n), now());
            // One packet at a time: the owner may disconnect on an event, and then the packets
            // after it are not handled (nor acknowledged).
            while (open_ && session_.state() != Session::State::Disconnecting &&
                   session_.handle_next_packet(now())) {
                dispatch_events();
            }
            dispatch_events();
        }
        close_transport();
    }

    std::chrono::milliseconds next_delay() {
        const ReconnectPolicy& p = options_.reconnect;
        double d = static_cast<double>(p.initial_delay.count());
        for (int i = 1; i < attempt_ && d < static_cast<double>(p.max_delay.count()); ++i) {
            d *= p.multiplier;
        }
        d = std::min(d, static_cast<double>(p.max_delay.count()));
        if (p.jitter) d = std::uniform_real_distribution<double>(d / 2, d)(rng_);
        return std::chrono::milliseconds(static_cast<std::int64_t>(d));
    }

    asio::awaitable<void> run() {
        auto self = shared_from_this();
        while (!stopping_) {
            ++attempt_;
            if (options_.before_attempt) {
                options_.before_attempt(options_);
                session_.set_bridge_flag(options_.session.bridge);
            }
            std::string error = co_await transport_.open(options_);
            if (stopping_) break;
            if (error.empty()) {
                open_ = true;
                close_after_flush_ = false;
                lost_reported_ = false;
                last_error_.clear();
                const std::uint64_t gen = ++generation_;
                session_.connect(now());
                asio::co_spawn(io_, write_loop(gen), asio::detached);
                asio::co_spawn(io_, tick_loop(gen), asio::detached);
                co_await read_loop();
                const bool was_live = session_.state() == Session::State::Connected ||
                                      session_.state() == Session::State::Connecting;
                session_.connection_lost();
                if (was_live && !lost_reported_) {
                    if (on_event_) {
                        on_event_(event::Disconnected{
                            mqtt::reason::kUnspecifiedError, false, last_error_, {}});
                    }
                }
            } else {
                report_error(error);
                if (!ever_connected_ && options_.reconnect.give_up_if_first_attempt_fails) break;
            }
            if (stopping_ || !options_.reconnect.enabled) break;
            retry_timer_.expires_after(options_.retry_delay ? options_.retry_delay()
                                                            : next_delay());
            co_await retry_timer_.async_wait(kAwait);
        }
        transport_.reset();
        finished_ = true;
        if (on_closed_) on_closed_();
    }
};

Connection::Connection(asio::io_context& io, ConnectionOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

Connection::~Connection() {
    impl_->on_event_ = nullptr;
    impl_->on_error_ = nullptr;
    impl_->on_closed_ = nullptr;
    stop();
}

void Connection::set_event_handler(EventHandler h) { impl_->on_event_ = std::move(h); }
void Connection::set_error_handler(ErrorHandler h) { impl_->on_error_ = std::move(h); }
void Connection::set_closed_handler(ClosedHandler h) { impl_->on_closed_ = std::move(h); }

void Connection::start() { asio::co_spawn(impl_->io_, impl_->run(), asio::detached); }

std::uint16_t Connection::publish(mqtt::Publish message) {
    const std::uint16_t id = impl_->session_.publish(std::move(message));
    impl_->kick_writer();
    return id;
}

std::uint16_t Connection::subscribe(std::vector<mqtt::Subscription> subscriptions,
                                    mqtt::Properties properties) {
    const std::uint16_t id =
        impl_->session_.subscribe(std::move(subscriptions), std::move(properties));
    impl_->kick_writer();
    return id;
}

std::uint16_t Connection::unsubscribe(std::vector<std::string> filters,
                                      mqtt::Properties properties) {
    const std::uint16_t id = impl_->session_.unsubscribe(std::move(filters), std::move(properties));
    impl_->kick_writer();
    return id;
}

void Connection::disconnect(std::uint8_t reason_code, mqtt::Properties properties) {
    impl_->stopping_ = true;
    impl_->retry_timer_.cancel();
    if (!impl_->open_) {
        impl_->close_transport();
        return;
    }
    impl_->session_.disconnect(reason_code, std::move(properties));
    impl_->session_.take_events();  // our own Disconnected: the caller knows
    impl_->lost_reported_ = true;
    impl_->close_after_flush_ = true;
    impl_->kick_writer();
}

void Connection::stop() {
    impl_->stopping_ = true;
    impl_->retry_timer_.cancel();
    impl_->lost_reported_ = true;
    impl_->close_transport();
}

void Connection::reconnect() { impl_->close_transport(); }

const Session& Connection::session() const { return impl_->session_; }

void Connection::set_packet_observer(Session::PacketObserver observer) {
    impl_->session_.set_packet_observer(std::move(observer));
}

bool Connection::closed() const { return impl_->finished_; }

}  // namespace lampi::client
