#include "server/server.h"

#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fstream>
#include <thread>

#include "broker/broker.h"
#include "mqtt/reason_code.h"

namespace lampi::server {

namespace asio = boost::asio;

namespace {
void write_pid_file(const std::string& path) {
    if (path.empty()) return;
    std::ofstream f(path, std::ios::trunc);
    if (!f) {
        log(LogType::Error, "Error: Unable to write pid file {}.", path);
        return;
    }
    f << ::getpid() << "\n";
}
}  // namespace

struct Server::Impl {
    asio::io_context main_io{1};
    std::unique_ptr<WorkerPool> workers;
    ConnectionRegistry registry;
    std::vector<std::unique_ptr<Listener>> listeners;
    asio::steady_timer tick_timer{main_io};
    asio::signal_set signals{main_io};
};

Server::Server(ServerOptions options)
    : impl_(std::make_unique<Impl>()),
      options_(std::move(options)),
      broker_(std::make_unique<broker::Broker>(options_.settings)) {
    std::size_t threads = options_.threads;
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    impl_->workers = std::make_unique<WorkerPool>(threads);
}

Server::~Server() = default;

bool Server::open() {
    write_pid_file(options_.pid_file);
    ConnectionContext ctx;
    ctx.broker = broker_.get();
    ctx.registry = &impl_->registry;
    ctx.connect_timeout = options_.connect_timeout;
    for (const auto& l : options_.listeners) {
        auto listener = std::make_unique<Listener>(impl_->main_io, *impl_->workers, l, ctx);
        if (auto err = listener->open()) {
            log(LogType::Error, "Error: Unable to open listener on {}: {}.", listener->describe(),
                *err);
            return false;
        }
        log(LogType::Notice, "Opening listener on {}.", listener->describe());
        impl_->listeners.push_back(std::move(listener));
    }
    return true;
}

namespace {

void schedule_tick(asio::steady_timer& timer, broker::Broker& broker) {
    timer.expires_after(std::chrono::seconds(1));
    timer.async_wait([&timer, &broker](const boost::system::error_code& ec) {
        if (ec) return;
        broker.tick(broker::Clock::now());
        schedule_tick(timer, broker);
    });
}


}  // namespace

int Server::run() {
    impl_->workers->start();
    for (auto& l : impl_->listeners) l->start();
    schedule_tick(impl_->tick_timer, *broker_);
    impl_->signals.add(SIGINT);
    impl_->signals.add(SIGTERM);
    impl_->signals.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        log(LogType::Notice, "lampi-broker received signal {}, shutting down.", sig);
        stop();
    });
    impl_->main_io.run();
    // Stop accepting, tell every client we are going (v5: DISCONNECT 0x8B), let the writes
    // drain briefly, then stop the workers.
    for (auto& l : impl_->listeners) l->stop();
    impl_->registry.shut_down_all(mqtt::reason::kServerShuttingDown);
    for (int i = 0; i < 50 && impl_->registry.size() > 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    impl_->workers->stop();
    if (!options_.pid_file.empty()) ::unlink(options_.pid_file.c_str());
    log(LogType::Notice, "lampi-broker terminating.");
    return 0;
}

void Server::stop() {
    asio::post(impl_->main_io, [this] {
        impl_->tick_timer.cancel();
        impl_->signals.cancel();
        impl_->main_io.stop();
    });
}

}  // namespace lampi::server
