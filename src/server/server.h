// The broker process: worker threads, listeners, the housekeeping tick and signal handling.
// The one module that sees every other; apps/broker only builds ServerOptions and calls run().
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/log.h"
#include "broker/settings.h"
#include "config/config.h"
#include "server/listener.h"

namespace lampi::server {

struct ServerOptions {
    std::vector<ListenerOptions> listeners;
    broker::Settings settings;
    std::size_t threads = 0;  // 0: one per core
    std::string pid_file;
    std::chrono::seconds connect_timeout{20};
    int sys_interval = 10;  // seconds; 0 = no $SYS
    std::vector<config::Bridge> bridges;
    // persistence true: the SQLite store file (see docs/persistence.md).
    std::string store_path;
    bool store_sync_full = false;  // fsync every commit (power-loss safe), not just kill -9 safe
    bool fresh_store = false;      // a store that cannot be opened is moved aside, not fatal
    std::optional<std::pair<std::string, std::uint16_t>> metrics;  // address, port
    std::string version = "lampi";
};

// Re-reads the configuration on SIGHUP. Returns nothing when the new configuration is invalid
// (after logging every error): the broker then keeps running on the old one.
using Reloader = std::function<std::optional<ServerOptions>()>;

class Server {
  public:
    explicit Server(ServerOptions options);
    ~Server();
    // Opens the listeners; returns false (after logging why) if one cannot be opened.
    bool open();
    // Serves until SIGINT or SIGTERM; returns the process exit code.
    int run();
    // Asks run() to return (thread-safe).
    void stop();
    void set_reloader(Reloader r) { reloader_ = std::move(r); }
    // Hooks run on the housekeeping thread: every tick, and after a successful reload.
    void on_tick(std::function<void(broker::TimePoint)> f) { tick_hooks_.push_back(std::move(f)); }
    void on_stop(std::function<void()> f) { stop_hooks_.push_back(std::move(f)); }
    boost::asio::io_context& housekeeping_context();
    WorkerPool& workers();
    // The TCP ports actually bound (port 0 in options resolves here), in listener order.
    broker::Broker& broker() { return *broker_; }

  private:
    void reload();
    bool open_persistence();
    bool open_metrics();
    void publish_log_lines(broker::TimePoint now);
    void apply_listeners(const std::vector<ListenerOptions>& wanted);
    void dump_subscriptions();
    void wait_for_signal();
    void schedule_tick();

    struct Impl;
    std::unique_ptr<Impl> impl_;
    ServerOptions options_;
    std::unique_ptr<broker::Broker> broker_;
    Reloader reloader_;
    std::vector<std::function<void(broker::TimePoint)>> tick_hooks_;
    std::vector<std::function<void()>> stop_hooks_;
};

}  // namespace lampi::server
