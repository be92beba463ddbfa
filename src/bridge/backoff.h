// Mosquitto's bridge restart_timeout: a constant delay, or "decorrelated jitter" between base and
// cap: t = min(cap, random(base, 3 * t)), back to base after a successful CONNACK. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "config/config.h"

namespace lampi::bridge {

class RestartBackoff {
  public:
    explicit RestartBackoff(const config::RestartTimeout& t,
                            std::uint64_t seed = std::random_device{}());
    std::chrono::milliseconds next();
    void reset();

  private:
    config::RestartTimeout timeout_;
    double current_ms_;
    std::mt19937_64 rng_;
};

}  // namespace lampi::bridge
