// The broker process: worker threads, listeners, the housekeeping tick and signal handling.
// The one module that sees every other; apps/broker only builds ServerOptions and calls run().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/log.h"
#include "broker/settings.h"
#include "server/listener.h"

namespace lampi::server {

struct ServerOptions {
    std::vector<ListenerOptions> listeners;
    broker::Settings settings;
    std::size_t threads = 0;  // 0: one per core
    std::string pid_file;
    std::chrono::seconds connect_timeout{20};
};

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
    // The TCP ports actually bound (port 0 in options resolves here), in listener order.
    broker::Broker& broker() { return *broker_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    ServerOptions options_;
    std::unique_ptr<broker::Broker> broker_;
};

}  // namespace lampi::server
