#include "server/metrics_text.h"

#include <fmt/format.h>

namespace lampi::server {

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, double value) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name,
                   type, name, value);
}

std::string escape_label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

void histogram(std::string& out, const broker::LatencyHistogram& h) {
    const char* name = "lampi_message_in_broker_seconds";
    fmt::format_to(std::back_inserter(out),
                   "# HELP {} Time from receiving a PUBLISH to handing it to a subscriber's "
                   "connection (sampled).\n# TYPE {} histogram\n",
                   name, name);
    const auto counts = h.counts();
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < broker::LatencyHistogram::kBucketsUs.size(); ++i) {
        cumulative += counts[i];
        fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"{}\"}} {}\n", name,
                       static_cast<double>(broker::LatencyHistogram::kBucketsUs[i]) / 1e6,
                       cumulative);
    }
    cumulative += counts.back();
    fmt::format_to(std::back_inserter(out), "{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n",
                   name, cumulative, name, static_cast<double>(h.sum_us()) / 1e6, name, cumulative);
}

}  // namespace

std::string render_metrics(broker::Broker& broker, const std::vector<bridge::BridgeStatus>& bridges,
                           const std::vector<ListenerGauge>& listeners, double uptime_seconds) {
    using broker::Stats;
    Stats& s = broker.stats();
    std::string out;
    auto c = [&](const char* name, const char* help, const Stats::Counter& v) {
        metric(out, name, "counter", help, static_cast<double>(Stats::get(v)));
    };
    auto g = [&](const char* name, const char* help, double v) {
        metric(out, name, "gauge", help, v);
    };
    g("lampi_uptime_seconds", "Seconds since the broker started.", uptime_seconds);
    c("lampi_messages_received_total", "MQTT packets received.", s.messages_received);
    c("lampi_messages_sent_total", "MQTT packets sent.", s.messages_sent);
    c("lampi_publish_received_total", "PUBLISH packets received.", s.publish_received);
    c("lampi_publish_sent_total", "PUBLISH packets sent.", s.publish_sent);
    c("lampi_publish_dropped_total", "Messages dropped (queue limits, stalled readers).",
      s.publish_dropped);
    c("lampi_bytes_received_total", "Bytes received.", s.bytes_received);
    c("lampi_bytes_sent_total", "Bytes sent.", s.bytes_sent);
    c("lampi_connections_total", "Clients that connected.", s.connections_total);
    c("lampi_clients_expired_total", "Sessions expired.", s.clients_expired);
    g("lampi_clients_connected", "Clients connected now.",
      static_cast<double>(Stats::get(s.clients_connected)));
    g("lampi_clients_maximum", "Most clients connected at once.",
      static_cast<double>(Stats::get(s.clients_maximum)));
    g("lampi_sessions", "Sessions (connected and offline).",
      static_cast<double>(broker.session_count()));
    g("lampi_subscriptions", "Subscriptions.", static_cast<double>(broker.subscription_count()));
    g("lampi_retained_messages", "Retained messages.",
      static_cast<double>(broker.retained_count()));
    out +=
        "# HELP lampi_listener_connections Connections open on a listener.\n"
        "# TYPE lampi_listener_connections gauge\n";
    for (const auto& l : listeners) {
        fmt::format_to(std::back_inserter(out),
                       "lampi_listener_connections{{listener=\"{}\"}} {}\n", escape_label(l.name),
                       l.connections);
    }
    out +=
        "# HELP lampi_bridge_connected 1 while the bridge is connected to its remote.\n"
        "# TYPE lampi_bridge_connected gauge\n";
    for (const auto& b : bridges) {
        fmt::format_to(std::back_inserter(out),
                       "lampi_bridge_connected{{bridge=\"{}\",address=\"{}\"}} {}\n",
                       escape_label(b.name), escape_label(b.address), b.connected ? 1 : 0);
    }
    out +=
        "# HELP lampi_bridge_queue Messages waiting for the remote.\n# TYPE lampi_bridge_queue "
        "gauge\n";
    for (const auto& b : bridges) {
        fmt::format_to(std::back_inserter(out), "lampi_bridge_queue{{bridge=\"{}\"}} {}\n",
                       escape_label(b.name), b.queued);
    }
    out +=
        "# HELP lampi_bridge_messages_total Messages crossed by a bridge.\n"
        "# TYPE lampi_bridge_messages_total counter\n";
    for (const auto& b : bridges) {
        fmt::format_to(std::back_inserter(out),
                       "lampi_bridge_messages_total{{bridge=\"{}\",direction=\"out\"}} {}\n"
                       "lampi_bridge_messages_total{{bridge=\"{}\",direction=\"in\"}} {}\n",
                       escape_label(b.name), b.sent, escape_label(b.name), b.received);
    }
    histogram(out, s.in_broker_latency);
    return out;
}

}  // namespace lampi::server
