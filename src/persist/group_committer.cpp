#include "persist/group_committer.h"

#include <iterator>

#include "base/log.h"

namespace lampi::persist {

GroupCommitter::GroupCommitter(Store& store, GroupCommitterOptions options)
    : store_(store), options_(options), thread_([this] { run(); }) {}

GroupCommitter::~GroupCommitter() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    work_cv_.notify_one();
    thread_.join();
}

void GroupCommitter::submit(std::vector<Op> ops, Callback done) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(Submission{std::move(ops), std::move(done)});
        ++submitted_;
        wake = idle_;
        idle_ = false;
    }
    // Only an idle committer needs a wake-up; a busy one takes the queue when its commit ends.
    if (wake) work_cv_.notify_one();
}

bool GroupCommitter::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = submitted_;
    done_cv_.wait(lock, [&] { return stats_.submissions >= target; });
    return stats_.healthy && retry_size_ == 0;
}

GroupCommitterStats GroupCommitter::stats() const {
    std::lock_guard lock(mutex_);
    GroupCommitterStats s = stats_;
    s.retry_ops = retry_size_;
    return s;
}

void GroupCommitter::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        if (queue_.empty() && !stop_) {
            idle_ = true;
            if (retry_.empty()) {
                work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
            } else {
                work_cv_.wait_for(lock, options_.retry_interval,
                                  [&] { return stop_ || !queue_.empty(); });
            }
            idle_ = false;
        }
        const bool last = stop_;
        if (queue_.empty() && retry_.empty()) {
            if (last) return;
            continue;
        }
        // The batch: whatever has arrived, whole submissions, up to max_batch_ops (at least one
        // submission; all of them on the last round).
        std::vector<Submission> taken;
        std::size_t ops = retry_.size();
        while (!queue_.empty() && (last || taken.empty() || ops < options_.max_batch_ops)) {
            ops += queue_.front().ops.size();
            taken.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        lock.unlock();
        commit(taken);
        lock.lock();
        retry_size_ = retry_.size();
        stats_.submissions += taken.size();
        done_cv_.notify_all();
        if (last && queue_.empty()) {
            if (!retry_.empty()) {
                log(LogType::Error, "persist: {} ops could not be written before shutdown",
                    retry_.size());
            }
            return;
        }
    }
}

// Applies retry_ + the ops of `taken`, runs the callbacks. Called without the lock.
void GroupCommitter::commit(std::vector<Submission>& taken) {
    std::vector<Op> batch = std::move(retry_);
    retry_.clear();
    for (Submission& s : taken) {
        std::move(s.ops.begin(), s.ops.end(), std::back_inserter(batch));
    }
    std::string error;
    const bool ok = store_.apply(batch, &error);
    const ApplyError kind = store_.last_error_kind();
    note_result(ok, error);
    {
        std::lock_guard lock(mutex_);
        if (ok) {
            ++stats_.batches;
            stats_.ops += batch.size();
        } else {
            ++stats_.failures;
        }
    }
    if (!ok && kind == ApplyError::Permanent) {
        // Put each submission's ops back and find out which of them cannot be written.
        std::size_t offset = batch.size();
        for (auto it = taken.rbegin(); it != taken.rend(); ++it) offset -= it->ops.size();
        std::vector<Op> old_retry(
            std::make_move_iterator(batch.begin()),
            std::make_move_iterator(batch.begin() + static_cast<long>(offset)));
        std::size_t pos = offset;
        for (Submission& s : taken) {
            for (Op& op : s.ops) op = std::move(batch[pos++]);
        }
        isolate(old_retry, taken);
        return;
    }
    if (!ok) {
        if (options_.keep_failed_ops) {
            retry_ = std::move(batch);
        } else {
            std::lock_guard lock(mutex_);
            stats_.dropped_ops += batch.size();
        }
    }
    for (Submission& s : taken) {
        if (s.done) s.done(ok);
    }
}

// After a permanent failure: applies the old retry ops, then each submission, on its own.
// Whatever still fails is dropped; callbacks run in order.
void GroupCommitter::isolate(std::vector<Op>& retry, std::vector<Submission>& taken) {
    std::uint64_t dropped = 0;
    std::uint64_t committed_ops = 0;
    std::uint64_t committed_batches = 0;
    std::uint64_t failures = 0;
    std::string error;
    auto attempt = [&](std::vector<Op>& ops) {
        if (ops.empty()) return true;
        const bool ok = store_.apply(ops, &error);
        if (ok) {
            ++committed_batches;
            committed_ops += ops.size();
        } else {
            ++failures;
            dropped += ops.size();
            log(LogType::Error, "persist: dropping {} ops that cannot be written: {}", ops.size(),
                error);
        }
        return ok;
    };
    attempt(retry);
    bool last_ok = true;
    for (Submission& s : taken) {
        last_ok = attempt(s.ops);
        if (s.done) s.done(last_ok);
    }
    note_result(last_ok, error);
    std::lock_guard lock(mutex_);
    stats_.batches += committed_batches;
    stats_.ops += committed_ops;
    stats_.failures += failures;
    stats_.dropped_ops += dropped;
}

void GroupCommitter::note_result(bool ok, const std::string& error) {
    {
        std::lock_guard lock(mutex_);
        stats_.healthy = ok;
    }
    const auto now = std::chrono::steady_clock::now();
    if (!ok && failing_ && now - last_failure_log_ >= options_.failure_log_interval) {
        last_failure_log_ = now;
        log(LogType::Error, "persist: still cannot write to the store: {}", error);
    }
    if (ok == !failing_) return;
    failing_ = !ok;
    if (failing_) {
        last_failure_log_ = now;
        log(LogType::Error,
            "persist: cannot write to the store: {}; retrying; until it succeeds nothing is "
            "acknowledged that is not stored",
            error);
    } else {
        log(LogType::Notice, "persist: the store is writable again");
    }
}

}  // namespace lampi::persist
