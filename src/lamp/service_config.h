// lampi-lampd's configuration: an ini file ([broker], [lamp], [hardware]) read into plain values.
// Parsing is pure (text in, values and errors out); every error is reported, not just the first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lamp/backend.h"

namespace lampi::lamp {

struct BrokerOptions {
    std::string host = "localhost";
    std::uint16_t port = 1883;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::string client_id = "lamp_service";  // the course's name; also in the connection topic
    std::uint16_t keepalive = 60;
    bool tls = false;  // also implied by cafile/capath/certfile
    std::string cafile, capath, certfile, keyfile, tls_version;
    bool tls_insecure = false;
};

struct ServiceConfig {
    BrokerOptions broker;
    std::string topic_root = "lamp/";
    std::string device_id;                  // empty: the first Ethernet MAC (find_device_id)
    std::string state_file = "lamp.state";  // relative to the working directory
    double gamma = 1.0;                     // 1: off
    HardwareOptions hardware;
};

// Parses ini `text` into `config` (which holds the defaults). Each problem is appended to
// `errors` as "<filename>:<line>: message" or "<filename>: [section] key: message".
void parse_service_config(std::string_view text, const std::string& filename, ServiceConfig& config,
                          std::vector<std::string>& errors);

// "lamp" -> "lamp/"; "" stays "" (topics then start at the root).
std::string normalize_topic_root(std::string root);

}  // namespace lampi::lamp
