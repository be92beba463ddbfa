// The broker's configuration as read from a Mosquitto-format file (mosquitto.conf(5)).
// Plain values: field names are Mosquitto's option names verbatim, defaults are Mosquitto 2.0's.
// Filled by config_reader.h; the server copies what it needs. No I/O, not shared between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/log.h"

namespace lampi::config {

// An `auth_plugin` / `plugin` line with its `auth_opt_*` / `plugin_opt_*` lines.
struct AuthPlugin {
    std::string path;
    std::vector<std::pair<std::string, std::string>> options;  // key without the prefix
    bool auth_plugin_deny_special_chars = true;
    bool operator==(const AuthPlugin&) const = default;
};

// Mosquitto's "security options": global, or per listener when per_listener_settings is true.
// Use effective_security() (config_reader.h) to pick the right one for a listener.
struct SecurityOptions {
    std::optional<bool> allow_anonymous;  // unset until apply_defaults() decides
    bool allow_zero_length_clientid = true;
    std::string auto_id_prefix = "auto-";
    std::string password_file;
    std::string acl_file;
    std::string psk_file;
    std::vector<AuthPlugin> auth_plugins;
    bool operator==(const SecurityOptions&) const = default;
};

enum class SocketDomain { Any, IPv4, IPv6 };
enum class ListenerProtocol { Mqtt, Websockets };

struct Listener {
    std::uint16_t port = 1883;
    std::string bind_address;      // empty: all interfaces
    std::string unix_socket_path;  // `listener 0 /path.sock`; then port is 0
    SocketDomain socket_domain = SocketDomain::Any;
    std::string bind_interface;
    ListenerProtocol protocol = ListenerProtocol::Mqtt;
    int max_connections = -1;  // -1: unlimited
    std::uint8_t max_qos = 2;
    std::uint16_t max_topic_alias = 10;  // per listener in Mosquitto 2
    std::string mount_point;
    std::string http_dir;
    bool use_username_as_clientid = false;
    // TLS (certificate based)
    std::string cafile;
    std::string capath;
    std::string certfile;
    std::string keyfile;
    std::string crlfile;
    std::string ciphers;
    std::string ciphers_tls13;  // option `ciphers_tls1.3`
    std::string dhparamfile;
    std::string tls_version;  // empty: TLS 1.2 and 1.3 allowed
    std::string tls_engine;
    std::string tls_engine_kpass_sha1;
    std::string tls_keyform = "pem";
    bool require_certificate = false;
    bool use_identity_as_username = false;
    bool use_subject_as_username = false;
    // TLS-PSK
    std::string psk_hint;
    // Used when per_listener_settings is true.
    SecurityOptions security;
    // Created by `port`/`bind_address`/a listener option before any `listener` line, or by
    // apply_defaults() when no listener is configured.
    bool is_default_listener = false;
    std::string origin;  // "file:line" of the line that created it

    bool operator==(const Listener&) const = default;
};

enum class BridgeDirection { Out, In, Both };

struct BridgeAddress {
    std::string host;
    std::uint16_t port = 1883;
    bool operator==(const BridgeAddress&) const = default;
};

// `topic <pattern> [[[out|in|both] qos] local-prefix remote-prefix]`; "" stands for empty.
struct BridgeTopic {
    std::string pattern;
    BridgeDirection direction = BridgeDirection::Out;
    std::uint8_t qos = 0;
    std::string local_prefix;
    std::string remote_prefix;
    // Plain concatenation, as Mosquitto does (no '/' is inserted).
    std::string local_topic() const { return local_prefix + pattern; }
    std::string remote_topic() const { return remote_prefix + pattern; }
    bool operator==(const BridgeTopic&) const = default;
};

enum class BridgeProtocolVersion { MqttV31 = 3, MqttV311 = 4, MqttV50 = 5 };
enum class BridgeStartType { Automatic, Lazy, Once };
enum class BridgeReloadType { Lazy, Immediate };

// `restart_timeout base cap [stable]` (decorrelated jitter) or `restart_timeout constant`.
struct RestartTimeout {
    std::uint32_t base = 5;  // seconds; the constant delay when `constant` is true
    std::uint32_t cap = 30;
    bool constant = false;
    std::uint32_t stable = 0;  // Mosquitto 2.1 third argument: stable connection period
    bool operator==(const RestartTimeout&) const = default;
};

struct Bridge {
    std::string connection;  // the bridge name
    std::vector<BridgeAddress> addresses;
    bool round_robin = false;
    std::vector<BridgeTopic> topics;
    std::string remote_clientid;  // default "<hostname>.<connection>" (filled by the reader)
    std::string local_clientid;   // default "local.<remote_clientid>" (filled by the reader)
    bool cleansession = false;
    std::optional<bool> local_cleansession;  // unset: same as cleansession
    std::string remote_username;
    std::string remote_password;
    std::string local_username;
    std::string local_password;
    BridgeProtocolVersion bridge_protocol_version = BridgeProtocolVersion::MqttV311;
    bool try_private = true;
    bool notifications = true;
    bool notifications_local_only = false;
    std::string notification_topic;  // empty: $SYS/broker/connection/<remote_clientid>/state
    std::uint16_t keepalive_interval = 60;
    RestartTimeout restart_timeout;
    BridgeStartType start_type = BridgeStartType::Automatic;
    int threshold = 10;
    int idle_timeout = 60;
    bool bridge_attempt_unsubscribe = true;
    bool bridge_outgoing_retain = true;
    std::uint32_t bridge_max_packet_size = 0;  // 0: unlimited
    std::string bridge_bind_address;
    // TLS: enabled when bridge_cafile or bridge_capath is set; PSK with identity + psk.
    std::string bridge_cafile;
    std::string bridge_capath;
    std::string bridge_certfile;
    std::string bridge_keyfile;
    bool bridge_insecure = false;
    std::string bridge_tls_version;  // empty: Mosquitto's default (tlsv1.2 per the man page)
    std::string bridge_alpn;
    std::string bridge_identity;
    std::string bridge_psk;
    bool bridge_require_ocsp = false;
    // Mosquitto 2.1 additions.
    std::uint32_t bridge_session_expiry_interval = 0;
    std::uint16_t bridge_receive_maximum = 0;  // 0: not sent (65535)
    std::uint16_t bridge_max_topic_alias = 10;
    BridgeReloadType bridge_reload_type = BridgeReloadType::Lazy;
    std::string origin;  // "file:line" of the `connection` line

