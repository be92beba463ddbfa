// Hardware backends that drive the lamp's red, green and blue PWM channels.
// `sim` drives nothing and remembers (and logs) the duty cycles; `sysfs-pwm` writes Linux kernel
// PWM channels; `pigpiod` talks to the pigpio daemon over TCP. A backend is owned by one thread
// and is not thread-safe. Errors are returned as messages (empty string: success).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lamp/color.h"

namespace lampi::lamp {

struct HardwareOptions {
    std::string backend = "sim";  // sim | sysfs-pwm | pigpiod
    // sysfs-pwm: <sysfs_root>/pwmchip<chip>/pwm<channel> for red, green, blue.
    std::string sysfs_root = "/sys/class/pwm";
    int chip = 0;
    std::array<int, 3> channels{0, 1, 2};
    std::uint32_t period_ns = 1000000;  // 1 kHz
    // pigpiod: the daemon's socket and the BCM GPIO pins for red, green, blue (the course's).
    std::string pigpiod_host = "localhost";
    std::uint16_t pigpiod_port = 8888;
    std::array<int, 3> pins{19, 26, 13};
};

class Backend {
  public:
    virtual ~Backend() = default;
    virtual std::string_view name() const = 0;
    // Prepares the channels (export, modes). May be called again after a failure.
    virtual std::string open() = 0;
    // Drives the channels with duty cycles in [0, 1].
    virtual std::string set(const Rgb& duty) = 0;
};

// Only remembers the last duty cycles; the service logs them and writes them to its state file.
class SimBackend final : public Backend {
  public:
    std::string_view name() const override { return "sim"; }
    std::string open() override { return {}; }
    std::string set(const Rgb& duty) override;
    const Rgb& last() const { return last_; }
    int writes() const { return writes_; }

  private:
    Rgb last_;
    int writes_ = 0;
};

// Linux PWM class: export, period, duty_cycle, enable (Documentation/driver-api/pwm.rst).
class SysfsPwmBackend final : public Backend {
  public:
    explicit SysfsPwmBackend(HardwareOptions options) : options_(std::move(options)) {}
    std::string_view name() const override { return "sysfs-pwm"; }
    std::string open() override;
    std::string set(const Rgb& duty) override;

    std::string channel_dir(int channel) const;

  private:
    std::string open_channel(int channel);

    HardwareOptions options_;
    bool opened_ = false;
};

// Creates the backend named in `options.backend`; nullptr and `error` set if the name is unknown.
std::unique_ptr<Backend> make_backend(const HardwareOptions& options, std::string& error);

// Writes `text` to an existing or new file (sysfs attributes, tests' fake trees).
std::string write_text_file(const std::string& path, std::string_view text);

}  // namespace lampi::lamp
