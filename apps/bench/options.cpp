#include "bench/options.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>

namespace lampi::bench {

const char* scenario_name(Scenario s) {
    switch (s) {
        case Scenario::FanIn:
            return "fanin";
        case Scenario::FanOut:
            return "fanout";
        case Scenario::Pairs:
            return "pairs";
        case Scenario::Latency:
            return "latency";
        case Scenario::Conns:
            return "conns";
    }
    return "?";
}

namespace {

constexpr const char* kDescription = R"(lampi-bench: MQTT load generator for sizing a deployment.

Scenarios:
  fanin    --pubs P publishers on <prefix>/<i>, 1 subscriber on <prefix>/#: msgs/s delivered
  fanout   1 publisher on <prefix>/x, --subs S subscribers: deliveries/s over all subscribers
  pairs    --pairs N publisher/subscriber pairs on <prefix>/<i>: deliveries/s
  latency  1 publisher paced at --rate (default 10000 msgs/s) to 1 subscriber on <prefix>/lat:
           one-way latency p50/p99/p99.9/max in microseconds
  conns    --conns C idle clients, each subscribed to <prefix>/c/<i>, held --hold s: connect
           rate, broker RSS before/after (--broker-pid), bytes per connection

A run: connect everything (at most --connect-concurrency handshakes at once), start the clock,
publish --count messages per publisher (QoS 1/2: at most --inflight unacknowledged), stop
publishing after --duration s, then wait until everything arrived or nothing arrived for --drain s.
Every payload carries run nonce, publisher index, sequence and send time (20 bytes), so the
subscribers count lost, duplicated (dup) and out-of-order (ooo) messages and measure latency.

Output: a progress line on stderr once per second (--quiet: none), then one summary line on
stdout as key=value pairs, or one JSON object with --json (same keys). Main keys: msgs (distinct
deliveries), secs (start to last delivery), rate (msgs/secs, the headline), pub_rate, lost, dup,
ooo, complete, p50_us p99_us p999_us max_us mean_us, broker_cpu tool_cpu machine_cpu (% of one
core during the run), broker_rss_kb. conns: ok failed connect_secs connect_rate rss_before_kb
rss_ready_kb rss_after_kb bytes_per_conn broker_cpu_s dropped_during_hold.

Exit status: 0 run completed (read lost/complete), 1 conns run with failed or dropped
connections, 2 setup failure (bad flags, connection refused, CONNACK/SUBACK errors).
)";

}  // namespace

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
    Options o;
    CLI::App app(kDescription, "lampi-bench");
    app.get_formatter()->column_width(34);
    const std::map<std::string, Scenario> scenarios{{"fanin", Scenario::FanIn},
                                                    {"fanout", Scenario::FanOut},
                                                    {"pairs", Scenario::Pairs},
                                                    {"latency", Scenario::Latency},
                                                    {"conns", Scenario::Conns}};
    std::string scenario;
    app.add_option("scenario", scenario, "fanin | fanout | pairs | latency | conns")
        ->required()
        ->type_name("SCENARIO")
        ->check(CLI::IsMember({"fanin", "fanout", "pairs", "latency", "conns"}));
    app.add_option("--host", o.host, "broker host name or address")->capture_default_str();
    app.add_option("--port", o.port, "broker port")->capture_default_str();
    std::string version = "311";
    app.add_option("-V,--protocol-version", version, "MQTT version: 311 or 5")
        ->check(CLI::IsMember({"311", "mqttv311", "5", "mqttv5"}))
        ->capture_default_str();
    app.add_option("-u,--username", o.username, "user name in CONNECT");
    app.add_option("-P,--pw", o.password, "password in CONNECT");
    app.add_flag("--tls", o.tls, "connect with TLS (implied by --cafile)");
    app.add_option("--cafile", o.cafile,
                   "CA certificate(s) to verify the broker with (enables TLS)");
    app.add_option("--cert", o.certfile, "client certificate (PEM) for TLS client authentication");
    app.add_option("--key", o.keyfile, "client private key (PEM)");
    app.add_flag("--insecure", o.insecure, "do not check the certificate's host name");
    app.add_option("--qos", o.qos, "QoS of PUBLISH and SUBSCRIBE")
        ->check(CLI::Range(0, 2))
        ->capture_default_str();
    app.add_option("--size", o.size, "payload bytes (>= 20)")
        ->check(CLI::Range(20, 256 * 1024 * 1024))
        ->capture_default_str();
    app.add_option("--count", o.count,
                   "messages per publisher (default fanin 250000, fanout/pairs 20000, latency "
                   "rate x 10)");
    app.add_option("--duration", o.duration, "max seconds of publishing")->capture_default_str();
    app.add_option("--drain", o.drain, "max quiet seconds to wait for stragglers")
        ->capture_default_str();
    app.add_option("--inflight", o.inflight, "QoS 1/2 window per publisher")
        ->check(CLI::Range(1, 65535))
        ->capture_default_str();
    app.add_option("--pubs", o.pubs, "fanin: publishers")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app.add_option("--subs", o.subs, "fanout: subscribers")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app.add_option("--pairs", o.pairs, "pairs: publisher/subscriber pairs")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    app.add_option("--rate", o.rate,
                   "msgs/s per publisher, 0 = as fast as possible (latency: 10000)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--conns", o.conns, "conns: idle connections")->capture_default_str();
    app.add_option("--hold", o.hold, "conns: seconds to hold them open")->capture_default_str();
    app.add_option("--broker-pid", o.broker_pid, "read broker VmRSS and CPU from /proc/PID");
    app.add_option("--threads", o.threads,
                   "io_context threads (>= 2: subscribers and publishers "
                   "on separate threads)")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    app.add_option("--keepalive", o.keepalive, "keepalive seconds in CONNECT")
        ->capture_default_str();
    app.add_option("--connect-concurrency", o.connect_concurrency, "max handshakes in flight")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    app.add_option("--connect-timeout", o.connect_timeout,
                   "max seconds for all connections to become ready")
        ->capture_default_str();
    app.add_option("--topic-prefix", o.topic_prefix, "replaces 'bench' in all topics")
        ->capture_default_str();
    app.add_option("--sub-host", o.sub_host,
                   "subscribers connect here (default --host): e.g. the far side of a bridge");
    app.add_option("--sub-port", o.sub_port, "subscribers' broker port (default --port)");
    app.add_option("--sub-topic-prefix", o.sub_topic_prefix,
                   "subscribers' topic prefix (default --topic-prefix), e.g. a bridge's remote "
                   "prefix + the publishers' prefix");
    app.add_option("--label", o.label, "copied into the summary (label=L)");
    app.add_flag("--json", o.json, "print the summary as one JSON object");
    app.add_flag("-q,--quiet", o.quiet, "no progress line on stderr");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        exit_code = app.exit(e);
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        exit_code = 2;
        return std::nullopt;
    }
    o.scenario = scenarios.at(scenario);
    o.version = (version == "5" || version == "mqttv5") ? mqtt::ProtocolVersion::V5
                                                        : mqtt::ProtocolVersion::V311;
    if (!o.cafile.empty()) o.tls = true;
    if (o.sub_host.empty()) o.sub_host = o.host;
    if (o.sub_port == 0) o.sub_port = o.port;
    if (o.sub_topic_prefix.empty()) o.sub_topic_prefix = o.topic_prefix;
    if (o.rate < 0) o.rate = o.scenario == Scenario::Latency ? 10000 : 0;
    if (o.count == 0) {
        switch (o.scenario) {
            case Scenario::FanIn:
                o.count = 250000;
                break;
            case Scenario::Latency:
                o.count = static_cast<std::uint64_t>(o.rate * 10);
                break;
            default:
                o.count = 20000;
        }
        if (o.count == 0) o.count = 100000;
    }
    if (o.count > 0xFFFFFFFFull) {
        std::cerr << "lampi-bench: --count must fit in 32 bits\n";
        exit_code = 2;
        return std::nullopt;
    }
    return o;
}

}  // namespace lampi::bench