    bool operator==(const Bridge&) const = default;
    bool effective_local_cleansession() const { return local_cleansession.value_or(cleansession); }
    std::string effective_notification_topic() const {
        if (!notification_topic.empty()) return notification_topic;
        return "$SYS/broker/connection/" + remote_clientid + "/state";
    }
};

enum class LogDestination { Stdout, Stderr, Syslog, Topic, File, Dlt };

struct LogDest {
    LogDestination kind = LogDestination::Stderr;
    std::string path;  // for File
    bool operator==(const LogDest&) const = default;
};

// lampi extension: `metrics_listener PORT [ADDRESS]` serves Prometheus text over HTTP.
struct MetricsListener {
    std::uint16_t port = 0;
    std::string address;  // empty: all interfaces
};

struct Config {
    std::vector<Listener> listeners;
    std::vector<Bridge> bridges;

    // Security (used for all listeners unless per_listener_settings is true).
    bool per_listener_settings = false;
    SecurityOptions security;
    std::string clientid_prefixes;
    bool check_retain_source = true;

    // Limits.
    int max_queued_messages = 1000;  // 0: no maximum
    std::uint64_t max_queued_bytes = 0;
    std::uint16_t max_inflight_messages = 20;  // 0: no maximum
    std::uint64_t max_inflight_bytes = 0;
    std::uint32_t max_packet_size = 0;     // 0: no limit (Mosquitto forbids setting < 20)
    std::uint32_t message_size_limit = 0;  // 0: MQTT's maximum
    std::uint16_t max_keepalive = 65535;
    std::uint64_t memory_limit = 0;  // 0: no limit; lampi counts message bytes (docs/config.md)
    // lampi extensions (docs/config.md).
    std::uint32_t max_publish_rate = 0;  // PUBLISH per second per client; 0: no limit
    std::string response_information = "response/%c/";  // empty: none sent
    bool queue_qos0_messages = false;
    bool retain_available = true;
    bool upgrade_outgoing_qos = false;
    bool allow_duplicate_messages = true;

    // Persistence.
    bool persistence = false;
    std::string persistence_location;
    std::string persistence_file = "mosquitto.db";
    int autosave_interval = 1800;
    bool autosave_on_changes = false;
    std::int64_t persistent_client_expiration = 0;  // seconds; 0: never

    // Process and network.
    std::string pid_file;
    std::string user = "mosquitto";
    bool set_tcp_nodelay = false;
    int sys_interval = 10;  // 0: no $SYS
    std::optional<MetricsListener> metrics_listener;

    // Logging. log_dest/log_type hold the result of all lines (Mosquitto ORs them).
    std::vector<LogDest> log_dest{LogDest{}};  // default stderr; empty after `log_dest none`
    std::uint32_t log_type = kLogDefaultTypes;
    int log_facility = -1;  // -1: daemon; 0..7: local0..local7
    bool log_timestamp = true;
    std::string log_timestamp_format;
    bool connection_messages = true;
    int websockets_log_level = 0;
    std::uint16_t websockets_headers_size = 0;

    std::vector<std::string> include_dir;  // as given, in order

    // True until the file has `listener`, `port`, `bind_address` or another default listener
    // option: Mosquitto 2 then listens on localhost only (see apply_defaults()).
    bool local_only = true;
};

}  // namespace lampi::config
