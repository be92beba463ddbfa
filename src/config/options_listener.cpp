// Listener options (mosquitto.conf(5) "LISTENERS"). Before any `listener` line they configure
// the default listener, as in Mosquitto 2.0. To mark an option implemented, flip its flag here.
#include <climits>
#include <string>

#include "config/option_table.h"

namespace lampi::config::detail {
namespace {

// `listener port [bind address/host | unix socket path]`
void listener(Reader& r, const Args& a) {
    if (!r.check_word_count(a, 1, 2)) return;
    auto port = r.parse_int(a, a.words[0], 0, 65535);
    if (!port) return;
    if (*port == 0 && a.words.size() < 2) {
        r.error("a listener with port 0 must give a unix socket path");
        return;
    }
    Listener l;
    l.port = static_cast<std::uint16_t>(*port);
    if (a.words.size() == 2) {
        (*port == 0 ? l.unix_socket_path : l.bind_address) = std::string(a.words[1]);
    }
    r.begin_listener(std::move(l));
}

// Deprecated `port N` and `bind_address HOST` configure the default listener.
void port(Reader& r, const Args& a) {
    auto v = r.int_arg(a, 1, 65535);
    if (!v) return;
    r.default_listener("port").port = static_cast<std::uint16_t>(*v);
    r.mark_default_listener_explicit();
}

void bind_address(Reader& r, const Args& a) {
    auto v = r.string_arg(a);
    if (!v) return;
    r.default_listener("bind_address").bind_address = std::move(*v);
    r.mark_default_listener_explicit();
}

void socket_domain(Reader& r, const Args& a) {
    if (auto i = r.choice_arg(a, {"ipv4", "ipv6"})) {
        r.listener().socket_domain = *i == 0 ? SocketDomain::IPv4 : SocketDomain::IPv6;
    }
}

void protocol(Reader& r, const Args& a) {
    auto i = r.choice_arg(a, {"mqtt", "websockets"});
    if (!i) return;
    r.listener().protocol = *i == 0 ? ListenerProtocol::Mqtt : ListenerProtocol::Websockets;
}

void max_connections(Reader& r, const Args& a) {
    if (auto v = r.int_arg(a, INT_MIN, INT_MAX)) {
        r.listener().max_connections = *v < 0 ? -1 : static_cast<int>(*v);
    }
}

void mount_point(Reader& r, const Args& a) {
    auto v = r.string_arg(a);
    if (!v) return;
    if (!is_valid_publish_topic(*v)) {
        r.error("invalid 'mount_point' value '" + *v + "' (wildcards are not allowed)");
        return;
    }
    r.listener().mount_point = std::move(*v);
}

void tls_version(Reader& r, const Args& a) {
    if (auto v = r.choice_arg(a, {"tlsv1.3", "tlsv1.2", "tlsv1.1"})) {
        r.listener().tls_version = std::string(a.words[0]);
    }
}

void tls_keyform(Reader& r, const Args& a) {
    if (auto v = r.choice_arg(a, {"pem", "engine"})) {
        r.listener().tls_keyform = std::string(a.words[0]);
    }
}

// Mosquitto 2.1 per-listener forms that need an explicit listener. They apply even without
// per_listener_settings, which effective_security() does not model yet: hence kNo.
void listener_allow_anonymous(Reader& r, const Args& a) {
    if (auto v = r.bool_arg(a)) r.listener().security.allow_anonymous = *v;
}

void listener_auto_id_prefix(Reader& r, const Args& a) {
    auto v = r.string_arg(a);
    if (!v) return;
    if (v->size() > 50) {
        r.error("'listener_auto_id_prefix' must be at most 50 characters");
        return;
    }
    r.listener().security.auto_id_prefix = std::move(*v);
}

constexpr Scope LO = Scope::ListenerOnly;
using Li = Listener;

const Option kListenerOptions[] = {
    // name, scope, implemented, handler
    {"bind_address", G, kYes, bind_address},
    {"bind_interface", L, kYes, set_string<&Li::bind_interface>},
    {"cafile", L, kYes, set_string<&Li::cafile>},
    {"capath", L, kYes, set_string<&Li::capath>},
    {"certfile", L, kYes, set_string<&Li::certfile>},
    {"ciphers", L, kYes, set_string<&Li::ciphers>},
    {"ciphers_tls1.3", L, kYes, set_string<&Li::ciphers_tls13>},
    {"crlfile", L, kYes, set_string<&Li::crlfile>},
    {"dhparamfile", L, kNo, set_string<&Li::dhparamfile>},
    {"http_dir", L, kYes, set_string<&Li::http_dir>},
    {"keyfile", L, kYes, set_string<&Li::keyfile>},
    {"listener", G, kYes, listener},
    {"listener_allow_anonymous", LO, kNo, listener_allow_anonymous},
    {"listener_auto_id_prefix", LO, kNo, listener_auto_id_prefix},
    {"max_connections", L, kYes, max_connections},
    {"max_qos", L, kYes, set_int<&Li::max_qos, 0, 2>},
    {"max_topic_alias", L, kYes, set_int<&Li::max_topic_alias, 0, 65535>},
    {"mount_point", L, kYes, mount_point},
    {"port", G, kYes, port},
    {"protocol", L, kYes, protocol},
    {"psk_hint", L, kYes, set_string<&Li::psk_hint>},
    {"require_certificate", L, kYes, set_bool<&Li::require_certificate>},
    {"socket_domain", L, kYes, socket_domain},
    {"tls_engine", L, kNo, set_string<&Li::tls_engine>},
    {"tls_engine_kpass_sha1", L, kNo, set_string<&Li::tls_engine_kpass_sha1>},
    {"tls_keyform", L, kNo, tls_keyform},
    {"tls_version", L, kYes, tls_version},
    {"use_identity_as_username", L, kYes, set_bool<&Li::use_identity_as_username>},
    {"use_subject_as_username", L, kYes, set_bool<&Li::use_subject_as_username>},
    {"use_username_as_clientid", L, kNo, set_bool<&Li::use_username_as_clientid>},
};

}  // namespace

std::span<const Option> listener_options() { return kListenerOptions; }

}  // namespace lampi::config::detail
