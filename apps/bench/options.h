// Command line of lampi-bench: scenario and flags (mqbench's names, plus MQTT version,
// credentials and TLS so it can be aimed at a real deployment). Plain values; parse once in main.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mqtt/packet.h"

namespace lampi::bench {

enum class Scenario { FanIn, FanOut, Pairs, Latency, Conns };

const char* scenario_name(Scenario s);

struct Options {
    Scenario scenario = Scenario::FanIn;
    std::string host = "127.0.0.1";
    std::uint16_t port = 1883;
    // Subscribers elsewhere (a bridge benchmark: publish on the edge, receive at the cloud).
    std::string sub_host;          // empty: --host
    std::uint16_t sub_port = 0;    // 0: --port
    std::string sub_topic_prefix;  // empty: --topic-prefix
    mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V311;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::string cafile;  // TLS when set (or when --tls)
    std::string certfile;
    std::string keyfile;
    bool tls = false;
    bool insecure = false;
    int qos = 0;
    std::size_t size = 64;
    std::uint64_t count = 0;  // per publisher; 0: the scenario's default
    double duration = 15;
    double drain = 2;
    unsigned inflight = 20;
    unsigned pubs = 4;
    unsigned subs = 50;
    unsigned pairs = 20;
    double rate = -1;  // msgs/s per publisher; -1: the scenario's default (latency 10000, else 0)
    unsigned conns = 1000;
    double hold = 5;
    int broker_pid = 0;
    unsigned threads = 2;
    std::uint16_t keepalive = 60;
    unsigned connect_concurrency = 64;
    double connect_timeout = 60;
    std::string topic_prefix = "bench";
    std::string label;
    bool json = false;
    bool quiet = false;  // no progress line
};

// Parses argv. Returns nullopt after printing help (exit_code 0) or an error (exit_code 2).
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace lampi::bench
