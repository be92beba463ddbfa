// The promise: once apply() returned true (or a GroupCommitter callback got true), the batch
// survives a kill -9. A child process writes batches and reports each commit through a pipe;
// the parent SIGKILLs it mid-stream, reopens the store and checks that every reported batch is
// there, that batches are all-or-nothing, and that they form a prefix of what was sent.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "persist/group_committer.h"
#include "persist/store.h"
#include "persist/test_util.h"

namespace lampi::persist {
namespace {

using testing::load_ok;
using testing::message;
using testing::open_ok;
using testing::TempDir;

constexpr std::uint64_t kWindow = 10;      // deliveries kept: the last kWindow batches
constexpr std::uint64_t kTopics = 50;      // retained topics, reused round robin
constexpr std::uint32_t kKillAfter = 300;  // acknowledged batches before the parent kills

// Batch k: a message, its delivery and retained entry; the session records k; the delivery of
// batch k - kWindow goes. After batches 1..L the store holds exactly what expect_prefix checks.
std::vector<Op> batch(std::uint64_t k) {
    std::vector<Op> ops{PutMessage{message(k, "r/" + std::to_string(k % kTopics),
                                           std::string(200, static_cast<char>('a' + k % 26)))},
                        PutDelivery{testing::delivery("c", k, k)},
                        SetRetained{"r/" + std::to_string(k % kTopics), k},
                        PutSession{"c", static_cast<std::uint32_t>(k), std::nullopt, 5}};
    if (k > kWindow) ops.push_back(DeleteDelivery{"c", k - kWindow});
    return ops;
}

void expect_prefix(const Snapshot& snap, std::uint64_t acknowledged) {
    ASSERT_EQ(snap.sessions.size(), 1u);
    const std::uint64_t last = snap.sessions[0].expiry_interval;
    EXPECT_GE(last, acknowledged) << "an acknowledged batch was lost";
    std::vector<std::uint64_t> seqs;
    for (const DeliveryRecord& d : snap.deliveries) seqs.push_back(d.seq);
    std::vector<std::uint64_t> want;
    for (std::uint64_t k = last > kWindow ? last - kWindow + 1 : 1; k <= last; ++k) {
        want.push_back(k);
    }
    EXPECT_EQ(seqs, want);
    ASSERT_EQ(snap.retained.size(), std::min<std::uint64_t>(last, kTopics));
    for (const RetainedRecord& r : snap.retained) {
        const std::uint64_t topic = std::stoull(r.topic.substr(2));
        const std::uint64_t expected = last - ((last - topic) % kTopics);
        EXPECT_EQ(r.message_id, expected) << r.topic;
    }
    // Exactly the referenced messages, with their payloads.
    for (const MessageRecord& m : snap.messages) {
        EXPECT_EQ(m.payload, std::string(200, static_cast<char>('a' + m.id % 26)));
    }
}

void report(int fd, std::uint32_t k) {
    if (::write(fd, &k, sizeof k) != sizeof k) ::_exit(3);
}

// Child bodies: never return into the test framework.
[[noreturn]] void write_with_store(const std::string& path, int fd) {
    auto result = Store::open(path, StoreOptions{});
    if (!std::holds_alternative<std::unique_ptr<Store>>(result)) ::_exit(2);
    Store& store = *std::get<std::unique_ptr<Store>>(result);
    for (std::uint32_t k = 1;; ++k) {
        const std::vector<Op> ops = batch(k);
        if (!store.apply(ops, nullptr)) ::_exit(4);
        report(fd, k);
    }
}

[[noreturn]] void write_with_committer(const std::string& path, int fd) {
    auto result = Store::open(path, StoreOptions{});
    if (!std::holds_alternative<std::unique_ptr<Store>>(result)) ::_exit(2);
    Store& store = *std::get<std::unique_ptr<Store>>(result);
    GroupCommitter committer(store);
    for (std::uint32_t k = 1;; ++k) {
        committer.submit(batch(k), [fd, k](bool ok) {
            if (!ok) ::_exit(4);
            report(fd, k);
        });
        if (k % 64 == 0) ::usleep(200);  // let batches form at a broker-like pace
    }
}

// Runs `child` in a forked process, kills it with SIGKILL after kKillAfter reports, and returns
// the highest batch number it reported.
template <class Child>
std::uint32_t run_and_kill(const std::string& path, Child child) {
    int fds[2];
    if (::pipe(fds) != 0) {
        ADD_FAILURE() << "pipe: " << std::strerror(errno);
        return 0;
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[0]);
        child(path, fds[1]);
    }
    ::close(fds[1]);
    std::uint32_t last = 0;
    std::uint32_t value = 0;
    std::size_t reports = 0;
    bool killed = false;
    // Read until the pipe closes: reports written before the kill are still delivered.
    while (::read(fds[0], &value, sizeof value) == sizeof value) {
        EXPECT_EQ(value, last + 1) << "reports out of order";
        last = value;
        if (++reports == kKillAfter && !killed) {
            ::kill(pid, SIGKILL);
            killed = true;
        }
    }
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "child exited with status " << status;
    return last;
}

TEST(StoreDurability, EveryCommittedBatchSurvivesSigkill) {
    TempDir dir;
    const std::string path = dir.file("lampi.db");
    const std::uint32_t acknowledged = run_and_kill(path, write_with_store);
    ASSERT_GE(acknowledged, kKillAfter);
    EXPECT_TRUE(std::filesystem::exists(path + "-wal"));  // killed: the WAL was not checkpointed
    auto store = open_ok(path);
    ASSERT_NE(store, nullptr);
    expect_prefix(load_ok(*store), acknowledged);
}

TEST(StoreDurability, EveryBatchAcknowledgedByTheGroupCommitterSurvivesSigkill) {
    TempDir dir;
    const std::string path = dir.file("lampi.db");
    const std::uint32_t acknowledged = run_and_kill(path, write_with_committer);
    ASSERT_GE(acknowledged, kKillAfter);
    auto store = open_ok(path);
    ASSERT_NE(store, nullptr);
    expect_prefix(load_ok(*store), acknowledged);
}

TEST(StoreDurability, RepeatedKillsNeverLoseAcknowledgedBatches) {
    TempDir dir;
    const std::string path = dir.file("lampi.db");
    // The store is reopened (recovering the WAL) by each new child; batch numbers restart, so
    // the session record only has to cover the last run.
    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE(round);
        const std::uint32_t acknowledged = run_and_kill(path, write_with_store);
        auto store = open_ok(path);
        ASSERT_NE(store, nullptr);
        const Snapshot snap = load_ok(*store);
        ASSERT_EQ(snap.sessions.size(), 1u);
        EXPECT_GE(snap.sessions[0].expiry_interval, acknowledged);
    }
}

}  // namespace
}  // namespace lampi::persist
