#include "broker_options.h"

#include "auth/authoriser.h"
#include "auth/psk_file.h"
#include "config/config_reader.h"
#include "server/auth_access.h"

namespace lampi::apps {

namespace {

broker::Settings settings_from(const config::Config& c) {
    broker::Settings s;
    s.max_inflight_messages = c.max_inflight_messages;
    s.max_queued_messages =
        c.max_queued_messages < 0 ? 0 : static_cast<std::size_t>(c.max_queued_messages);
    s.max_queued_bytes = c.max_queued_bytes;
    s.max_packet_size = c.max_packet_size;
    s.message_size_limit = c.message_size_limit;
    s.max_keepalive = c.max_keepalive;
    s.retain_available = c.retain_available;
    s.upgrade_outgoing_qos = c.upgrade_outgoing_qos;
    s.queue_qos0_messages = c.queue_qos0_messages;
    s.allow_zero_length_clientid = c.security.allow_zero_length_clientid;
    s.auto_id_prefix = c.security.auto_id_prefix;
    s.persistent_client_expiration = static_cast<std::uint32_t>(c.persistent_client_expiration);
    s.connection_messages = c.connection_messages;
    s.memory_limit = c.memory_limit;
    s.max_publish_rate = c.max_publish_rate;
    s.response_information = c.response_information;
    return s;
}

server::ListenerOptions listener_from(const config::Config& c, const config::Listener& l) {
    server::ListenerOptions o;
    o.address = l.bind_address;
    o.port = l.port;
    o.unix_path = l.unix_socket_path;
    o.bind_interface = l.bind_interface;
    o.max_connections = l.max_connections;
    // lampi batches its writes itself, so Nagle only adds latency; set_tcp_nodelay is honoured
    // by always setting it.
    o.tcp_nodelay = true;
    o.ipv6 = l.socket_domain != config::SocketDomain::IPv4;
    const config::SecurityOptions& sec = config::effective_security(c, l);
    o.policy.allow_anonymous = sec.allow_anonymous.value_or(false);
    o.policy.mount_point = l.mount_point;
    o.websockets = l.protocol == config::ListenerProtocol::Websockets;
    o.http_dir = l.http_dir;
    o.tls.cafile = l.cafile;
    o.tls.capath = l.capath;
    o.tls.certfile = l.certfile;
    o.tls.keyfile = l.keyfile;
    o.tls.crlfile = l.crlfile;
    o.tls.ciphers = l.ciphers;
    o.tls.ciphers_tls13 = l.ciphers_tls13;
    o.tls.tls_version = l.tls_version;
    o.tls.require_certificate = l.require_certificate;
    o.tls.use_identity_as_username = l.use_identity_as_username;
    o.tls.use_subject_as_username = l.use_subject_as_username;
    // Mosquitto's websockets listeners (libwebsockets) have no PSK; the reader warns.
    if (!o.websockets) o.tls.psk_hint = l.psk_hint;
    o.policy.port = l.port;
    o.policy.max_qos = l.max_qos;
    o.policy.max_topic_alias = l.max_topic_alias;
    return o;
}

// Each psk_file is read once however many listeners share it; Mosquitto reads it even when no
// listener has a psk_hint, so its errors stop start-up either way.
class PskFiles {
  public:
    explicit PskFiles(OptionsResult& result) : result_(result) {}
    std::shared_ptr<const auth::PskFile> get(const std::string& path) {
        if (path.empty()) return nullptr;
        auto [it, inserted] = files_.try_emplace(path);
        if (!inserted) return it->second;
        auto loaded = auth::PskFile::load(path);
        for (auto& e : loaded.errors) result_.errors.push_back(std::move(e));
        for (auto& w : loaded.warnings) result_.warnings.push_back(std::move(w));
        if (loaded.ok())
            it->second = std::make_shared<const auth::PskFile>(std::move(loaded.value));
        return it->second;
    }

  private:
    OptionsResult& result_;
    std::map<std::string, std::shared_ptr<const auth::PskFile>> files_;
};

std::string slot_key(const config::Listener& l) {
    return l.bind_address + "|" + std::to_string(l.port) + "|" + l.unix_socket_path;
}

}  // namespace

void OptionsResult::commit_access() const {
    for (const auto& [slot, rules] : access) slot->set(rules);
}

OptionsResult server_options_from(const config::Config& config, AccessSlots& slots) {
    OptionsResult result;
    server::ServerOptions& options = result.options;
    options.settings = settings_from(config);
    PskFiles psk_files(result);
    psk_files.get(config.security.psk_file);
    for (const auto& l : config.listeners) {
        auto listener = listener_from(config, l);
        const config::SecurityOptions& sec = config::effective_security(config, l);
        auto psk_keys = psk_files.get(sec.psk_file);
        if (!listener.tls.psk_hint.empty()) listener.tls.psk_keys = std::move(psk_keys);
        auth::AuthSettings settings{sec.allow_anonymous.value_or(false), sec.password_file,
                                    sec.acl_file};
        auto loaded = auth::Authoriser::load(settings);
        for (auto& e : loaded.errors) result.errors.push_back(std::move(e));
        for (auto& w : loaded.warnings) result.warnings.push_back(std::move(w));
        auto& slot = slots[slot_key(l)];
        if (!slot) slot = std::make_shared<broker::AccessControlSlot>();
        if (loaded.value) {
            result.access.emplace_back(slot, std::make_shared<server::AuthAccess>(loaded.value));
        }
        listener.policy.access = slot;
        options.listeners.push_back(std::move(listener));
    }
    options.pid_file = config.pid_file;
    options.sys_interval = config.sys_interval;
    options.bridges = config.bridges;
    if (config.metrics_listener) {
        options.metrics =
            std::make_pair(config.metrics_listener->address, config.metrics_listener->port);
    }
    if (config.persistence) {
        // Mosquitto's default file name holds Mosquitto's own format: lampi keeps its SQLite
        // store beside it under another name rather than misread or overwrite it.
        std::string file =
            config.persistence_file == "mosquitto.db" ? "lampi.db" : config.persistence_file;
        std::string dir = config.persistence_location;
        if (!dir.empty() && dir.back() != '/') dir += '/';
        options.store_path = dir + file;
    }
    return result;
}

}  // namespace lampi::apps
