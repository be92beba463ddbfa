#include "apps/common/tool_loop.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>

namespace lampi::cli {

struct ToolLoop::Impl {
    boost::asio::io_context io;
    boost::asio::steady_timer timer{io};
    boost::asio::signal_set signals{io};
};

ToolLoop::ToolLoop() : impl_(std::make_unique<Impl>()) {}
ToolLoop::~ToolLoop() = default;

std::unique_ptr<client::Connection> ToolLoop::make_connection(client::ConnectionOptions options) {
    return std::make_unique<client::Connection>(impl_->io, std::move(options));
}

void ToolLoop::after(std::chrono::milliseconds delay, std::function<void()> f) {
    impl_->timer.expires_after(delay);
    impl_->timer.async_wait([f = std::move(f)](const boost::system::error_code& ec) {
        if (!ec) f();
    });
}

void ToolLoop::on_signal(std::function<void()> f) {
    impl_->signals.add(SIGINT);
    impl_->signals.add(SIGTERM);
    impl_->signals.async_wait([f = std::move(f)](const boost::system::error_code& ec, int) {
        if (!ec) f();
    });
}

void ToolLoop::post(std::function<void()> f) { boost::asio::post(impl_->io, std::move(f)); }

void ToolLoop::run() { impl_->io.run(); }

void ToolLoop::stop() {
    boost::system::error_code ec;
    impl_->timer.cancel();
    impl_->signals.cancel(ec);
    impl_->io.stop();
}

}  // namespace lampi::cli
