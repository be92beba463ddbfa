#include "bridge/topic_map.h"

#include <algorithm>

#include "topic/topic.h"

namespace lampi::bridge {

using config::BridgeDirection;

namespace {

bool goes_out(BridgeDirection d) { return d == BridgeDirection::Out || d == BridgeDirection::Both; }
bool comes_in(BridgeDirection d) { return d == BridgeDirection::In || d == BridgeDirection::Both; }

// Mosquitto: the prefix is removed only when the topic literally starts with it, then the other
// side's prefix is prepended (no '/' is inserted or removed).
std::string remap(std::string_view topic, const std::string& from, const std::string& to) {
    if (!from.empty() && topic.starts_with(from)) topic.remove_prefix(from.size());
    std::string out = to;
    out.append(topic);
    return out;
}

}  // namespace

TopicMap::TopicMap(std::vector<config::BridgeTopic> topics) : topics_(std::move(topics)) {}

std::vector<FilterQos> TopicMap::local_subscriptions() const {
    std::vector<FilterQos> out;
    for (const auto& t : topics_) {
        if (goes_out(t.direction)) out.push_back({t.local_topic(), t.qos});
    }
    return out;
}

std::vector<FilterQos> TopicMap::remote_subscriptions() const {
    std::vector<FilterQos> out;
    for (const auto& t : topics_) {
        if (comes_in(t.direction)) out.push_back({t.remote_topic(), t.qos});
    }
    return out;
}

std::vector<std::string> TopicMap::remote_out_only_filters() const {
    std::vector<std::string> out;
    for (const auto& t : topics_) {
        if (t.direction == BridgeDirection::Out) out.push_back(t.remote_topic());
    }
    return out;
}

std::optional<Mapped> TopicMap::to_remote(std::string_view local_topic, std::uint8_t qos) const {
    for (const auto& t : topics_) {
        if (!goes_out(t.direction)) continue;
        if (!topic::matches(t.local_topic(), local_topic)) continue;
        return Mapped{remap(local_topic, t.local_prefix, t.remote_prefix), std::min(qos, t.qos)};
    }
    return std::nullopt;
}

std::optional<Mapped> TopicMap::to_local(std::string_view remote_topic, std::uint8_t qos) const {
    for (const auto& t : topics_) {
        if (!comes_in(t.direction)) continue;
        if (!topic::matches(t.remote_topic(), remote_topic)) continue;
        return Mapped{remap(remote_topic, t.remote_prefix, t.local_prefix), std::min(qos, t.qos)};
    }
    return std::nullopt;
}

}  // namespace lampi::bridge
