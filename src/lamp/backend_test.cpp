#include "lamp/backend.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "lamp/pigpiod_backend.h"
#include "lamp/state_file.h"

namespace lampi::lamp {
namespace {

namespace fs = std::filesystem;

TEST(PigpioEncode, LaysOutFourLittleEndianWords) {
    // PWM (5) on gpio 19 with duty 128.
    const pigpio::Frame expected = {
        5,   0, 0, 0,  // cmd = PWM
        19,  0, 0, 0,  // p1 = gpio
        128, 0, 0, 0,  // p2 = duty cycle
        0,   0, 0, 0,  // p3 = 0 (no extension)
    };
    EXPECT_EQ(pigpio::encode(pigpio::kCmdPwm, 19, 128), expected);
    const pigpio::Frame big = {0x04, 0x03, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x80};
    EXPECT_EQ(pigpio::encode(0x01020304, 0, 0, 0x800000ff), big);
}

TEST(PigpioDecode, ReadsTheResultFromTheFourthWord) {
    pigpio::Frame f = pigpio::encode(pigpio::kCmdModes, 26, 1, static_cast<std::uint32_t>(-2));
    pigpio::Response r = pigpio::decode(f);
    EXPECT_EQ(r.cmd, pigpio::kCmdModes);
    EXPECT_EQ(r.result, -2);
}

// A stand-in for pigpiod: accepts connections on 127.0.0.1, records each 16-byte command and
// echoes it with `result` in the 4th word.
class FakePigpiod {
  public:
    explicit FakePigpiod(std::int32_t result = 0) : result_(result) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        EXPECT_EQ(::listen(listen_fd_, 4), 0);
        socklen_t len = sizeof addr;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        thread_ = std::thread([this] { serve(); });
    }
    ~FakePigpiod() {
        ::shutdown(listen_fd_, SHUT_RDWR);
        ::close(listen_fd_);
        thread_.join();
    }
    std::uint16_t port() const { return port_; }
    std::vector<pigpio::Frame> commands() {
        std::lock_guard lock(mutex_);
        return commands_;
    }
    int connections() const { return connections_; }

  private:
    void serve() {
        for (;;) {
            const int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd < 0) return;
            ++connections_;
            pigpio::Frame f{};
            while (::recv(fd, f.data(), f.size(), MSG_WAITALL) == 16) {
                {
                    std::lock_guard lock(mutex_);
                    commands_.push_back(f);
                }
                const auto res = static_cast<std::uint32_t>(result_);
                for (std::size_t i = 0; i < 4; ++i) {
                    f[12 + i] = static_cast<std::uint8_t>(res >> (8 * i));
                }
                ::send(fd, f.data(), f.size(), MSG_NOSIGNAL);
            }
            ::close(fd);
        }
    }

    std::int32_t result_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::mutex mutex_;
    std::vector<pigpio::Frame> commands_;
    std::atomic<int> connections_{0};
};

HardwareOptions pigpiod_options(std::uint16_t port) {
    HardwareOptions o;
    o.backend = "pigpiod";
    o.pigpiod_host = "127.0.0.1";
    o.pigpiod_port = port;
    return o;
}

TEST(PigpiodBackend, SetsOutputModesThenPwmDutiesForTheThreePins) {
    FakePigpiod daemon;
    PigpiodBackend backend(pigpiod_options(daemon.port()));
    ASSERT_EQ(backend.open(), "");
    ASSERT_EQ(backend.set(Rgb{1.0, 0.5, 0.0}), "");
    const std::vector<pigpio::Frame> expected = {
        pigpio::encode(pigpio::kCmdModes, 19, pigpio::kModeOutput),
        pigpio::encode(pigpio::kCmdModes, 26, pigpio::kModeOutput),
        pigpio::encode(pigpio::kCmdModes, 13, pigpio::kModeOutput),
        pigpio::encode(pigpio::kCmdPwm, 19, 255),
        pigpio::encode(pigpio::kCmdPwm, 26, 128),
        pigpio::encode(pigpio::kCmdPwm, 13, 0),
    };
    EXPECT_EQ(daemon.commands(), expected);
    EXPECT_EQ(daemon.connections(), 1);
}

