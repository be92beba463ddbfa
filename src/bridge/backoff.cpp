#include "bridge/backoff.h"

#include <algorithm>

namespace lampi::bridge {

RestartBackoff::RestartBackoff(const config::RestartTimeout& t, std::uint64_t seed)
    : timeout_(t), current_ms_(t.base * 1000.0), rng_(seed) {}

std::chrono::milliseconds RestartBackoff::next() {
    if (timeout_.constant) return std::chrono::milliseconds(timeout_.base * 1000);
    const double base = timeout_.base * 1000.0;
    const double cap = std::max(base, timeout_.cap * 1000.0);
    std::uniform_real_distribution<double> pick(base, std::max(base, current_ms_ * 3));
    current_ms_ = std::min(cap, pick(rng_));
    return std::chrono::milliseconds(static_cast<std::int64_t>(current_ms_));
}

void RestartBackoff::reset() { current_ms_ = timeout_.base * 1000.0; }

}  // namespace lampi::bridge
