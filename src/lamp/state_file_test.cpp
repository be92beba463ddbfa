#include "lamp/state_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "lamp/device_id.h"

namespace lampi::lamp {
namespace {

namespace fs = std::filesystem;

class TempDir : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("lamp-state-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    fs::path dir_;
};

TEST_F(TempDir, StateFileRoundTrips) {
    LampState s{0.33, 0.9, 0.25, false, "bar", Association{true, "123456abc"}};
    const std::string file = path("lamp.state");
    ASSERT_EQ(write_file_atomically(file, state_file_json(s, Rgb{0.1, 0.2, 0.3}, "sim", "id")), "");
    std::string why;
    auto loaded = load_state_file(file, why);
    ASSERT_TRUE(loaded) << why;
    EXPECT_EQ(*loaded, s);
    auto j = nlohmann::json::parse(*read_file(file));
    EXPECT_EQ(j["output"]["backend"], "sim");
    EXPECT_DOUBLE_EQ(j["output"]["green"].get<double>(), 0.2);
    EXPECT_EQ(j["device_id"], "id");
}

TEST_F(TempDir, AtomicWriteReplacesAndLeavesNoTempFile) {
    const std::string file = path("f");
    ASSERT_EQ(write_file_atomically(file, "first"), "");
    ASSERT_EQ(write_file_atomically(file, "second, longer"), "");
    EXPECT_EQ(read_file(file), "second, longer");
    ASSERT_EQ(write_file_atomically(file, "3"), "");
    EXPECT_EQ(read_file(file), "3");
    EXPECT_FALSE(fs::exists(file + ".tmp"));
}

TEST_F(TempDir, ATornTempFileFromACrashDoesNotAffectTheState) {
    // A power cut during a write leaves a partial temp file; the real file is untouched.
    const std::string file = path("lamp.state");
    LampState s{0.5, 0.5, 0.5, true, "x", std::nullopt};
    ASSERT_EQ(write_file_atomically(file, state_file_json(s, Rgb{}, "sim", "")), "");
    std::ofstream(file + ".tmp") << R"({"color": {"h": 0.9)";
    std::string why;
    auto loaded = load_state_file(file, why);
    ASSERT_TRUE(loaded) << why;
    EXPECT_EQ(*loaded, s);
    // The next save overwrites the stale temp file.
    s.brightness = 0.75;
    ASSERT_EQ(write_file_atomically(file, state_file_json(s, Rgb{}, "sim", "")), "");
    EXPECT_EQ(load_state_file(file, why)->brightness, 0.75);
}

TEST_F(TempDir, AFailedWriteKeepsTheOldContent) {
    const std::string file = path("f");
    ASSERT_EQ(write_file_atomically(file, "old"), "");
    // The temp file cannot be created when its name is taken by a directory.
    fs::create_directories(file + ".tmp");
    EXPECT_NE(write_file_atomically(file, "new"), "");
    EXPECT_EQ(read_file(file), "old");
}

TEST_F(TempDir, LoadReportsMissingAndCorruptFiles) {
    std::string why;
    EXPECT_FALSE(load_state_file(path("missing"), why));
    EXPECT_NE(why, "");
    std::ofstream(path("bad")) << "{not json";
    why.clear();
    EXPECT_FALSE(load_state_file(path("bad"), why));
    EXPECT_NE(why.find("not valid JSON"), std::string::npos);
}

TEST(MacToDeviceId, DropsColonsAndLowercases) {
    EXPECT_EQ(mac_to_device_id("B8:27:EB:08:45:1E\n"), "b827eb08451e");
    EXPECT_EQ(mac_to_device_id("00:00:00:00:00:00"), "");
    EXPECT_EQ(mac_to_device_id("zz:27:eb:08:45:1e"), "");
    EXPECT_EQ(mac_to_device_id("b8:27"), "");
}

TEST_F(TempDir, FindDeviceIdPrefersEthernetAndSkipsLoopbackAndZero) {
    auto add = [&](const std::string& name, const std::string& mac) {
        fs::create_directories(dir_ / name);
        std::ofstream(dir_ / name / "address") << mac << "\n";
    };
    add("lo", "00:00:00:00:00:00");
    add("dummy0", "00:00:00:00:00:00");
    add("wlan0", "aa:bb:cc:dd:ee:ff");
    EXPECT_EQ(find_device_id(dir_.string()), "aabbccddeeff");
    add("eth0", "B8:27:EB:08:45:1E");
    EXPECT_EQ(find_device_id(dir_.string()), "b827eb08451e");
    EXPECT_EQ(find_device_id(path("nowhere")), "");
}

}  // namespace
}  // namespace lampi::lamp
