// A fixed set of worker threads, each running its own io_context (one event loop per core, as
// FlashMQ). A connection lives on exactly one worker; other threads reach it only by posting.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace lampi::server {

class WorkerPool {
  public:
    explicit WorkerPool(std::size_t count);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    void start();
    void stop();  // stops the loops and joins the threads
    std::size_t size() const { return contexts_.size(); }
    boost::asio::io_context& context(std::size_t i) { return *contexts_[i]; }
    // Round robin, for spreading accepted connections.
    boost::asio::io_context& next();

  private:
    using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
    std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
    std::vector<Guard> guards_;
    std::vector<std::thread> threads_;
    std::size_t next_ = 0;
};

}  // namespace lampi::server
