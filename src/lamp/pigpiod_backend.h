// The pigpio daemon's socket interface (pigpio's "sockets" API, port 8888 by default).
// A command is 16 bytes: uint32 cmd, p1, p2, p3, little-endian; the daemon answers with the same
// 16 bytes except that the 4th word holds the result (negative: a pigpio error code).
// Encoding is pure; PigpiodBackend does blocking I/O with timeouts and reconnects on failure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "lamp/backend.h"

namespace lampi::lamp::pigpio {

inline constexpr std::uint32_t kCmdModes = 0;  // MODES gpio mode
inline constexpr std::uint32_t kCmdPwm = 5;    // PWM gpio dutycycle (0..range, 255 by default)
inline constexpr std::uint32_t kModeOutput = 1;
inline constexpr std::uint32_t kDefaultRange = 255;

using Frame = std::array<std::uint8_t, 16>;

Frame encode(std::uint32_t cmd, std::uint32_t p1, std::uint32_t p2, std::uint32_t p3 = 0);

struct Response {
    std::uint32_t cmd = 0;
    std::int32_t result = 0;
};
Response decode(const Frame& frame);

}  // namespace lampi::lamp::pigpio

namespace lampi::lamp {

class PigpiodBackend final : public Backend {
  public:
    explicit PigpiodBackend(HardwareOptions options) : options_(std::move(options)) {}
    ~PigpiodBackend() override;
    std::string_view name() const override { return "pigpiod"; }
    // Connects and sets the three pins to output mode.
    std::string open() override;
    // Sends PWM for each pin; reconnects first if the daemon went away.
    std::string set(const Rgb& duty) override;

  private:
    std::string connect_socket();
    std::string command(std::uint32_t cmd, std::uint32_t p1, std::uint32_t p2);
    void close_socket();

    HardwareOptions options_;
    int fd_ = -1;
    bool modes_set_ = false;
};

}  // namespace lampi::lamp
