// Store: files it must refuse without touching them, injected disk-full and I/O errors, and
// moving a bad store aside.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "persist/fault_vfs.h"
#include "persist/store.h"
#include "persist/test_util.h"

namespace lampi::persist {
namespace {

using testing::apply_ok;
using testing::delivery;
using testing::load_ok;
using testing::message;
using testing::open_error;
using testing::open_ok;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

// Files in `dir` other than `keep`: the refusal must not leave a fresh store or journal around.
std::vector<std::string> files_in(const TempDir& dir) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

void make_store_with_data(const std::string& path) {
    auto store = open_ok(path);
    ASSERT_NE(store, nullptr);
    std::vector<Op> ops;
    for (std::uint64_t i = 1; i <= 200; ++i) {
        ops.push_back(PutMessage{message(i, "t/" + std::to_string(i), std::string(300, 'x'))});
        ops.push_back(SetRetained{"t/" + std::to_string(i), i});
    }
    apply_ok(*store, ops);
}

TEST(StoreOpen, RefusesGarbageAndLeavesItUntouched) {
    TempDir dir;
    const std::string path = dir.file("lampi.db");
    std::string garbage(8192, '\0');
    for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 7 + 3);
    write_file(path, garbage);
    const std::string error = open_error(path);
    EXPECT_NE(error.find(path), std::string::npos) << error;
    EXPECT_NE(error.find("not a database"), std::string::npos) << error;
    EXPECT_EQ(read_file(path), garbage);
    EXPECT_EQ(files_in(dir), (std::vector<std::string>{"lampi.db"}));
}

TEST(StoreOpen, RefusesACorruptStoreAndLeavesItUntouched) {
    TempDir dir;
    const std::string path = dir.file("lampi.db");
    make_store_with_data(path);
    std::string bytes = read_file(path);
    ASSERT_GT(bytes.size(), 4096u * 4);
    // Scribble over the middle of the file, past the header and the schema page.
    for (std::size_t i = 4096 * 2 + 100; i < 4096 * 3; ++i) bytes[i] = static_cast<char>(0xA5);
    write_file(path, bytes);
    const std::string error = open_error(path);
    EXPECT_NE(error.find("corrupt"), std::string::npos) << error;
    EXPECT_EQ(read_file(path), bytes);
}

TEST(StoreOpen, RefusesANewerSchemaVersionWithTheVersionsInTheMessage) {
    TempDir dir;
    const std::string path = dir.file("lampi.db");
    { ASSERT_NE(open_ok(path), nullptr); }
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "UPDATE meta SET value = 99 WHERE key = 'schema_version'",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    const std::string before = read_file(path);
    EXPECT_EQ(open_error(path), path + ": store version 99 is newer than this lampi (" +
                                    std::to_string(kSchemaVersion) + ")");
    EXPECT_EQ(read_file(path), before);
}

TEST(StoreOpen, RefusesASqliteFileThatIsNotALampiStore) {
    TempDir dir;
    const std::string path = dir.file("other.db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE x (y)", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    const std::string before = read_file(path);
    EXPECT_NE(open_error(path).find("not a lampi store"), std::string::npos);
    EXPECT_EQ(read_file(path), before);
}

TEST(StoreOpen, ReportsAPathThatCannotBeOpened) {
    TempDir dir;
    // A directory (chmod 000 does not stop root) and a file in a missing directory.
    EXPECT_NE(open_error(dir.path().string()).find(dir.path().string()), std::string::npos);
    const std::string missing = dir.file("no/such/dir/lampi.db");
    EXPECT_NE(open_error(missing).find("cannot open"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir.file("no")));
}

TEST(StoreOpen, AcceptsAnEmptyFile) {
    TempDir dir;
    const std::string path = dir.file("lampi.db");
    write_file(path, "");
    auto store = open_ok(path);
    ASSERT_NE(store, nullptr);
    apply_ok(*store, {PutMessage{message(1)}, SetRetained{"a/b", 1}});
}

TEST(MoveAside, RenamesTheStoreWithItsWalAndShm) {
    TempDir dir;
    const std::string path = dir.file("lampi.db");
    write_file(path, "garbage");
    write_file(path + "-wal", "wal");
    write_file(path + "-shm", "shm");
    const auto result = move_aside(path);
    ASSERT_TRUE(std::holds_alternative<std::filesystem::path>(result))
        << std::get<std::string>(result);
    const std::string moved = std::get<std::filesystem::path>(result).string();
    EXPECT_EQ(moved.rfind(path + ".corrupt-", 0), 0u) << moved;
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
    EXPECT_EQ(read_file(moved), "garbage");
    EXPECT_EQ(read_file(moved + "-wal"), "wal");
    EXPECT_EQ(read_file(moved + "-shm"), "shm");

    // A second bad store in the same second does not overwrite the first.
    write_file(path, "again");
    const auto second = move_aside(path);
    ASSERT_TRUE(std::holds_alternative<std::filesystem::path>(second));
    EXPECT_NE(std::get<std::filesystem::path>(second).string(), moved);
    EXPECT_EQ(read_file(moved), "garbage");
    // And then a fresh store opens at the path.
    EXPECT_NE(open_ok(path), nullptr);
}

TEST(MoveAside, ReportsAMissingFile) {
    TempDir dir;
    EXPECT_TRUE(std::holds_alternative<std::string>(move_aside(dir.file("absent.db"))));
}

// ---- Injected write faults (FaultVfs). ----

class StoreFaultTest : public ::testing::TestWithParam<FaultVfs::Fault> {
  protected:
    void SetUp() override {
        options_.vfs = FaultVfs::kName;
        FaultVfs::instance().clear();
        store_ = open_ok(path_, options_);
        ASSERT_NE(store_, nullptr);
        apply_ok(*store_, {PutMessage{message(1)}, PutDelivery{delivery("c", 1, 1)}});
    }
    void TearDown() override { FaultVfs::instance().clear(); }

    // A batch big enough to spill over many WAL frames.
    static std::vector<Op> big_batch(std::uint64_t first_id) {
        std::vector<Op> ops;
        for (std::uint64_t i = first_id; i < first_id + 500; ++i) {
            ops.push_back(PutMessage{message(i, "t", std::string(1000, 'p'))});
            ops.push_back(PutDelivery{delivery("c", i, i)});
        }
        ops.push_back(DeleteDelivery{"c", 1});
        return ops;
    }

    TempDir dir_;
    std::string path_ = dir_.file("lampi.db");
    StoreOptions options_;
    std::unique_ptr<Store> store_;
};

TEST_P(StoreFaultTest, FailedBatchLeavesNothingAndTheStoreRecoversWhenTheFaultClears) {
    // Fail at once, and after some WAL frames of the batch were already written.
    for (std::int64_t ok_writes : {0, 3, 40}) {
        SCOPED_TRACE(ok_writes);
        FaultVfs::instance().inject(GetParam(), ok_writes);
        std::string error;
        EXPECT_FALSE(store_->apply(big_batch(1000), &error));
        EXPECT_NE(error.find(GetParam() == FaultVfs::Fault::DiskFull ? "full" : "I/O"),
                  std::string::npos)
            << error;
        EXPECT_EQ(store_->last_error_kind(), ApplyError::Transient);
        FaultVfs::instance().clear();
        const Snapshot snap = load_ok(*store_);
        ASSERT_EQ(snap.deliveries.size(), 1u);  // as before the failed batch
        EXPECT_EQ(snap.deliveries[0].seq, 1u);
        EXPECT_EQ(snap.messages.size(), 1u);
    }
    // The same batch commits once the disk is back, and survives a reopen.
    apply_ok(*store_, big_batch(1000));
    store_.reset();
    store_ = open_ok(path_, options_);
    ASSERT_NE(store_, nullptr);
    const Snapshot snap = load_ok(*store_);
    EXPECT_EQ(snap.deliveries.size(), 500u);
    EXPECT_EQ(snap.messages.size(), 500u);
}

TEST_P(StoreFaultTest, StoreWrittenThroughAFailureReopensIntact) {
    FaultVfs::instance().inject(GetParam(), 5);
    std::string error;
    EXPECT_FALSE(store_->apply(big_batch(1000), &error));
    FaultVfs::instance().clear();
    // Close without further writes (the failed frames stay in the WAL), then reopen with the
    // ordinary VFS: only committed data is visible, and quick_check passes.
    store_.reset();
    auto store = open_ok(path_);
    ASSERT_NE(store, nullptr);
    const Snapshot snap = load_ok(*store);
    ASSERT_EQ(snap.deliveries.size(), 1u);
    EXPECT_EQ(snap.deliveries[0].message_id, 1u);
}

INSTANTIATE_TEST_SUITE_P(Faults, StoreFaultTest,
                         ::testing::Values(FaultVfs::Fault::DiskFull, FaultVfs::Fault::IoError),
                         [](const ::testing::TestParamInfo<FaultVfs::Fault>& param_info) {
                             return param_info.param == FaultVfs::Fault::DiskFull ? "DiskFull"
                                                                                  : "IoError";
                         });

}  // namespace
}  // namespace lampi::persist
