// What one client may send: MQTT 5 inbound flow control (Receive Maximum, spec 4.9), lampi's
// max_publish_rate, and memory_limit (the bytes of messages the broker holds). Part of
// ClientConnection; the bookkeeping lives in InboundQuota, PublishRateLimiter and MemoryBudget.
#include <chrono>

#include "base/log.h"
#include "broker/client_connection.h"
#include "broker/response_information.h"

namespace lampi::broker {

namespace rc = mqtt::reason;

void ClientConnection::set_up_inbound_limits(std::optional<std::uint16_t> receive_maximum) {
    if (policy_.in_process_bridge) return;
    if (receive_maximum) inbound_quota_ = std::make_shared<InboundQuota>(*receive_maximum);
    if (settings_.max_publish_rate > 0) {
        rate_limiter_ = std::make_unique<PublishRateLimiter>(settings_.max_publish_rate);
    }
}

std::uint8_t ClientConnection::admit_publish(const mqtt::Publish& p, TimePoint now,
                                             std::string& why) {
    if (rate_limiter_ && !rate_limiter_->admit(now)) {
        why = "sent more than max_publish_rate (" + std::to_string(rate_limiter_->rate()) +
              ") PUBLISH per second";
        return rc::kMessageRateTooHigh;
    }
    if (inbound_quota_ && p.qos > 0) {
        const bool ok =
            p.qos == 1 ? inbound_quota_->acquire() : inbound_quota_->acquire_qos2(p.packet_id);
        if (!ok) {
            why = "more than Receive Maximum (" + std::to_string(inbound_quota_->maximum()) +
                  ") unacknowledged QoS 1 and 2 PUBLISH";
            return rc::kReceiveMaximumExceeded;  // MQTT 5 3.3.4
        }
    }
    return rc::kSuccess;
}

bool ClientConnection::within_memory_limit(const mqtt::Publish& p, std::uint8_t& refusal) {
    if (refusal != rc::kSuccess || !over_memory_limit(p)) return true;
    // Mosquitto drops the message and disconnects the publisher. A v5 client is told 0x97
    // instead (QoS 1/2) and keeps its connection; its QoS 0 message is dropped.
    if (!mqtt::is_v5(version_)) {
        close_with(rc::kQuotaExceeded, "memory_limit reached, message dropped");
        return false;
    }
    refusal = rc::kQuotaExceeded;
    return true;
}

bool ClientConnection::over_memory_limit(const mqtt::Publish& p) const {
    if (!MemoryBudget::would_exceed(p.topic.size() + p.payload.size())) return false;
    Stats::add(broker_.stats().publish_dropped);
    // One line every 10 s at most: a broker at its limit sees this for every PUBLISH.
    using namespace std::chrono;
    static std::atomic<std::int64_t> last_logged{0};
    const std::int64_t t = duration_cast<seconds>(steady_clock::now().time_since_epoch()).count();
    std::int64_t last = last_logged.load(std::memory_order_relaxed);
    if (t - last >= 10 && last_logged.compare_exchange_strong(last, t)) {
        log(LogType::Warning,
            "memory_limit reached ({} of {} bytes of messages held): refusing new messages.",
            MemoryBudget::held(), MemoryBudget::limit());
    }
    return true;
}

std::optional<std::string> ClientConnection::response_information(const mqtt::Connect& c) const {
    if (c.properties.request_response_information.value_or(0) != 1) return std::nullopt;
    return response_information_for(settings_.response_information, client_id_, username_);
}

}  // namespace lampi::broker
