// Bridge options (mosquitto.conf(5) "CONFIGURING BRIDGES"); each applies to the most recent
// `connection`. To mark an option implemented, flip its flag here.
#include <cctype>
#include <climits>
#include <string>

#include "config/option_table.h"

namespace lampi::config::detail {
namespace {

void connection(Reader& r, const Args& a) {
    auto name = r.word_arg(a);
    if (!name) return;
    for (const Bridge& b : r.config().bridges) {
        if (b.connection == *name) {
            r.error("duplicate bridge name '" + std::string(*name) + "' (first at " + b.origin +
                    ")");
            return;
        }
    }
    Bridge b;
    b.connection = std::string(*name);
    r.begin_bridge(std::move(b));
}

// `address host[:port] [host[:port]...]`. As Mosquitto, the port follows the last ':' (so an
// IPv6 address needs a port); "[v6]:port" is accepted too.
void address(Reader& r, const Args& a) {
    if (!r.check_word_count(a, 1, SIZE_MAX)) return;
    for (std::string_view word : a.words) {
        BridgeAddress addr;
        std::string_view host = word;
        std::string_view port;
        if (word.starts_with('[') && word.find(']') != std::string_view::npos) {
            const std::size_t close = word.find(']');
            host = word.substr(1, close - 1);
            std::string_view after = word.substr(close + 1);
            if (after.starts_with(':'))
                port = after.substr(1);
            else if (!after.empty())
                host = {};
        } else if (const std::size_t colon = word.rfind(':'); colon != std::string_view::npos) {
            host = word.substr(0, colon);
            port = word.substr(colon + 1);
        }
        if (host.empty()) {
            r.error("invalid bridge address '" + std::string(word) + "'");
            continue;
        }
        if (!port.empty() || word.ends_with(':')) {
            auto p = r.parse_int(a, port, 1, 65535);
            if (!p) continue;
            addr.port = static_cast<std::uint16_t>(*p);
        }
        addr.host = std::string(host);
        r.bridge().addresses.push_back(std::move(addr));
    }
}

// Splits a topic line: "..." quotes a value (Mosquitto 2.1 allows spaces in a quoted pattern),
// "" is an empty value, and a word starting with '#' after the pattern begins a comment.
std::optional<std::vector<std::string>> topic_words(Reader& r, std::string_view rest) {
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < rest.size()) {
        if (rest[i] == ' ' || rest[i] == '\t') {
            ++i;
            continue;
        }
        if (rest[i] == '"') {
            const std::size_t close = rest.find('"', i + 1);
            if (close == std::string_view::npos) {
                r.error("missing closing quote in 'topic' line");
                return std::nullopt;
            }
            words.emplace_back(rest.substr(i + 1, close - i - 1));
            i = close + 1;
            continue;
        }
        std::size_t j = i;
        while (j < rest.size() && rest[j] != ' ' && rest[j] != '\t') ++j;
        if (!words.empty() && rest[i] == '#') break;
        words.emplace_back(rest.substr(i, j - i));
        i = j;
    }
    return words;
}

std::optional<BridgeDirection> parse_direction(std::string word) {
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word == "out") return BridgeDirection::Out;
    if (word == "in") return BridgeDirection::In;
    if (word == "both") return BridgeDirection::Both;
    return std::nullopt;
}

// Mosquitto's load-time checks (bridge__add_topic): prefixes are publish topics, and each
// prefix + pattern is a subscription filter; an empty pattern renames one exact topic.
bool validate_topic(Reader& r, const BridgeTopic& t) {
    bool ok = true;
    auto fail = [&](const std::string& message) {
        r.error("invalid bridge topic: " + message);
        ok = false;
    };
    if (!t.local_prefix.empty() && !is_valid_publish_topic(t.local_prefix)) {
        fail("local prefix '" + t.local_prefix + "' must not contain wildcards");
    }
    if (!t.remote_prefix.empty() && !is_valid_publish_topic(t.remote_prefix)) {
        fail("remote prefix '" + t.remote_prefix + "' must not contain wildcards");
    }
    if (!ok) return false;
    if (t.pattern.empty()) {
        if (t.local_prefix.empty() || t.remote_prefix.empty()) {
            fail("an empty pattern needs both a local and a remote prefix");
        }
        return ok;
    }
    if (!is_valid_subscription_filter(t.pattern)) {
        fail("pattern '" + t.pattern + "' is not a valid topic filter");
        return false;
    }
    if (!is_valid_subscription_filter(t.local_topic())) {
        fail("local prefix and pattern combination '" + t.local_topic() +
             "' is not a valid topic filter");
    }
    if (!is_valid_subscription_filter(t.remote_topic())) {
        fail("remote prefix and pattern combination '" + t.remote_topic() +
             "' is not a valid topic filter");
    }
    return ok;
}

