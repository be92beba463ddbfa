// Flags of every tool about the connection: where the broker is and how to reach it, who the
// client is, session and protocol settings, the Will, and the parse itself (-o, --help).
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "apps/common/cli_flags.h"
#include "apps/common/property_arg.h"
#include "apps/common/url.h"

namespace lampi::cli {

namespace {

// -i and -I exclude each other; Mosquitto checks before reading the value.
bool no_id_yet(Config& cfg) {
    if (!cfg.id.empty()) {
        std::fprintf(stderr, "Error: -i and -I argument cannot be used together.\n\n");
        return false;
    }
    return true;
}

bool no_id_prefix_yet(Config& cfg) {
    if (!cfg.id_prefix.empty()) {
        std::fprintf(stderr, "Error: -i and -I argument cannot be used together.\n\n");
        return false;
    }
    return true;
}

bool set_port(FlagCall& call) {
    call.cfg.port = std::atoi(call.value.c_str());
    if (call.cfg.port < 0 || call.cfg.port > 65535) {
        std::fprintf(stderr, "Error: Invalid port given: %d\n", call.cfg.port);
        return false;
    }
    return true;
}

// -L mqtt(s)://[username[:password]@]host[:port]/topic, or ws(s)://: sets all of these at once.
bool set_url(FlagCall& call) {
    std::optional<BrokerUrl> url = parse_broker_url(call.value);
    if (!url) return false;
    Config& cfg = call.cfg;
    if (!add_topic(cfg, url->topic, "-L topic")) return false;
    cfg.port = url->port;
    cfg.host = url->host;
    if (url->username) cfg.username = url->username;
    if (url->password) cfg.password = url->password;
    if (url->tls) cfg.tls_use_os_certs = true;
    if (url->websocket) cfg.websocket = true;
    return true;
}

bool set_unix_socket(FlagCall& call) {
    call.cfg.unix_path = call.value;
    call.cfg.port = 0;
    return true;
}

bool set_proxy(FlagCall& call) {
    std::optional<ProxyUrl> url = parse_proxy_url(call.value);
    if (!url) return false;
    client::ProxyOptions proxy;
    proxy.host = url->host;
    proxy.port = static_cast<std::uint16_t>(url->port);
    proxy.username = url->username;
    proxy.password = url->password;
    call.cfg.proxy = proxy;
    return true;
}

bool set_ws_path(FlagCall& call) {
    call.cfg.ws_path = call.value;
    call.cfg.websocket = true;
    return true;
}

bool set_keepalive(FlagCall& call) {
    call.cfg.keepalive = std::atoi(call.value.c_str());
    if (call.cfg.keepalive < 5 || call.cfg.keepalive > 65535) {
        std::fprintf(stderr,
                     "Error: Invalid keepalive given, it must be between 5 and 65535 "
                     "inclusive.\n\n");
        return false;
    }
    return true;
}

bool set_max_inflight(FlagCall& call) {
    const int n = std::atoi(call.value.c_str());
    if (n < 1) {
        std::fprintf(stderr, "Error: Maximum inflight messages must be greater than 0.\n\n");
        return false;
    }
    call.cfg.max_inflight = static_cast<unsigned>(n);
    return true;
}

bool set_protocol_version(FlagCall& call) {
    const std::string& v = call.value;
    if (v == "mqttv31" || v == "31") {
        call.cfg.version = mqtt::ProtocolVersion::V31;
    } else if (v == "mqttv311" || v == "311") {
        call.cfg.version = mqtt::ProtocolVersion::V311;
    } else if (v == "mqttv5" || v == "5") {
        call.cfg.version = mqtt::ProtocolVersion::V5;
    } else {
        std::fprintf(stderr, "Error: Invalid protocol version argument given.\n\n");
        return false;
    }
    return true;
}

// -x: seconds, "∞" or -1 for never; strtoll base 0 like Mosquitto, so 0x10 is 16.
bool set_session_expiry(FlagCall& call) {
    Config& cfg = call.cfg;
    if (call.value == "\xE2\x88\x9E") {  // "∞"
        cfg.session_expiry = kSessionNeverExpires;
        return true;
    }
    char* end = nullptr;
    cfg.session_expiry = std::strtoll(call.value.c_str(), &end, 0);
    if (end == call.value.c_str() || *end != '\0') {
        std::fprintf(stderr, "Error: session-expiry-interval not a number.\n\n");
        return false;
    }
    if (cfg.session_expiry > kSessionNeverExpires || cfg.session_expiry < -1) {
        std::fprintf(stderr, "Error: session-expiry-interval out of range.\n\n");
        return false;
    }
    if (cfg.session_expiry == -1) cfg.session_expiry = kSessionNeverExpires;
    return true;
}

// -D command identifier value [value]: properties exist only in MQTT v5, so it implies -V 5.
bool add_property(FlagCall& call) {
    if (!parse_property_arg(call.cfg, call.args, call.index)) return false;
    call.cfg.version = mqtt::ProtocolVersion::V5;
    return true;
}

bool set_will_qos(FlagCall& call) {
    call.cfg.will_qos = std::atoi(call.value.c_str());
    if (call.cfg.will_qos < 0 || call.cfg.will_qos > 2) {
        std::fprintf(stderr, "Error: Invalid will QoS %d.\n\n", call.cfg.will_qos);
        return false;
    }
    return true;
}

bool set_will_topic(FlagCall& call) {
    if (!valid_publish_topic(call.value)) {
        std::fprintf(stderr, "Error: Invalid will topic '%s', does it contain '+' or '#'?\n",
                     call.value.c_str());
        return false;
    }
    call.cfg.will_topic = call.value;
    return true;
}

bool stop_for_help(FlagCall& call) {
    call.stop = ParseStatus::Help;
    return false;
}

bool stop_for_version(FlagCall& call) {
    call.stop = ParseStatus::Version;
    return false;
}

constexpr FlagSpec kConnectionFlags[] = {
    // Where the broker is and how to reach it.
    {"-h", "--host", kAllTools, "host", nullptr, store<&Config::host>},
    {"-p", "--port", kAllTools, "port", nullptr, set_port},
    {"-L", "--url", kAllTools, "URL", nullptr, set_url},
    {"--unix", nullptr, kAllTools, "socket path", nullptr, set_unix_socket},
    {"-A", nullptr, kAllTools, "address", nullptr, store<&Config::bind_address>},
    {"--nodelay", nullptr, kAllTools, nullptr, nullptr, enable<&Config::nodelay>},
    {"--proxy", nullptr, kAllTools, "proxy URL", nullptr, set_proxy},
    {"--ws", nullptr, kAllTools, nullptr, nullptr, enable<&Config::websocket>},
    {"--ws-path", nullptr, kAllTools, "path", nullptr, set_ws_path},
    // Who the client is.
    {"-i", "--id", kAllTools, "id", no_id_prefix_yet, store<&Config::id>},
    {"-I", "--id-prefix", kAllTools, "id prefix", no_id_yet, store<&Config::id_prefix>},
    {"-u", "--username", kAllTools, "username", nullptr, store<&Config::username>},
    {"-P", "--pw", kAllTools, "password", nullptr, store<&Config::password>},
    // Session and protocol. Mosquitto names -V by its long form in the missing-value error.
    {"--protocol-version", "-V", kAllTools, "version", nullptr, set_protocol_version},
    {"-c", "--disable-clean-session", kAllTools, nullptr, nullptr, disable<&Config::clean_session>},
    {"-k", "--keepalive", kAllTools, "keepalive", nullptr, set_keepalive},
    {"-x", nullptr, kAllTools, "session expiry interval", nullptr, set_session_expiry},
    {"-M", nullptr, kAllTools, "max_inflight", nullptr, set_max_inflight},
    {"-D", "--property", kAllTools, nullptr, nullptr, add_property},
    // The Will.
    {"--will-topic", nullptr, kAllTools, "will topic", nullptr, set_will_topic},
    {"--will-payload", nullptr, kAllTools, "will payload", nullptr, store<&Config::will_payload>},
    {"--will-qos", nullptr, kAllTools, "will QoS", nullptr, set_will_qos},
    {"--will-retain", nullptr, kAllTools, nullptr, nullptr, enable<&Config::will_retain>},
    // The tool itself.
    {"-d", "--debug", kAllTools, nullptr, nullptr, enable<&Config::debug>},
    {"--quiet", nullptr, kAllTools, nullptr, nullptr, enable<&Config::quiet>},
    // The options file was read before the parse (cli.cpp); here -o only skips its value.
    {"-o", nullptr, kAllTools, "options file", nullptr, nothing_more},
    {"--help", nullptr, kAllTools, nullptr, nullptr, stop_for_help},
    {"--version", nullptr, kAllTools, nullptr, nullptr, stop_for_version},
};

}  // namespace

std::span<const FlagSpec> connection_flags() { return kConnectionFlags; }

}  // namespace lampi::cli
