// GroupCommitter: callbacks after the commit and in submission order, batching, flush, and
// behaviour while the disk is failing.
#include "persist/group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "persist/fault_vfs.h"
#include "persist/test_util.h"

namespace lampi::persist {
namespace {

using testing::load_ok;
using testing::message;
using testing::open_ok;
using testing::TempDir;

std::vector<Op> retained_message(std::uint64_t id) {
    return {PutMessage{message(id, "t/" + std::to_string(id))},
            SetRetained{"t/" + std::to_string(id), id}};
}

// Counts the retained entries through a second, independent connection: what is on disk.
std::size_t retained_on_disk(const std::string& path) {
    auto reader = open_ok(path);
    return reader ? load_ok(*reader).retained.size() : 0;
}

// Submits message 1 with a callback that holds the committer thread until open().
class Gate {
  public:
    explicit Gate(GroupCommitter& committer) {
        committer.submit(retained_message(1), [this](bool) {
            std::unique_lock lock(mutex_);
            entered_ = true;
            cv_.notify_all();
            cv_.wait(lock, [this] { return open_; });
        });
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return entered_; });
    }
    void open() {
        std::lock_guard lock(mutex_);
        open_ = true;
        cv_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool entered_ = false;
    bool open_ = false;
};

class GroupCommitterTest : public ::testing::Test {
  protected:
    void SetUp() override {
        FaultVfs::instance().clear();
        StoreOptions options;
        options.vfs = FaultVfs::kName;
        store_ = open_ok(path_, options);
        ASSERT_NE(store_, nullptr);
    }
    void TearDown() override { FaultVfs::instance().clear(); }

    TempDir dir_;
    std::string path_ = dir_.file("lampi.db");
    std::unique_ptr<Store> store_;
};

TEST_F(GroupCommitterTest, CallbackRunsAfterTheBatchIsOnDisk) {
    GroupCommitter committer(*store_);
    std::atomic<std::size_t> seen_on_disk{0};
    const std::string path = path_;
    committer.submit(retained_message(1), [&](bool ok) {
        EXPECT_TRUE(ok);
        // Runs on the committer thread, after COMMIT: another connection sees the data.
        seen_on_disk = retained_on_disk(path);
    });
    EXPECT_TRUE(committer.flush());
    EXPECT_EQ(seen_on_disk.load(), 1u);
}

TEST_F(GroupCommitterTest, CallbacksRunInSubmissionOrderAcrossThreads) {
    GroupCommitter committer(*store_);
    constexpr int kThreads = 4;
    constexpr int kPerThread = 2000;
    std::vector<std::uint64_t> order;  // touched only by the committer thread
    std::atomic<std::uint64_t> next_id{1};
    std::mutex submit_mutex;  // makes "submission order" observable: id order == submit order
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kPerThread; ++i) {
                std::lock_guard lock(submit_mutex);
                const std::uint64_t id = next_id++;
                committer.submit(retained_message(id), [&order, id](bool ok) {
                    EXPECT_TRUE(ok);
                    order.push_back(id);
                });
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_TRUE(committer.flush());
    ASSERT_EQ(order.size(), static_cast<std::size_t>(kThreads * kPerThread));
    for (std::size_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], i + 1);

    const GroupCommitterStats stats = committer.stats();
    EXPECT_EQ(stats.submissions, order.size());
    EXPECT_EQ(stats.ops, order.size() * 2);
    EXPECT_LE(stats.batches, order.size());
    EXPECT_GE(stats.batches, 1u);
    EXPECT_EQ(stats.failures, 0u);
    EXPECT_TRUE(stats.healthy);
    EXPECT_EQ(load_ok(*store_).retained.size(), order.size());
}

TEST_F(GroupCommitterTest, SubmissionsArrivingDuringACommitShareTheNextBatch) {
    GroupCommitter committer(*store_);
    // The first callback blocks the committer; everything submitted meanwhile waits and then
    // goes in one batch.
    Gate gate(committer);
    for (std::uint64_t id = 2; id <= 101; ++id) committer.submit(retained_message(id), nullptr);
    gate.open();
    EXPECT_TRUE(committer.flush());
    EXPECT_EQ(committer.stats().batches, 2u);
}

TEST_F(GroupCommitterTest, MaxBatchOpsSplitsALongQueue) {
    GroupCommitterOptions options;
    options.max_batch_ops = 10;
    GroupCommitter committer(*store_, options);
    Gate gate(committer);
    for (std::uint64_t id = 2; id <= 51; ++id) committer.submit(retained_message(id), nullptr);
    gate.open();
    EXPECT_TRUE(committer.flush());
    EXPECT_EQ(committer.stats().batches, 1u + 50u / 5u);  // 5 submissions of 2 ops per batch
}

TEST_F(GroupCommitterTest, DestructorCommitsWhatIsPending) {
    {
        GroupCommitter committer(*store_);
        for (std::uint64_t id = 1; id <= 500; ++id) {
            committer.submit(retained_message(id), nullptr);
        }
    }
    EXPECT_EQ(load_ok(*store_).retained.size(), 500u);
}