// `topic <pattern> [[[out|in|both] qos] local-prefix remote-prefix]`
void topic(Reader& r, const Args& a) {
    auto words = topic_words(r, a.rest);
    if (!words) return;
    if (words->empty()) {
        r.error("missing argument for 'topic'");
        return;
    }
    if (words->size() > 5) {
        r.error("too many arguments for 'topic'");
        return;
    }
    const std::vector<std::string>& w = *words;
    BridgeTopic t;
    t.pattern = w[0];
    if (w.size() > 1) {
        auto direction = parse_direction(w[1]);
        if (!direction) {
            r.error("invalid bridge topic direction '" + w[1] + "' (expected out, in or both)");
            return;
        }
        t.direction = *direction;
    }
    if (w.size() > 2) {
        if (w[2] != "0" && w[2] != "1" && w[2] != "2") {
            r.error("invalid bridge topic QoS '" + w[2] + "' (expected 0, 1 or 2)");
            return;
        }
        t.qos = static_cast<std::uint8_t>(w[2][0] - '0');
    }
    if (w.size() > 3) t.local_prefix = w[3];
    if (w.size() > 4) t.remote_prefix = w[4];
    if (validate_topic(r, t)) r.bridge().topics.push_back(std::move(t));
}

// Mosquitto raises too-low values to a minimum instead of refusing them; say so.
std::optional<std::int64_t> at_least(Reader& r, const Args& a, std::int64_t value,
                                     std::int64_t minimum, std::string_view unit) {
    if (value >= minimum) return value;
    r.warning("'" + std::string(a.name) + "' value " + std::to_string(value) +
              " is too low, using " + std::to_string(minimum) + " " + std::string(unit));
    return minimum;
}

void keepalive_interval(Reader& r, const Args& a) {
    if (auto v = r.int_arg(a, INT_MIN, 65535)) {
        r.bridge().keepalive_interval =
            static_cast<std::uint16_t>(*at_least(r, a, *v, 5, "seconds"));
    }
}

void threshold(Reader& r, const Args& a) {
    if (auto v = r.int_arg(a, INT_MIN, INT_MAX)) {
        r.bridge().threshold = static_cast<int>(*at_least(r, a, *v, 1, "message"));
    }
}

void idle_timeout(Reader& r, const Args& a) {
    if (auto v = r.int_arg(a, INT_MIN, INT_MAX)) {
        r.bridge().idle_timeout = static_cast<int>(*at_least(r, a, *v, 1, "second"));
    }
}

// `restart_timeout constant` or `restart_timeout base cap [stable]` (seconds).
void restart_timeout(Reader& r, const Args& a) {
    if (!r.check_word_count(a, 1, 3)) return;
    auto base = r.parse_int(a, a.words[0], INT_MIN, INT_MAX);
    if (!base) return;
    *base = *at_least(r, a, *base, 1, "second");
    if (*base > 3600) {
        r.warning("'restart_timeout' value " + std::to_string(*base) +
                  " is too high, using 3600 seconds");
        *base = 3600;
    }
    RestartTimeout t;
    t.base = static_cast<std::uint32_t>(*base);
    t.cap = t.base;
    t.constant = a.words.size() == 1;
    if (a.words.size() >= 2) {
        auto cap = r.parse_int(a, a.words[1], INT_MIN, INT_MAX);
        if (!cap) return;
        if (*cap < *base) {
            r.error("'restart_timeout' cap " + std::to_string(*cap) + " is lower than the base " +
                    std::to_string(*base));
            return;
        }
        if (*cap > 7200) {
            r.warning("'restart_timeout' cap " + std::to_string(*cap) +
                      " is too high, using 7200 seconds");
            *cap = 7200;
        }
        t.cap = static_cast<std::uint32_t>(*cap);
    }
    if (a.words.size() == 3) {
        auto stable = r.parse_int(a, a.words[2], 0, INT_MAX);
        if (!stable) return;
        t.stable = static_cast<std::uint32_t>(*stable);
    }
    r.bridge().restart_timeout = t;
}

void bridge_protocol_version(Reader& r, const Args& a) {
    static constexpr BridgeProtocolVersion kVersions[] = {BridgeProtocolVersion::MqttV31,
                                                          BridgeProtocolVersion::MqttV311,
                                                          BridgeProtocolVersion::MqttV50};
    if (auto i = r.choice_arg(a, {"mqttv31", "mqttv311", "mqttv50"})) {
        r.bridge().bridge_protocol_version = kVersions[*i];
    }
}

void start_type(Reader& r, const Args& a) {
    static constexpr BridgeStartType kTypes[] = {BridgeStartType::Automatic, BridgeStartType::Lazy,
                                                 BridgeStartType::Once};
    if (a.words.size() == 1 && a.words[0] == "manual") {
        r.error("start_type 'manual' is not supported (Mosquitto does not support it either)");
        return;
    }
    if (auto i = r.choice_arg(a, {"automatic", "lazy", "once"})) r.bridge().start_type = kTypes[*i];
}

