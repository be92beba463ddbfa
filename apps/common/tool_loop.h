// ToolLoop: the event loop of one command-line tool (an io_context, SIGINT/SIGTERM, a timeout),
// so the tools' main()s stay free of Asio headers. Single-threaded: run() on the main thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "client/connection.h"

namespace lampi::cli {

class ToolLoop {
  public:
    ToolLoop();
    ~ToolLoop();

    // A Connection on this loop.
    std::unique_ptr<client::Connection> make_connection(client::ConnectionOptions options);
    // Calls `f` once after `delay`; a later call replaces the earlier one.
    void after(std::chrono::milliseconds delay, std::function<void()> f);
    // Calls `f` on SIGINT or SIGTERM.
    void on_signal(std::function<void()> f);
    // Queues `f` to run on the loop.
    void post(std::function<void()> f);
    // Runs until stop() or until nothing is left to do.
    void run();
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lampi::cli
