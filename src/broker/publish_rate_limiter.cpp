#include "broker/publish_rate_limiter.h"

#include <algorithm>

namespace lampi::broker {

bool PublishRateLimiter::admit(TimePoint now) {
    if (started_ && now > last_) {
        const double elapsed = std::chrono::duration<double>(now - last_).count();
        tokens_ = std::min<double>(rate_, tokens_ + elapsed * rate_);
    }
    if (!started_ || now > last_) last_ = now;
    started_ = true;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

}  // namespace lampi::broker
