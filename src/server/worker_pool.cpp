#include "server/worker_pool.h"

namespace lampi::server {

WorkerPool::WorkerPool(std::size_t count) {
    if (count == 0) count = 1;
    for (std::size_t i = 0; i < count; ++i) {
        // The hint 1 tells Asio each context is run by a single thread: no internal locking.
        contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
        guards_.emplace_back(contexts_.back()->get_executor());
    }
}

WorkerPool::~WorkerPool() { stop(); }

void WorkerPool::start() {
    for (auto& ctx : contexts_) {
        threads_.emplace_back([c = ctx.get()] { c->run(); });
    }
}

void WorkerPool::stop() {
    guards_.clear();
    for (auto& ctx : contexts_) ctx->stop();
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    threads_.clear();
}

boost::asio::io_context& WorkerPool::next() {
    auto& ctx = *contexts_[next_];
    next_ = (next_ + 1) % contexts_.size();
    return ctx;
}

}  // namespace lampi::server
