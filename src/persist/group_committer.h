// GroupCommitter: one background thread that owns a Store and commits ops submitted from any
// thread in batches: a batch is whatever arrived while the previous commit ran (up to
// max_batch_ops), so the commit rate adapts to the load with no timers. Each submission's
// callback runs on the committer thread, in submission order, AFTER its batch committed (true)
// or failed (false). The broker sends PUBACK/PUBREC from the callback.
//
// Failure (disk full, I/O error): the batch's callbacks get false and the failure is logged when
// it starts, every failure_log_interval while it lasts, and when the store is writable again. With
// keep_failed_ops (the default), the failed ops are not lost: they stay first in line and are
// retried, with everything submitted after them, every retry_interval or when new work arrives,
// until they commit. So the file converges to the broker's in-memory state once the fault clears;
// "false" means "not durable yet, do not promise it", not "discarded". A failure that a retry
// cannot fix (ApplyError::Permanent, e.g. a corrupt page) is isolated instead: the batch is retried
// one submission at a time and the submissions that still fail are dropped and logged.
//
// Thread-safety: submit(), flush() and stats() may be called from any thread. The Store must not
// be used by anyone else while the committer exists. Callbacks must not throw, and must not call
// flush() (it would wait for itself).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "persist/records.h"
#include "persist/store.h"

namespace lampi::persist {

struct GroupCommitterOptions {
    std::size_t max_batch_ops = 8192;  // a batch takes whole submissions until it has this many
    std::chrono::milliseconds retry_interval{1000};  // retry pace while failing and idle
    bool keep_failed_ops = true;  // retry ops of transiently failed batches (see above)
    // While the store stays unwritable, the error is logged again at this pace, so a disk that
    // stays full is not one line lost in the log.
    std::chrono::milliseconds failure_log_interval{60000};
};

struct GroupCommitterStats {
    std::uint64_t batches = 0;      // transactions committed
    std::uint64_t ops = 0;          // ops committed
    std::uint64_t submissions = 0;  // submissions whose callback has run
    std::uint64_t failures = 0;     // failed apply() calls
    std::uint64_t dropped_ops = 0;  // ops given up on (permanent errors, keep_failed_ops off)
    std::uint64_t retry_ops = 0;    // ops waiting to be retried now
    bool healthy = true;            // the last apply() succeeded
};

class GroupCommitter {
  public:
    using Callback = std::function<void(bool ok)>;

    explicit GroupCommitter(Store& store, GroupCommitterOptions options = {});
    // Makes one last attempt to commit everything pending, runs the remaining callbacks, then
    // stops the thread. Ops still failing after that attempt are lost (and logged).
    ~GroupCommitter();
    GroupCommitter(const GroupCommitter&) = delete;
    GroupCommitter& operator=(const GroupCommitter&) = delete;

    // Queues `ops` to be applied in order, atomically with respect to each other. `done` (may be
    // empty) runs on the committer thread after the batch holding them committed or failed.
    void submit(std::vector<Op> ops, Callback done);

    // Blocks until every submission made before the call has had its callback run. Returns true
    // if they all committed and nothing is waiting for a retry.
    bool flush();

    GroupCommitterStats stats() const;

  private:
    struct Submission {
        std::vector<Op> ops;
        Callback done;
    };

    void run();
    void commit(std::vector<Submission>& taken);
    void isolate(std::vector<Op>& retry, std::vector<Submission>& taken);
    void note_result(bool ok, const std::string& error);

    Store& store_;
    const GroupCommitterOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable work_cv_;  // committer waits for submissions
    std::condition_variable done_cv_;  // flush() waits for callbacks
    std::deque<Submission> queue_;
    std::uint64_t submitted_ = 0;
    std::size_t retry_size_ = 0;  // mirror of retry_.size() for stats()
    bool idle_ = false;
    bool stop_ = false;
    GroupCommitterStats stats_;

    // Committer thread only.
    std::vector<Op> retry_;
    bool failing_ = false;
    std::chrono::steady_clock::time_point last_failure_log_;

    std::thread thread_;  // last: starts after everything above is initialised
};

}  // namespace lampi::persist
