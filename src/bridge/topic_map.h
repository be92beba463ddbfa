// Mosquitto's bridge `topic` lines as a mapping between local and remote topics
// (mosquitto.conf(5); ../shared/reference/mosquitto-bridges.md): plain prefix concatenation,
// literal prefix stripping, first matching line wins, QoS = min(line, message). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace lampi::bridge {

struct Mapped {
    std::string topic;
    std::uint8_t qos = 0;
};

struct FilterQos {
    std::string filter;
    std::uint8_t qos = 0;
};

class TopicMap {
  public:
    explicit TopicMap(std::vector<config::BridgeTopic> topics);

    // Filters the bridge subscribes to on the local broker (out and both lines).
    std::vector<FilterQos> local_subscriptions() const;
    // Filters the bridge subscribes to on the remote broker (in and both lines).
    std::vector<FilterQos> remote_subscriptions() const;
    // Filters for `bridge_attempt_unsubscribe`: remote filters of out-only lines.
    std::vector<std::string> remote_out_only_filters() const;

    // A local message on `topic` going out: the remote topic and QoS, or nothing when no
    // out/both line matches.
    std::optional<Mapped> to_remote(std::string_view local_topic, std::uint8_t qos) const;
    // A remote message coming in.
    std::optional<Mapped> to_local(std::string_view remote_topic, std::uint8_t qos) const;

  private:
    std::vector<config::BridgeTopic> topics_;
};

}  // namespace lampi::bridge
