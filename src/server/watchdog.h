// Connection deadlines (CONNECT timeout, 1.5 x keep alive) checked by one sweep per worker
// thread instead of a timer per connection, as Mosquitto and FlashMQ do: a pending timer costs
// each idle connection a few hundred bytes.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "broker/message.h"

namespace lampi::server {

class Watched {
  public:
    virtual ~Watched() = default;
    // Runs on the connection's worker thread. Returns false once the connection is finished
    // and needs no more checks.
    virtual bool check_deadline(broker::TimePoint now) = 0;
};

class WorkerWatchdog {
  public:
    // How late a deadline may be noticed.
    static constexpr std::chrono::milliseconds kSweepPeriod{250};

    // Watches `w` from now on. Must be called on the worker thread that runs `executor`.
    static void watch(std::weak_ptr<Watched> w, const boost::asio::any_io_executor& executor);

    explicit WorkerWatchdog(const boost::asio::any_io_executor& executor);

  private:
    static WorkerWatchdog& of_this_thread(const boost::asio::any_io_executor& executor);
    void arm();
    void sweep();

    boost::asio::steady_timer timer_;
    std::vector<std::weak_ptr<Watched>> watched_;
    bool armed_ = false;
};

}  // namespace lampi::server
