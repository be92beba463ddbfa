#include "lamp/backend.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "lamp/pigpiod_backend.h"

namespace lampi::lamp {

namespace fs = std::filesystem;

std::string write_text_file(const std::string& path, std::string_view text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return path + ": " + std::strerror(errno);
    std::string error;
    if (::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        error = path + ": " + std::strerror(errno);
    }
    ::close(fd);
    return error;
}

std::string SimBackend::set(const Rgb& duty) {
    last_ = duty;
    ++writes_;
    return {};
}

std::string SysfsPwmBackend::channel_dir(int channel) const {
    return options_.sysfs_root + "/pwmchip" + std::to_string(options_.chip) + "/pwm" +
           std::to_string(channel);
}

std::string SysfsPwmBackend::open_channel(int channel) {
    const std::string dir = channel_dir(channel);
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        const std::string chip = options_.sysfs_root + "/pwmchip" + std::to_string(options_.chip);
        if (!fs::is_directory(chip, ec)) return chip + ": no such PWM chip";
        if (auto e = write_text_file(chip + "/export", std::to_string(channel)); !e.empty()) {
            return e;
        }
        // The kernel creates the directory at once, but udev may still be fixing permissions.
        for (int i = 0; i < 50 && !fs::is_directory(dir, ec); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (!fs::is_directory(dir, ec)) return dir + ": not created by export";
    }
    // duty_cycle must never exceed period: zero it before changing the period.
    if (auto e = write_text_file(dir + "/duty_cycle", "0"); !e.empty()) return e;
    if (auto e = write_text_file(dir + "/period", std::to_string(options_.period_ns)); !e.empty()) {
        return e;
    }
    return write_text_file(dir + "/enable", "1");
}

std::string SysfsPwmBackend::open() {
    for (int channel : options_.channels) {
        if (auto e = open_channel(channel); !e.empty()) return e;
    }
    opened_ = true;
    return {};
}

std::string SysfsPwmBackend::set(const Rgb& duty) {
    if (!opened_) {
        if (auto e = open(); !e.empty()) return e;
    }
    const std::array<double, 3> values{duty.red, duty.green, duty.blue};
    for (std::size_t i = 0; i < values.size(); ++i) {
        const auto ns = scale_duty(values[i], options_.period_ns);
        if (auto e = write_text_file(channel_dir(options_.channels[i]) + "/duty_cycle",
                                     std::to_string(ns));
            !e.empty()) {
            opened_ = false;
            return e;
        }
    }
    return {};
}

std::unique_ptr<Backend> make_backend(const HardwareOptions& options, std::string& error) {
    if (options.backend == "sim") return std::make_unique<SimBackend>();
    if (options.backend == "sysfs-pwm") return std::make_unique<SysfsPwmBackend>(options);
    if (options.backend == "pigpiod") return std::make_unique<PigpiodBackend>(options);
    error = "unknown backend '" + options.backend + "' (sim, sysfs-pwm or pigpiod)";
    return nullptr;
}

}  // namespace lampi::lamp