TEST_F(GroupCommitterTest, FailingDiskGivesFalseThenRetriesUntilTheOpsCommit) {
    GroupCommitterOptions options;
    options.retry_interval = std::chrono::milliseconds(10);
    GroupCommitter committer(*store_, options);
    EXPECT_TRUE(committer.flush());

    FaultVfs::instance().inject(FaultVfs::Fault::DiskFull);
    std::vector<int> results;  // committer thread only, read after flush
    for (std::uint64_t id = 1; id <= 3; ++id) {
        committer.submit(retained_message(id), [&results](bool ok) { results.push_back(ok); });
    }
    EXPECT_FALSE(committer.flush());
    EXPECT_EQ(results, (std::vector<int>{0, 0, 0}));
    GroupCommitterStats stats = committer.stats();
    EXPECT_FALSE(stats.healthy);
    EXPECT_GE(stats.failures, 1u);
    EXPECT_EQ(stats.retry_ops, 6u);
    EXPECT_EQ(retained_on_disk(path_), 0u);

    // Still failing: new work fails too, and is queued behind the old.
    committer.submit(retained_message(4), [&results](bool ok) { results.push_back(ok); });
    EXPECT_FALSE(committer.flush());

    // The disk comes back: the retry commits the failed ops, in order, without new submissions.
    FaultVfs::instance().clear();
    for (int i = 0; i < 500 && committer.stats().retry_ops != 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stats = committer.stats();
    EXPECT_TRUE(stats.healthy);
    EXPECT_EQ(stats.retry_ops, 0u);
    EXPECT_EQ(retained_on_disk(path_), 4u);

    committer.submit(retained_message(5), [&results](bool ok) { results.push_back(ok); });
    EXPECT_TRUE(committer.flush());
    EXPECT_EQ(results, (std::vector<int>{0, 0, 0, 0, 1}));
}

// Counts the lines of `path` that contain `text`.
int lines_with(const std::string& path, const std::string& text) {
    std::ifstream in(path);
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(text) != std::string::npos;
    return n;
}

TEST_F(GroupCommitterTest, AStoreThatStaysUnwritableIsLoggedAgainAtTheFailureLogInterval) {
    LogSettings settings;
    settings.types = kLogAllTypes;
    settings.to_stderr = false;
    settings.files = {dir_.file("log")};
    configure_logging(settings);
    long failing_ms = 0;
    {
        GroupCommitterOptions options;
        options.retry_interval = std::chrono::milliseconds(5);
        options.failure_log_interval = std::chrono::milliseconds(50);
        GroupCommitter committer(*store_, options);
        const auto start = std::chrono::steady_clock::now();
        FaultVfs::instance().inject(FaultVfs::Fault::DiskFull);
        committer.submit(retained_message(1), {});
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        FaultVfs::instance().clear();
        for (int i = 0; i < 500 && !committer.stats().healthy; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        failing_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    }
    configure_logging(LogSettings{});
    const std::string log = dir_.file("log");
    EXPECT_EQ(lines_with(log, "persist: cannot write to the store"), 1);
    // One reminder per 50 ms of failure (~8), not one per retry (one every 5 ms).
    const int reminders = lines_with(log, "persist: still cannot write to the store");
    EXPECT_GE(reminders, 3);
    EXPECT_LE(reminders, failing_ms / 50 + 1);
    EXPECT_EQ(lines_with(log, "persist: the store is writable again"), 1);
}

TEST_F(GroupCommitterTest, WithoutKeepFailedOpsAFailedBatchIsDropped) {
    GroupCommitterOptions options;
    options.keep_failed_ops = false;
    GroupCommitter committer(*store_, options);
    FaultVfs::instance().inject(FaultVfs::Fault::IoError);
    bool result = true;
    committer.submit(retained_message(1), [&result](bool ok) { result = ok; });
    committer.flush();
    EXPECT_FALSE(result);
    FaultVfs::instance().clear();
    committer.submit(retained_message(2), [&result](bool ok) { result = ok; });
    EXPECT_TRUE(committer.flush());
    EXPECT_TRUE(result);
    EXPECT_EQ(committer.stats().dropped_ops, 2u);
    const Snapshot snap = load_ok(*store_);
    EXPECT_EQ(snap.retained, (std::vector<RetainedRecord>{{"t/2", 2}}));
}

TEST_F(GroupCommitterTest, PermanentErrorDropsTheFailingSubmissionsAndCarriesOn) {
    GroupCommitter committer(*store_);
    FaultVfs::instance().inject(FaultVfs::Fault::Corrupt);
    std::vector<int> results;
    {
        Gate gate(committer);  // message 1 fails alone; 2..4 fail together, then one by one
        for (std::uint64_t id = 2; id <= 4; ++id) {
            committer.submit(retained_message(id), [&results](bool ok) { results.push_back(ok); });
        }
        gate.open();
        EXPECT_FALSE(committer.flush());
    }
    EXPECT_EQ(results, (std::vector<int>{0, 0, 0}));
    GroupCommitterStats stats = committer.stats();
    EXPECT_EQ(stats.retry_ops, 0u);  // not kept: a retry would not help
    EXPECT_EQ(stats.dropped_ops, 8u);
    FaultVfs::instance().clear();
    committer.submit(retained_message(5), [&results](bool ok) { results.push_back(ok); });
    EXPECT_TRUE(committer.flush());
    EXPECT_EQ(results, (std::vector<int>{0, 0, 0, 1}));
    EXPECT_EQ(load_ok(*store_).retained, (std::vector<RetainedRecord>{{"t/5", 5}}));
}

TEST_F(GroupCommitterTest, EmptySubmissionStillGetsItsCallback) {
    GroupCommitter committer(*store_);
    bool called = false;
    committer.submit({}, [&called](bool ok) { called = ok; });
    EXPECT_TRUE(committer.flush());
    EXPECT_TRUE(called);
}

}  // namespace
}  // namespace lampi::persist
