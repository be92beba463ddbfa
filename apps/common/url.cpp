#include "apps/common/url.h"

#include <strings.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lampi::cli {

namespace {

struct Authority {
    std::string host;
    int port = -1;  // -1: not given
    std::optional<std::string> username;
    std::optional<std::string> password;
};

// [username[:password]@]host[:port]
Authority split_authority(std::string s) {
    Authority a;
    if (const auto at = s.find('@'); at != std::string::npos) {
        std::string user = s.substr(0, at);
        if (const auto colon = user.find(':'); colon != std::string::npos) {
            a.password = user.substr(colon + 1);
            user.resize(colon);
        }
        a.username = user;
        s.erase(0, at + 1);
    }
    if (const auto colon = s.find(':'); colon != std::string::npos) {
        a.port = std::atoi(s.c_str() + colon + 1);
        s.resize(colon);
    }
    a.host = s;
    return a;
}

bool strip_scheme(std::string& url, const char* scheme) {
    const std::size_t n = std::strlen(scheme);
    if (strncasecmp(url.c_str(), scheme, n) != 0) return false;
    url.erase(0, n);
    return true;
}

}  // namespace

std::optional<BrokerUrl> parse_broker_url(const std::string& full) {
    std::string url = full;
    BrokerUrl out;
    int default_port = 1883;
    if (strip_scheme(url, "mqtt://")) {
    } else if (strip_scheme(url, "mqtts://")) {
        out.tls = true;
        default_port = 8883;
    } else if (strip_scheme(url, "ws://")) {
        out.websocket = true;
        default_port = 80;
    } else if (strip_scheme(url, "wss://")) {
        out.websocket = true;
        out.tls = true;
        default_port = 443;
    } else {
        std::fprintf(stderr, "Error: unsupported URL scheme.\n\n");
        return std::nullopt;
    }
    const auto slash = url.find('/');
    if (slash == std::string::npos) {
        std::fprintf(stderr, "Error: Invalid URL for -L argument specified - topic missing.\n");
        return std::nullopt;
    }
    out.topic = url.substr(slash + 1);
    Authority a = split_authority(url.substr(0, slash));
    out.host = a.host;
    out.port = a.port >= 0 ? a.port : default_port;
    out.username = a.username;
    out.password = a.password;
    return out;
}

std::optional<ProxyUrl> parse_proxy_url(const std::string& full) {
    std::string url = full;
    if (!strip_scheme(url, "socks5h://")) {
        std::fprintf(stderr, "Error: Unsupported proxy protocol: %s\n", full.c_str());
        return std::nullopt;
    }
    Authority a = split_authority(url);
    if (a.host.empty()) {
        std::fprintf(stderr, "Error: Invalid proxy.\n");
        return std::nullopt;
    }
    ProxyUrl out;
    out.host = a.host;
    if (a.port >= 0) out.port = a.port;
    if (out.port < 1 || out.port > 65535) {
        std::fprintf(stderr, "Error: Invalid proxy port %d\n", out.port);
        return std::nullopt;
    }
    out.username = a.username;
    out.password = a.password;
    return out;
}

}  // namespace lampi::cli
