// Deferred flushes for one read batch. While a connection handles the packets of one read, the
// plain-socket connections it sends to (its own replies, subscribers on any worker) are noted
// here instead of each posting a flush to its worker; when the batch ends, each is written
// directly from this thread if no write of its own is in progress. That saves the cross-thread
// wake-up on the delivery path (latency) and still coalesces what one read produced per target.
#pragma once

#include <memory>
#include <vector>

namespace lampi::server {

class DirectFlush {
  public:
    virtual ~DirectFlush() = default;
    // Writes what is queued now if the socket takes it, else hands the rest to the owner's worker.
    virtual void flush_direct() = 0;
};

class WriteBatch {
  public:
    WriteBatch() : outer_(current_ == nullptr) {
        if (outer_) current_ = this;
    }
    ~WriteBatch() {
        if (!outer_) return;
        current_ = nullptr;
        // Flushing cannot start another batch on this thread: it only writes and posts.
        for (auto& target : targets_) target->flush_direct();
    }
    WriteBatch(const WriteBatch&) = delete;
    WriteBatch& operator=(const WriteBatch&) = delete;

    // The batch running on this thread, if any.
    static WriteBatch* current() { return current_; }
    void defer(std::shared_ptr<DirectFlush> target) { targets_.push_back(std::move(target)); }

  private:
    static inline thread_local WriteBatch* current_ = nullptr;
    bool outer_;
    std::vector<std::shared_ptr<DirectFlush>> targets_;
};

}  // namespace lampi::server
