// lampi's `max_publish_rate`: how many PUBLISH packets per second one client may send.
// A token bucket holding up to one second's worth: a client may send a burst of `rate` messages,
// and on average no more than `rate` a second; the PUBLISH that finds the bucket empty is over
// the limit (the broker then disconnects the client, MQTT 5 reason 0x96).
// Sans-I/O: time comes in as an argument. Not thread-safe: one per connection, on its thread.
#pragma once

#include <cstdint>

#include "broker/message.h"

namespace lampi::broker {

class PublishRateLimiter {
  public:
    // `rate`: messages per second, > 0.
    explicit PublishRateLimiter(std::uint32_t rate) : rate_(rate), tokens_(rate) {}

    // One PUBLISH arrived at `now`. False when it goes over the rate.
    bool admit(TimePoint now);
    std::uint32_t rate() const { return rate_; }

  private:
    const std::uint32_t rate_;
    double tokens_;
    TimePoint last_{};
    bool started_ = false;
};

}  // namespace lampi::broker
