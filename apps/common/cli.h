// Shared command line of lampi-pub, lampi-sub and lampi-rr: Mosquitto 2.0.11's flags, options
// files (~/.config/mosquitto_pub ...) and error messages, so the tools are drop-in replacements.
// A table of flag rows (cli_flags.h) and a hand-written loop rather than CLI11: Mosquitto's
// syntax is order-dependent (-i vs -I), has multi-value flags (-D command identifier value
// [value]), treats the word after a flag as its value even when it starts with '-', and reads
// options files as "flag rest-of-line"; its exact error texts are part of the interface.
// Single-threaded; plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/connection.h"
#include "mqtt/packet.h"

namespace lampi::cli {

enum class Tool { Pub, Sub, Rr };
enum class PubMode { None, Message, File, StdinFile, StdinLine, Null };

struct Config {
    Tool tool = Tool::Pub;
    std::string host;
    int port = -1;  // -1: 1883, or 8883 with TLS
    std::string unix_path;
    std::string bind_address;
    std::string id;
    std::string id_prefix;
    int keepalive = 60;
    bool clean_session = true;
    int qos = 0;
    bool retain = false;
    mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V311;
    std::optional<std::string> username;
    std::optional<std::string> password;
    bool debug = false;
    bool quiet = false;
    bool nodelay = false;
    unsigned max_inflight = 20;
    long long session_expiry = -1;  // -1: unset

    // Will.
    std::string will_topic;
    std::optional<std::string> will_payload;
    int will_qos = 0;
    bool will_retain = false;

    // TLS.
    std::string cafile, capath, certfile, keyfile, ciphers, tls_version, tls_alpn, keyform;
    std::string tls_engine, tls_engine_kpass_sha1;
    std::string psk, psk_identity;
    bool insecure = false;
    bool tls_use_os_certs = false;

    // MQTT over WebSocket (a lampi extension: --ws, --ws-path, -L ws:// or wss://).
    bool websocket = false;
    std::string ws_path = "/mqtt";

    // --proxy socks5h://...
    std::optional<client::ProxyOptions> proxy;

    // v5 properties from -D.
    mqtt::Properties connect_props, publish_props, subscribe_props, unsubscribe_props,
        disconnect_props, will_props;

    // Publishing (pub, rr).
    std::string topic;
    PubMode pub_mode = PubMode::None;
    std::string message;
    std::string file_input;
    int repeat_count = 1;
    double repeat_delay = 0;
    std::string response_topic;  // rr -e

    // Subscribing (sub, rr).
    std::vector<std::string> topics;
    std::vector<std::string> filter_outs;
    std::vector<std::string> unsub_topics;
    bool verbose = false;
    bool eol = true;
    int msg_count = 0;
    unsigned timeout = 0;
    bool no_retain = false;
    bool retain_as_published = false;
    bool retained_only = false;
    bool remove_retained = false;
    bool exit_after_sub = false;
    bool pretty = false;
    int random_filter = 10000;
    std::optional<std::string> format;
};

// What to do after parsing. Error: a message was printed; exit 1 after the usage hint.
enum class ParseStatus { Ok, Error, Help, Version };

// Reads the options file (-o FILE, else $XDG_CONFIG_HOME/mosquitto_TOOL, else
// ~/.config/mosquitto_TOOL), then argv, then checks the combination. Prints errors to stderr.
ParseStatus load_config(Config& cfg, Tool tool, int argc, char** argv);

// The tool's name as Mosquitto spells it in messages ("mosquitto_sub").
const char* mosquitto_name(Tool tool);
// lampi's name for it ("lampi-sub").
std::string tool_name(Tool tool);

// Prints the usage text to stdout.
void print_usage(Tool tool);

// Prints to stderr unless --quiet.
void err_printf(const Config& cfg, const char* format, ...) __attribute__((format(printf, 2, 3)));

// Checks what Mosquitto's tools check when applying options to the client (TLS engine, key
// form, PSK); prints the error and returns false.
bool check_client_options(const Config& cfg);

// Turns the parsed flags into client options (client id generation included).
client::ConnectionOptions connection_options(const Config& cfg);

// Mosquitto's text for a CONNACK return code / reason code ("Connection Refused: not authorised.").
std::string connack_string(mqtt::ProtocolVersion version, std::uint8_t code);

// Validates a topic for publishing / a topic filter (no UTF-8 check).
bool valid_publish_topic(const std::string& topic);
bool valid_subscribe_topic(const std::string& filter);
// Topic filter match (MQTT 4.7), used for -T.
bool topic_matches(const std::string& filter, const std::string& topic);

}  // namespace lampi::cli
