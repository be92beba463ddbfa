#include "server/watchdog.h"

namespace lampi::server {

WorkerWatchdog::WorkerWatchdog(const boost::asio::any_io_executor& executor) : timer_(executor) {}

WorkerWatchdog& WorkerWatchdog::of_this_thread(const boost::asio::any_io_executor& executor) {
    // Each worker thread runs one io_context, so a thread's watchdog serves exactly the
    // connections of that worker.
    thread_local std::unique_ptr<WorkerWatchdog> watchdog;
    if (!watchdog) watchdog = std::make_unique<WorkerWatchdog>(executor);
    return *watchdog;
}

void WorkerWatchdog::watch(std::weak_ptr<Watched> w, const boost::asio::any_io_executor& executor) {
    auto& dog = of_this_thread(executor);
    dog.watched_.push_back(std::move(w));
    dog.arm();
}

void WorkerWatchdog::arm() {
    if (armed_) return;
    armed_ = true;
    timer_.expires_after(kSweepPeriod);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        armed_ = false;
        if (ec) return;  // the worker is shutting down
        sweep();
    });
}

void WorkerWatchdog::sweep() {
    const auto now = broker::Clock::now();
    // Checks may close connections but never add any, so indexes stay valid.
    for (std::size_t i = 0; i < watched_.size();) {
        auto w = watched_[i].lock();
        if (w && w->check_deadline(now)) {
            ++i;
            continue;
        }
        watched_[i] = std::move(watched_.back());
        watched_.pop_back();
    }
    if (watched_.capacity() > 64 && watched_.size() < watched_.capacity() / 4) {
        watched_.shrink_to_fit();
    }
    if (!watched_.empty()) arm();
}

}  // namespace lampi::server
