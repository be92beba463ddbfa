// Mosquitto's $SYS/broker/... topics: counters, gauges and load averages, published as retained
// QoS 0 messages every sys_interval seconds. Values that did not change are not republished,
// as Mosquitto does. Called from one thread (the server's housekeeping tick).
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "broker/broker.h"

namespace lampi::broker {

class SysTree {
  public:
    SysTree(Broker& broker, std::string version, TimePoint started);

    // Extra entries (bridges) are added by whoever owns them: f() returns (topic, value) pairs.
    using Source = std::function<std::vector<std::pair<std::string, std::string>>()>;
    void add_source(Source source) { sources_.push_back(std::move(source)); }

    // Publishes every entry whose value changed since the last call.
    void publish(TimePoint now);
    // The current entries, for the metrics endpoint and tests.
    std::vector<std::pair<std::string, std::string>> snapshot(TimePoint now);

  private:
    struct Load {
        double one = 0, five = 0, fifteen = 0;
        std::uint64_t last = 0;
    };
    void update_load(Load& l, std::uint64_t total, double seconds);
    void add_load(std::vector<std::pair<std::string, std::string>>& out, const std::string& name,
                  const Load& l) const;

    Broker& broker_;
    std::string version_;
    TimePoint started_;
    TimePoint last_update_;
    std::map<std::string, Load> loads_;
    std::map<std::string, std::string> published_;
    std::vector<Source> sources_;
};

}  // namespace lampi::broker
