// Renders the broker's counters, gauges, per-bridge series and the in-broker latency histogram
// in the Prometheus text exposition format. Pure apart from reading the atomics.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "bridge/bridge.h"
#include "broker/broker.h"

namespace lampi::server {

struct ListenerGauge {
    std::string name;  // address:port
    std::size_t connections = 0;
};

std::string render_metrics(broker::Broker& broker, const std::vector<bridge::BridgeStatus>& bridges,
                           const std::vector<ListenerGauge>& listeners, double uptime_seconds);

}  // namespace lampi::server