void bridge_reload_type(Reader& r, const Args& a) {
    if (auto i = r.choice_arg(a, {"lazy", "immediate"})) {
        r.bridge().bridge_reload_type =
            *i == 0 ? BridgeReloadType::Lazy : BridgeReloadType::Immediate;
    }
}

void notification_topic(Reader& r, const Args& a) {
    auto v = r.string_arg(a);
    if (!v) return;
    if (!is_valid_publish_topic(*v)) {
        r.error("invalid 'notification_topic' value '" + *v + "' (wildcards are not allowed)");
        return;
    }
    r.bridge().notification_topic = std::move(*v);
}

void bridge_max_packet_size(Reader& r, const Args& a) {
    if (auto v = r.int_arg(a, INT_MIN, 4294967295)) {
        r.bridge().bridge_max_packet_size = static_cast<std::uint32_t>(*v < 0 ? 0 : *v);
    }
}

void bridge_insecure(Reader& r, const Args& a) {
    auto v = r.bool_arg(a);
    if (!v) return;
    r.bridge().bridge_insecure = *v;
    if (*v) r.warning("bridge_insecure true: the remote certificate's host name is not checked");
}

void bridge_tls_version(Reader& r, const Args& a) {
    if (r.choice_arg(a, {"tlsv1.3", "tlsv1.2", "tlsv1.1"})) {
        r.bridge().bridge_tls_version = std::string(a.words[0]);
    }
}

using Br = Bridge;

const Option kBridgeOptions[] = {
    // name, scope, implemented, handler
    {"address", B, kYes, address},
    {"addresses", B, kYes, address},
    {"bridge_alpn", B, kYes, set_string<&Br::bridge_alpn>},
    {"bridge_attempt_unsubscribe", B, kYes, set_bool<&Br::bridge_attempt_unsubscribe>},
    {"bridge_bind_address", B, kYes, set_string<&Br::bridge_bind_address>},
    {"bridge_cafile", B, kYes, set_string<&Br::bridge_cafile>},
    {"bridge_capath", B, kYes, set_string<&Br::bridge_capath>},
    {"bridge_certfile", B, kYes, set_string<&Br::bridge_certfile>},
    {"bridge_identity", B, kYes, set_string<&Br::bridge_identity>},
    {"bridge_insecure", B, kYes, bridge_insecure},
    {"bridge_keyfile", B, kYes, set_string<&Br::bridge_keyfile>},
    {"bridge_max_packet_size", B, kYes, bridge_max_packet_size},
    {"bridge_max_topic_alias", B, kYes, set_int<&Br::bridge_max_topic_alias, 0, 65535>},
    {"bridge_outgoing_retain", B, kYes, set_bool<&Br::bridge_outgoing_retain>},
    {"bridge_protocol_version", B, kYes, bridge_protocol_version},
    {"bridge_psk", B, kYes, set_string<&Br::bridge_psk>},
    {"bridge_receive_maximum", B, kYes, set_int<&Br::bridge_receive_maximum, 1, 65535>},
    {"bridge_reload_type", B, kYes, bridge_reload_type},
    {"bridge_require_ocsp", B, kYes, set_bool<&Br::bridge_require_ocsp>},
    {"bridge_session_expiry_interval", B, kYes,
     set_int<&Br::bridge_session_expiry_interval, 0, 4294967295>},
    {"bridge_tls_version", B, kYes, bridge_tls_version},
    {"cleansession", B, kYes, set_bool<&Br::cleansession>},
    {"clientid", B, kYes, set_string<&Br::remote_clientid>},
    {"connection", G, kYes, connection},
    {"idle_timeout", B, kYes, idle_timeout},
    {"keepalive_interval", B, kYes, keepalive_interval},
    {"local_cleansession", B, kYes, set_optional_bool<&Br::local_cleansession>},
    {"local_clientid", B, kYes, set_string<&Br::local_clientid>},
    {"local_password", B, kYes, set_string<&Br::local_password>},
    {"local_username", B, kYes, set_string<&Br::local_username>},
    {"notification_topic", B, kYes, notification_topic},
    {"notifications", B, kYes, set_bool<&Br::notifications>},
    {"notifications_local_only", B, kYes, set_bool<&Br::notifications_local_only>},
    {"password", B, kYes, set_string<&Br::remote_password>},
    {"remote_clientid", B, kYes, set_string<&Br::remote_clientid>},
    {"remote_password", B, kYes, set_string<&Br::remote_password>},
    {"remote_username", B, kYes, set_string<&Br::remote_username>},
    {"restart_timeout", B, kYes, restart_timeout},
    {"round_robin", B, kYes, set_bool<&Br::round_robin>},
    {"start_type", B, kYes, start_type},
    {"threshold", B, kYes, threshold},
    {"topic", B, kYes, topic},
    {"try_private", B, kYes, set_bool<&Br::try_private>},
    {"username", B, kYes, set_string<&Br::remote_username>},
};

}  // namespace

std::span<const Option> bridge_options() { return kBridgeOptions; }

}  // namespace lampi::config::detail
