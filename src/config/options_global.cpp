// Global options and security options (mosquitto.conf(5) "GENERAL OPTIONS").
// To mark an option implemented, flip its flag here: kYes / kNo.
#include <climits>
#include <string>

#include "config/option_table.h"

namespace lampi::config::detail {
namespace {

constexpr std::int64_t kIntMax = INT_MAX;
constexpr std::int64_t kIntMin = INT_MIN;

// Mosquitto clamps negative limits to 0 ("no limit").
template <auto Field>
void set_limit(Reader& r, const Args& a) {
    using T = typename MemberOf<decltype(Field)>::Type;
    if (auto v = r.int_arg(a, kIntMin, INT64_MAX)) {
        r.config().*Field = static_cast<T>(*v < 0 ? 0 : *v);
    }
}

void max_inflight_messages(Reader& r, const Args& a) {
    if (auto v = r.int_arg(a, kIntMin, 65535)) {
        // Mosquitto: negative or 65535 mean "no maximum".
        r.config().max_inflight_messages =
            static_cast<std::uint16_t>(*v < 0 || *v == 65535 ? 0 : *v);
    }
}

void persistent_client_expiration(Reader& r, const Args& a) {
    auto word = r.word_arg(a);
    if (!word) return;
    std::int64_t multiplier = 0;
    switch (word->empty() ? '\0' : word->back()) {
        case 's':
            multiplier = 1;
            break;
        case 'h':
            multiplier = 3600;
            break;
        case 'd':
            multiplier = 86400;
            break;
        case 'w':
            multiplier = 86400 * 7;
            break;
        case 'm':
            multiplier = 86400 * 30;
            break;
        case 'y':
            multiplier = 86400 * 365;
            break;
        default:
            break;
    }
    const std::string_view number = word->substr(0, word->size() - 1);
    if (multiplier == 0 || number.empty() ||
        number.find_first_not_of("0123456789") != std::string_view::npos) {
        r.error("invalid 'persistent_client_expiration' duration '" + std::string(*word) +
                "' (expected a number followed by s, h, d, w, m or y)");
        return;
    }
    if (auto n = r.parse_int(a, number, 1, INT64_MAX / (86400 * 365))) {
        r.config().persistent_client_expiration = *n * multiplier;
    }
}

void log_dest(Reader& r, const Args& a) {
    if (!r.check_word_count(a, 1, SIZE_MAX)) return;
    Config& c = r.config();
    if (!r.log_dest_seen()) {  // the first log_dest line replaces the default (stderr)
        c.log_dest.clear();
        r.log_dest_seen() = true;
    }
    const std::string_view kind = a.words[0];
    if (kind == "file") {
        std::string_view path = a.rest.substr(4);
        while (!path.empty() && (path.front() == ' ' || path.front() == '\t')) {
            path.remove_prefix(1);
        }
        if (path.empty()) {
            r.error("missing file name for 'log_dest file'");
            return;
        }
        for (const LogDest& d : c.log_dest) {
            if (d.kind == LogDestination::File) {
                r.error("only one 'log_dest file' may be given");
                return;
            }
        }
        c.log_dest.push_back({LogDestination::File, std::string(path)});
        return;
    }
    if (!r.check_word_count(a, 1, 1)) return;
    static constexpr std::pair<std::string_view, LogDestination> kKinds[] = {
        {"stdout", LogDestination::Stdout}, {"stderr", LogDestination::Stderr},
        {"syslog", LogDestination::Syslog}, {"topic", LogDestination::Topic},
        {"dlt", LogDestination::Dlt},
    };
    if (kind == "none") {
        c.log_dest.clear();
        return;
    }
    for (const auto& [name, dest] : kKinds) {
        if (kind != name) continue;
        if (dest == LogDestination::Dlt) {
            r.warning("option 'log_dest " + std::string(kind) +
                      "' is not supported by lampi yet and is ignored");
        }
        c.log_dest.push_back({dest, {}});
        return;
    }
    r.error("invalid 'log_dest' value '" + std::string(kind) +
            "' (expected stdout, stderr, syslog, topic, dlt, file or none)");
}

void log_type(Reader& r, const Args& a) {
    if (!r.check_word_count(a, 1, SIZE_MAX)) return;
    Config& c = r.config();
    if (!r.log_type_seen()) {  // the first log_type line replaces the default types
        c.log_type = 0;
        r.log_type_seen() = true;
    }
    for (std::string_view word : a.words) {
        if (word == "none") {
            c.log_type = 0;
        } else if (!parse_log_type(std::string(word), c.log_type)) {
            r.error("invalid 'log_type' value '" + std::string(word) + "'");
        }
    }
}

void per_listener_settings(Reader& r, const Args& a) {
    auto v = r.bool_arg(a);
    if (!v) return;
    if (*v && r.security_seen() && !r.config().per_listener_settings) {
        r.error("per_listener_settings must be set before any other security settings");
        return;
    }
    r.config().per_listener_settings = *v;
}

void include_dir(Reader& r, const Args& a) {
    if (auto dir = r.string_arg(a)) r.include_dir(*dir);
}

void retry_interval(Reader& r, const Args&) {
    r.warning("option 'retry_interval' is no longer available in Mosquitto 2 and is ignored");
}

void metrics_listener(Reader& r, const Args& a) {
    if (!r.check_word_count(a, 1, 2)) return;
    auto port = r.parse_int(a, a.words[0], 1, 65535);
    if (!port) return;
    MetricsListener m;
    m.port = static_cast<std::uint16_t>(*port);
    if (a.words.size() == 2) m.address = std::string(a.words[1]);
    r.config().metrics_listener = m;
}

// lampi extension: the Response Information template (%c client id, %u username), or `none`.
void response_information(Reader& r, const Args& a) {
    auto word = r.word_arg(a);
    if (!word) return;
    if (*word == "none") {
        r.config().response_information.clear();
        return;
    }
    if (word->find_first_of("+#") != std::string_view::npos || !is_valid_utf8(*word)) {
        r.error("invalid 'response_information' '" + std::string(*word) +
                "' (expected a topic prefix, with %c and %u, or none)");
        return;
    }
    r.config().response_information = std::string(*word);
}

// Security options: global, or per listener when per_listener_settings is true.

void auto_id_prefix(Reader& r, const Args& a) {
    auto v = r.string_arg(a);
    if (!v) return;
    if (v->size() > 50) {
        r.error("'auto_id_prefix' must be at most 50 characters");
        return;
    }
    r.security().auto_id_prefix = std::move(*v);
}

void auth_plugin(Reader& r, const Args& a) {
    if (auto path = r.string_arg(a)) r.security().auth_plugins.push_back({*path, {}, true});
}

void auth_opt(Reader& r, const Args& a) {
    auto& plugins = r.security().auth_plugins;
    if (plugins.empty()) {
        r.error("option '" + std::string(a.name) + "' must follow an 'auth_plugin' line");
        return;
    }
    const std::string_view prefix = a.name.starts_with("auth_opt_") ? "auth_opt_" : "plugin_opt_";
    auto value = r.string_arg(a);
    if (!value) return;
    plugins.back().options.emplace_back(std::string(a.name.substr(prefix.size())), *value);
}

void auth_plugin_deny_special_chars(Reader& r, const Args& a) {
    auto& plugins = r.security().auth_plugins;
    if (plugins.empty()) {
        r.error("option 'auth_plugin_deny_special_chars' must follow an 'auth_plugin' line");
        return;
    }
    if (auto v = r.bool_arg(a)) plugins.back().auth_plugin_deny_special_chars = *v;
}

constexpr Scope S = Scope::Security;
using C = Config;
using Sec = SecurityOptions;

const Option kGlobalOptions[] = {
    // name, scope, implemented, handler
    {"allow_anonymous", S, kYes, set_optional_bool<&Sec::allow_anonymous>},
    {"allow_duplicate_messages", G, kNo, set_bool<&C::allow_duplicate_messages>},
    {"allow_zero_length_clientid", S, kYes, set_bool<&Sec::allow_zero_length_clientid>},
    {"acl_file", S, kYes, set_string<&Sec::acl_file>},
    {"auth_opt_*", S, kNo, auth_opt},
    {"auth_plugin", S, kNo, auth_plugin},
    {"auth_plugin_deny_special_chars", S, kNo, auth_plugin_deny_special_chars},
    {"auto_id_prefix", S, kYes, auto_id_prefix},
    {"autosave_interval", G, kYes, set_limit<&C::autosave_interval>},
    {"autosave_on_changes", G, kYes, set_bool<&C::autosave_on_changes>},
    {"check_retain_source", G, kNo, set_bool<&C::check_retain_source>},
    {"clientid_prefixes", G, kNo, set_string<&C::clientid_prefixes>},
    {"connection_messages", G, kYes, set_bool<&C::connection_messages>},
    {"include_dir", G, kYes, include_dir},
    {"log_dest", G, kYes, log_dest},
    {"log_facility", G, kNo, set_int<&C::log_facility, 0, 7>},
    {"log_timestamp", G, kYes, set_bool<&C::log_timestamp>},
    {"log_timestamp_format", G, kYes, set_string<&C::log_timestamp_format>},
    {"log_type", G, kYes, log_type},
    {"max_inflight_bytes", G, kNo, set_limit<&C::max_inflight_bytes>},
    {"max_inflight_messages", G, kYes, max_inflight_messages},
    {"max_keepalive", G, kYes, set_int<&C::max_keepalive, 0, 65535>},
    {"max_packet_size", G, kYes, set_int<&C::max_packet_size, 20, 4294967295>},
    {"max_queued_bytes", G, kYes, set_limit<&C::max_queued_bytes>},
    {"max_queued_messages", G, kYes, set_limit<&C::max_queued_messages>},
    {"max_publish_rate", G, kYes, set_int<&C::max_publish_rate, 0, 4294967295>},  // lampi
    {"memory_limit", G, kYes, set_int<&C::memory_limit, 0, INT64_MAX>},
    {"message_size_limit", G, kYes, set_int<&C::message_size_limit, 0, 268435455>},
    {"metrics_listener", G, kYes, metrics_listener},  // lampi extension
    {"password_file", S, kYes, set_string<&Sec::password_file>},
    {"per_listener_settings", G, kYes, per_listener_settings},
    {"persistence", G, kYes, set_bool<&C::persistence>},
    {"retained_persistence", G, kYes, set_bool<&C::persistence>},  // Mosquitto's synonym
    {"persistence_file", G, kYes, set_string<&C::persistence_file>},
    {"persistence_location", G, kYes, set_string<&C::persistence_location>},
    {"persistent_client_expiration", G, kYes, persistent_client_expiration},
    {"pid_file", G, kYes, set_string<&C::pid_file>},
    {"plugin", S, kNo, auth_plugin},
    {"plugin_opt_*", S, kNo, auth_opt},
    {"psk_file", S, kYes, set_string<&Sec::psk_file>},
    {"queue_qos0_messages", G, kYes, set_bool<&C::queue_qos0_messages>},
    {"response_information", G, kYes, response_information},  // lampi extension
    {"retain_available", G, kYes, set_bool<&C::retain_available>},
    {"retry_interval", G, kYes, retry_interval},  // removed in Mosquitto 2: own warning
    {"set_tcp_nodelay", G, kYes, set_bool<&C::set_tcp_nodelay>},
    {"sys_interval", G, kYes, set_int<&C::sys_interval, 0, 65535>},
    {"upgrade_outgoing_qos", G, kYes, set_bool<&C::upgrade_outgoing_qos>},
    {"user", G, kYes, set_string<&C::user>},
    {"websockets_headers_size", G, kNo, set_int<&C::websockets_headers_size, 0, 65535>},
    {"websockets_log_level", G, kNo, set_int<&C::websockets_log_level, kIntMin, kIntMax>},
};

}  // namespace

std::span<const Option> global_options() { return kGlobalOptions; }

}  // namespace lampi::config::detail
