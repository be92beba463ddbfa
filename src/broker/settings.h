// The broker's tunables, filled from mosquitto.conf by server/ (broker does not read config).
// Copied by value into the Broker; replaced as a whole on reload.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lampi::broker {

struct Settings {
    std::size_t max_inflight_messages = 20;  // 0 = unlimited
    std::size_t max_queued_messages = 1000;  // 0 = unlimited
    std::size_t max_queued_bytes = 0;        // 0 = unlimited
    std::size_t max_packet_size = 0;         // 0 = protocol maximum
    std::size_t message_size_limit = 0;      // payload bytes; 0 = unlimited
    std::uint16_t max_keepalive = 65535;
    bool retain_available = true;
    bool upgrade_outgoing_qos = false;
    bool queue_qos0_messages = false;
    bool allow_zero_length_clientid = true;
    std::string auto_id_prefix = "auto-";
    std::uint32_t persistent_client_expiration = 0;  // seconds; 0 = never
    bool connection_messages = true;
    // Bytes of messages held (MemoryBudget) beyond which new PUBLISHes are refused; 0 = none.
    std::uint64_t memory_limit = 0;
    // PUBLISH packets per second one client may send (PublishRateLimiter); 0 = unlimited.
    std::uint32_t max_publish_rate = 0;
    // Template of the MQTT 5 Response Information (response_information.h); empty = none.
    std::string response_information = "response/%c/";
    // Cap on bytes waiting to be written to one client; QoS 0 messages beyond it are dropped
    // so a reader that stalls cannot grow the broker without limit.
    std::size_t max_client_buffer_bytes = 16 * 1024 * 1024;
};

}  // namespace lampi::broker
