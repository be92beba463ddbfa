#include "broker/sys_tree.h"

#include <cmath>
#include <set>

namespace lampi::broker {

namespace {

std::string num(std::uint64_t v) { return std::to_string(v); }

std::string fixed2(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

}  // namespace

SysTree::SysTree(Broker& broker, std::string version, TimePoint started)
    : broker_(broker), version_(std::move(version)), started_(started), last_update_(started) {}

// Mosquitto's load figures: exponentially damped averages of the per-minute rate over 1, 5 and
// 15 minutes (sys_tree.c calc_load).
void SysTree::update_load(Load& l, std::uint64_t total, double seconds) {
    if (seconds <= 0) return;
    const double per_minute = static_cast<double>(total - std::min(total, l.last)) * 60.0 / seconds;
    l.last = total;
    auto damp = [&](double& avg, double period) {
        const double e = std::exp(-seconds / period);
        avg = avg * e + per_minute * (1.0 - e);
    };
    damp(l.one, 60);
    damp(l.five, 300);
    damp(l.fifteen, 900);
}

void SysTree::add_load(std::vector<std::pair<std::string, std::string>>& out,
                       const std::string& name, const Load& l) const {
    const std::string base = "$SYS/broker/load/" + name + "/";
    out.emplace_back(base + "1min", fixed2(l.one));
    out.emplace_back(base + "5min", fixed2(l.five));
    out.emplace_back(base + "15min", fixed2(l.fifteen));
}

std::vector<std::pair<std::string, std::string>> SysTree::snapshot(TimePoint now) {
    Stats& s = broker_.stats();
    const double seconds = std::chrono::duration<double>(now - last_update_).count();
    last_update_ = now;
    const std::pair<const char*, const Stats::Counter*> kLoads[] = {
        {"messages/received", &s.messages_received},
        {"messages/sent", &s.messages_sent},
        {"publish/received", &s.publish_received},
        {"publish/sent", &s.publish_sent},
        {"publish/dropped", &s.publish_dropped},
        {"bytes/received", &s.bytes_received},
        {"bytes/sent", &s.bytes_sent},
        {"connections", &s.connections_total},
        {"sockets", &s.sockets_opened},
    };
    std::vector<std::pair<std::string, std::string>> out;
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(now - started_).count();
    const std::uint64_t connected = Stats::get(s.clients_connected);
    const std::uint64_t sessions = broker_.session_count();
    const std::uint64_t disconnected = sessions > connected ? sessions - connected : 0;
    out.emplace_back("$SYS/broker/version", version_);
    out.emplace_back("$SYS/broker/uptime", std::to_string(uptime) + " seconds");
    out.emplace_back("$SYS/broker/clients/total", num(sessions));
    out.emplace_back("$SYS/broker/clients/connected", num(connected));
    out.emplace_back("$SYS/broker/clients/active", num(connected));
    out.emplace_back("$SYS/broker/clients/disconnected", num(disconnected));
    out.emplace_back("$SYS/broker/clients/inactive", num(disconnected));
    out.emplace_back("$SYS/broker/clients/maximum", num(Stats::get(s.clients_maximum)));
    out.emplace_back("$SYS/broker/clients/expired", num(Stats::get(s.clients_expired)));
    out.emplace_back("$SYS/broker/messages/received", num(Stats::get(s.messages_received)));
    out.emplace_back("$SYS/broker/messages/sent", num(Stats::get(s.messages_sent)));
    out.emplace_back("$SYS/broker/messages/stored", num(broker_.retained_count()));
    out.emplace_back("$SYS/broker/store/messages/count", num(broker_.retained_count()));
    out.emplace_back("$SYS/broker/publish/messages/received", num(Stats::get(s.publish_received)));
    out.emplace_back("$SYS/broker/publish/messages/sent", num(Stats::get(s.publish_sent)));
    out.emplace_back("$SYS/broker/publish/messages/dropped", num(Stats::get(s.publish_dropped)));
    out.emplace_back("$SYS/broker/bytes/received", num(Stats::get(s.bytes_received)));
    out.emplace_back("$SYS/broker/bytes/sent", num(Stats::get(s.bytes_sent)));
    out.emplace_back("$SYS/broker/retained messages/count", num(broker_.retained_count()));
    out.emplace_back("$SYS/broker/subscriptions/count", num(broker_.subscription_count()));
    for (const auto& [name, counter] : kLoads) {
        Load& l = loads_[name];
        update_load(l, Stats::get(*counter), seconds);
        add_load(out, name, l);
    }
    for (const auto& source : sources_) {
        for (auto& entry : source()) out.push_back(std::move(entry));
    }
    return out;
}

void SysTree::publish(TimePoint now) {
    auto entries = snapshot(now);
    // Entries that went away (a bridge removed on reload) are cleared, not left retained.
    std::set<std::string_view> current;
    for (const auto& [topic, value] : entries) current.insert(topic);
    for (auto it = published_.begin(); it != published_.end();) {
        if (current.contains(it->first)) {
            ++it;
            continue;
        }
        auto m = std::make_shared<Message>();
        m->topic = it->first;
        m->retain = true;  // empty retained payload: deletes the retained message
        m->received_at = now;
        broker_.publish(m, nullptr, now);
        it = published_.erase(it);
    }
    for (auto& [topic, value] : entries) {
        auto it = published_.find(topic);
        if (it != published_.end() && it->second == value) continue;
        auto m = std::make_shared<Message>();
        m->topic = topic;
        m->payload = value;
        m->retain = true;
        m->received_at = now;
        broker_.publish(m, nullptr, now);
        published_[topic] = std::move(value);
    }
}

}  // namespace lampi::broker
