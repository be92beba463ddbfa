// The tools' URLs: -L broker URLs (Mosquitto's mqtt:// and mqtts://, plus lampi's ws:// and
// wss://) and --proxy SOCKS URLs (socks5h://). Parsing only; errors are Mosquitto's texts,
// printed to stderr.
#pragma once

#include <optional>
#include <string>

namespace lampi::cli {

struct BrokerUrl {
    bool tls = false;
    bool websocket = false;
    std::string host;
    int port = 0;
    std::optional<std::string> username;
    std::optional<std::string> password;
    std::string topic;
};

// [mqtt|mqtts|ws|wss]://[username[:password]@]host[:port]/topic
std::optional<BrokerUrl> parse_broker_url(const std::string& url);

struct ProxyUrl {
    std::string host;
    int port = 1080;
    std::optional<std::string> username;
    std::optional<std::string> password;
};

// socks5h://[username[:password]@]host[:port]
std::optional<ProxyUrl> parse_proxy_url(const std::string& url);

}  // namespace lampi::cli