TEST(PigpiodBackend, ConnectsOnFirstSetAndHonoursConfiguredPins) {
    FakePigpiod daemon;
    HardwareOptions o = pigpiod_options(daemon.port());
    o.pins = {17, 27, 22};
    PigpiodBackend backend(o);
    ASSERT_EQ(backend.set(Rgb{0, 0, 1.0}), "");
    auto cmds = daemon.commands();
    ASSERT_EQ(cmds.size(), 6u);
    EXPECT_EQ(cmds[0], pigpio::encode(pigpio::kCmdModes, 17, 1));
    EXPECT_EQ(cmds[5], pigpio::encode(pigpio::kCmdPwm, 22, 255));
}

TEST(PigpiodBackend, ReportsDaemonErrors) {
    FakePigpiod daemon(-3);  // PI_BAD_GPIO-style failure
    PigpiodBackend backend(pigpiod_options(daemon.port()));
    EXPECT_NE(backend.open().find("failed with -3"), std::string::npos);
}

TEST(PigpiodBackend, ReportsAnAbsentDaemon) {
    std::uint16_t port = 0;
    {
        FakePigpiod closed;
        port = closed.port();
    }
    PigpiodBackend backend(pigpiod_options(port));
    EXPECT_NE(backend.open(), "");
    EXPECT_NE(backend.set(Rgb{}), "");
}

class SysfsTree : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("lamp-sysfs-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_ / "pwmchip0");
    }
    void TearDown() override { fs::remove_all(root_); }
    std::string read(const fs::path& p) { return read_file(p.string()).value_or("<missing>"); }

    fs::path root_;
};

TEST_F(SysfsTree, ConfiguresEachChannelAndWritesDutyCyclesInNanoseconds) {
    for (int ch : {0, 1, 2})
        fs::create_directories(root_ / "pwmchip0" / ("pwm" + std::to_string(ch)));
    HardwareOptions o;
    o.sysfs_root = root_.string();
    o.period_ns = 1000000;
    SysfsPwmBackend backend(o);
    ASSERT_EQ(backend.open(), "");
    EXPECT_EQ(read(root_ / "pwmchip0/pwm0/period"), "1000000");
    EXPECT_EQ(read(root_ / "pwmchip0/pwm2/enable"), "1");
    EXPECT_FALSE(fs::exists(root_ / "pwmchip0/export"));  // already exported
    ASSERT_EQ(backend.set(Rgb{1.0, 0.25, 0.0}), "");
    EXPECT_EQ(read(root_ / "pwmchip0/pwm0/duty_cycle"), "1000000");
    EXPECT_EQ(read(root_ / "pwmchip0/pwm1/duty_cycle"), "250000");
    EXPECT_EQ(read(root_ / "pwmchip0/pwm2/duty_cycle"), "0");
}

TEST_F(SysfsTree, ExportsAMissingChannel) {
    // Nothing creates pwm3 in a fake tree, so export is written and open fails cleanly.
    HardwareOptions o;
    o.sysfs_root = root_.string();
    o.channels = {3, 4, 5};
    SysfsPwmBackend backend(o);
    EXPECT_NE(backend.open().find("not created by export"), std::string::npos);
    EXPECT_EQ(read(root_ / "pwmchip0/export"), "3");
}

TEST_F(SysfsTree, ReportsAMissingChip) {
    HardwareOptions o;
    o.sysfs_root = root_.string();
    o.chip = 7;
    SysfsPwmBackend backend(o);
    EXPECT_NE(backend.open().find("no such PWM chip"), std::string::npos);
}

TEST(MakeBackend, KnowsTheThreeNames) {
    std::string error;
    HardwareOptions o;
    EXPECT_EQ(make_backend(o, error)->name(), "sim");
    o.backend = "sysfs-pwm";
    EXPECT_EQ(make_backend(o, error)->name(), "sysfs-pwm");
    o.backend = "pigpiod";
    EXPECT_EQ(make_backend(o, error)->name(), "pigpiod");
    o.backend = "gpio";
    EXPECT_EQ(make_backend(o, error), nullptr);
    EXPECT_NE(error, "");
}

TEST(SimBackend, RemembersTheLastDutyCycles) {
    SimBackend sim;
    EXPECT_EQ(sim.set(Rgb{0.1, 0.2, 0.3}), "");
    EXPECT_EQ(sim.last(), (Rgb{0.1, 0.2, 0.3}));
    EXPECT_EQ(sim.writes(), 1);
}

}  // namespace
}  // namespace lampi::lamp
