// An application message as it travels through the broker: immutable once built, shared by
// every queue and in-flight slot that holds it (MessagePtr). Thread-safe to share.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "broker/memory_budget.h"
#include "mqtt/properties.h"

namespace lampi::broker {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct Message {
    std::string topic;
    std::string payload;
    std::uint8_t qos = 0;
    bool retain = false;
    // The v5 properties that travel with the message (spec 3.3.2.3): payload format, content
    // type, response topic, correlation data, user properties. Expiry is kept as a deadline.
    mqtt::Properties properties;
    std::optional<TimePoint> expires_at;
    std::string origin_client_id;  // for no-local and logging
    TimePoint received_at{};
    // The id under which the journal stored this message (0: not stored yet). Set once.
    mutable std::atomic<std::uint64_t> store_id{0};
    // Topic and payload bytes counted against memory_limit while the message lives.
    HeldBytes held;

    // Charges the message's topic and payload to the MemoryBudget; call once, when built.
    void charge_held_bytes() { held.charge(topic.size() + payload.size()); }

    bool expired(TimePoint now) const { return expires_at && now >= *expires_at; }
    // MQTT 5 3.3.2.3.3: the interval sent on is the time left.
    std::optional<std::uint32_t> remaining_expiry(TimePoint now) const;
    std::size_t approximate_size() const { return topic.size() + payload.size() + 64; }
};

using MessagePtr = std::shared_ptr<const Message>;

}  // namespace lampi::broker
