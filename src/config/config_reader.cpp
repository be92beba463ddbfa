#include "config/config_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_map>

#include "config/option_table.h"

namespace lampi::config {
namespace detail {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_blank(s[i])) ++i;
        std::size_t j = i;
        while (j < s.size() && !is_blank(s[j])) ++j;
        if (j > i) {
            // "port 1883 # comment": a later word starting with '#' ends the arguments. The
            // first word may be '#' itself (`topic # out 1`).
            if (!words.empty() && s[i] == '#') break;
            words.push_back(s.substr(i, j - i));
        }
        i = j;
    }
    return words;
}

struct OptionIndex {
    std::unordered_map<std::string_view, const Option*> exact;
    std::vector<const Option*> prefixes;
};

const OptionIndex& option_index() {
    static const OptionIndex index = [] {
        OptionIndex idx;
        for (auto table : {global_options(), listener_options(), bridge_options()}) {
            for (const Option& o : table) {
                if (!o.name.empty() && o.name.back() == '*') {
                    idx.prefixes.push_back(&o);
                } else {
                    idx.exact.emplace(o.name, &o);
                }
            }
        }
        return idx;
    }();
    return index;
}

const Option* find_option(std::string_view name) {
    const OptionIndex& idx = option_index();
    if (auto it = idx.exact.find(name); it != idx.exact.end()) return it->second;
    for (const Option* o : idx.prefixes) {
        const std::string_view prefix = o->name.substr(0, o->name.size() - 1);
        if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix) return o;
    }
    return nullptr;
}

// Mosquitto's include_dir order: case-insensitive first, then upper case before lower case
// ("00.conf 01.conf A.conf a.conf B.conf b.conf").
bool mosquitto_file_order(const std::string& a, const std::string& b) {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const int ua = std::toupper(static_cast<unsigned char>(a[i]));
        const int ub = std::toupper(static_cast<unsigned char>(b[i]));
        if (ua != ub) return ua < ub;
        if (a[i] != b[i])
            return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
    }
    return a.size() < b.size();
}

std::optional<std::string> read_whole_file(const std::string& path, std::string& why) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        why = "is a directory";
        return std::nullopt;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string local_hostname() {
    char name[256] = {};
    if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
    return name;
}

}  // namespace

void Reader::error(std::string_view message) {
    errors_.push_back(origin_ + ": " + std::string(message));
}

void Reader::warning(std::string_view message) {
    warnings_.push_back(origin_ + ": " + std::string(message));
}

void Reader::begin_listener(Listener listener) {
    listener.origin = origin_;
    config_.listeners.push_back(std::move(listener));
    current_listener_ = static_cast<int>(config_.listeners.size()) - 1;
    config_.local_only = false;
}

void Reader::begin_bridge(Bridge bridge) {
    bridge.origin = origin_;
    config_.bridges.push_back(std::move(bridge));
    current_bridge_ = static_cast<int>(config_.bridges.size()) - 1;
}

Listener& Reader::default_listener(std::string_view option) {
    if (!default_listener_) {
        default_listener_.emplace();
        default_listener_->is_default_listener = true;
        default_listener_->origin = origin_;
        default_listener_reason_ = std::string(option);
    }
    return *default_listener_;
}

void Reader::include_dir(const std::string& dir) {
    config_.include_dir.push_back(dir);
    if (depth_ > 0) {
        error("include_dir is only valid in the main configuration file");
        return;
    }
    std::error_code ec;
    std::vector<std::string> names;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        std::error_code type_ec;  // regular files only: a FIFO would block the reader
        if (name.size() > 5 && name.ends_with(".conf") && it->is_regular_file(type_ec)) {
            names.push_back(name);
        }
    }
    if (ec) {
        error("cannot open include_dir '" + dir + "': " + ec.message());
        return;
    }
    std::sort(names.begin(), names.end(), mosquitto_file_order);

    // Mosquitto reads each file with no current listener or bridge.
    const std::string saved_origin = origin_;
    const int saved_listener = current_listener_;
    const int saved_bridge = current_bridge_;
    for (const std::string& name : names) {
        const std::string path = (std::filesystem::path(dir) / name).string();
        std::string why;
        if (auto text = read_whole_file(path, why)) {
            current_listener_ = -1;
            current_bridge_ = -1;
            read_text(*text, path, depth_ + 1);
        } else {
            origin_ = saved_origin;
            error("cannot open included file '" + path + "': " + why);
        }
    }
    origin_ = saved_origin;
    current_listener_ = saved_listener;
    current_bridge_ = saved_bridge;
}

void Reader::read_text(std::string_view text, const std::string& name, int depth) {
    const int saved_depth = depth_;
    depth_ = depth;
    std::size_t line_number = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        ++line_number;
        origin_ = name + ":" + std::to_string(line_number);
        read_line(text.substr(pos, end - pos));
        pos = end + 1;
    }
    depth_ = saved_depth;
}

void Reader::read_line(std::string_view line) {
    line = trim(line);
    if (line.empty() || line.front() == '#') return;
    std::size_t name_end = 0;
    while (name_end < line.size() && !is_blank(line[name_end])) ++name_end;
    Args args;
    args.name = line.substr(0, name_end);
    args.rest = trim(line.substr(name_end));
    args.words = split_words(args.rest);

    const Option* option = find_option(args.name);
    if (option == nullptr) {
        error("unknown option '" + std::string(args.name) + "'");
        return;
    }
    if (!resolve_scope(*option, args)) return;
    const std::size_t errors_before = errors_.size();
    option->handler(*this, args);
    if (!option->implemented && errors_.size() == errors_before) {
        warning("option '" + std::string(args.name) +
                "' is not supported by lampi yet and is ignored");
    }
}

bool Reader::resolve_scope(const Option& option, const Args& args) {
    const std::string name(args.name);
    listener_ = nullptr;
    bridge_ = nullptr;
    security_ = nullptr;
    auto current_or_default_listener = [&]() -> Listener* {
        if (current_listener_ >= 0) return &config_.listeners[current_listener_];
        return &default_listener(name);
    };
    switch (option.scope) {
        case Scope::Global:
            return true;
        case Scope::Listener:
            listener_ = current_or_default_listener();
            return true;
        case Scope::ListenerOnly:
            if (current_listener_ < 0) {
                error("option '" + name + "' must follow a 'listener' line");
                return false;
            }
            listener_ = &config_.listeners[current_listener_];
            return true;
        case Scope::Security:
            security_seen_ = true;
            if (config_.per_listener_settings) {
                listener_ = current_or_default_listener();
                security_ = &listener_->security;
            } else {
                security_ = &config_.security;
            }
            return true;
        case Scope::Bridge:
            if (current_bridge_ < 0) {
                error("option '" + name + "' must follow a 'connection' line");
                return false;
            }
            bridge_ = &config_.bridges[current_bridge_];
            return true;
    }
    return false;
}

void Reader::finish() {
    finish_default_listener();
    finish_listeners();
    finish_bridges();
}

void Reader::finish_default_listener() {
    if (!default_listener_) return;
    Listener untouched;
    untouched.is_default_listener = true;
    untouched.origin = default_listener_->origin;
    // Mosquitto 2.0 starts the default listener when `port`/`bind_address` is given or any of
    // its options differs from the default.
    if (!default_listener_explicit_ && *default_listener_ == untouched) return;
    if (!default_listener_explicit_) {
        warnings_.push_back(default_listener_->origin + ": option '" + default_listener_reason_ +
                            "' before any 'listener' line creates a default listener on port " +
                            std::to_string(default_listener_->port));
    }
    config_.listeners.insert(config_.listeners.begin(), std::move(*default_listener_));
    default_listener_.reset();
    config_.local_only = false;
}

void Reader::finish_listeners() {
    for (std::size_t i = 0; i < config_.listeners.size(); ++i) {
        const Listener& l = config_.listeners[i];
        auto fail = [&](const std::string& message) {
            errors_.push_back(l.origin + ": " + message);
        };
        if (l.certfile.empty() != l.keyfile.empty()) {
            fail("both certfile and keyfile must be given to enable TLS on a listener");
        }
        if ((!l.cafile.empty() || !l.capath.empty()) && l.certfile.empty()) {
            fail("cafile/capath given without certfile and keyfile");
        }
        if (!l.psk_hint.empty() && !l.certfile.empty()) {
            fail("cannot use both certificate and psk encryption on one listener");
        }
        // Mosquitto serves websockets through libwebsockets, which has no PSK: the listener
        // runs without it. Say so rather than serve plain text silently.
        if (!l.psk_hint.empty() && l.protocol == ListenerProtocol::Websockets) {
            warnings_.push_back(l.origin +
                                ": psk_hint is ignored on a websockets listener (as in Mosquitto)");
        }
        for (std::size_t j = 0; j < i; ++j) {
            const Listener& o = config_.listeners[j];
            if (o.port == l.port && o.bind_address == l.bind_address &&
                o.unix_socket_path == l.unix_socket_path && o.socket_domain == l.socket_domain) {
                fail("listener defined twice (first at " + o.origin + ")");
                break;
            }
        }
    }
}

void Reader::finish_bridges() {
    const std::string hostname = config_.bridges.empty() ? std::string() : local_hostname();
    for (std::size_t i = 0; i < config_.bridges.size(); ++i) {
        Bridge& b = config_.bridges[i];
        auto fail = [&](const std::string& message) {
            errors_.push_back(b.origin + ": bridge '" + b.connection + "': " + message);
        };
        if (b.addresses.empty()) fail("no 'address' given");
        if (b.topics.empty()) fail("no 'topic' lines given");
        if (b.bridge_identity.empty() != b.bridge_psk.empty()) {
            fail("bridge_identity and bridge_psk must be given together");
        }
        if (b.bridge_psk.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
            fail("bridge_psk must be a hexadecimal key");
        }
        const bool x509 = !b.bridge_cafile.empty() || !b.bridge_capath.empty() ||
                          !b.bridge_certfile.empty() || !b.bridge_keyfile.empty();
        if (x509 && (!b.bridge_identity.empty() || !b.bridge_psk.empty())) {
            fail("cannot use both certificate and psk encryption on one bridge");
        }
        if (b.bridge_certfile.empty() != b.bridge_keyfile.empty()) {
            fail("bridge_certfile and bridge_keyfile must be given together");
        }
        if (!b.remote_password.empty() && b.remote_username.empty()) {
            warnings_.push_back(b.origin + ": bridge '" + b.connection +
                                "': remote_password is ignored without remote_username");
        }
        // Mosquitto's code (not its man page): "<hostname>.<connection name>".
        if (b.remote_clientid.empty()) b.remote_clientid = hostname + "." + b.connection;
        if (b.local_clientid.empty()) b.local_clientid = "local." + b.remote_clientid;
        for (std::size_t j = 0; j < i; ++j) {
            if (config_.bridges[j].local_clientid == b.local_clientid) {
                fail("local_clientid '" + b.local_clientid + "' is not unique (also used by '" +
                     config_.bridges[j].connection + "')");
            }
        }
    }
}

}  // namespace detail

namespace {

ConfigResult read(std::string_view text, const std::string& name) {
    ConfigResult result;
    detail::Reader reader(result.config, result.errors, result.warnings);
    reader.read_text(text, name, 0);
    reader.finish();
    return result;
}

}  // namespace

ConfigResult read_config_file(const std::string& path) {
    std::string why;
    auto text = detail::read_whole_file(path, why);
    if (!text) {
        ConfigResult result;
        result.errors.push_back(path + ": cannot open config file: " + why);
        return result;
    }
    return read(*text, path);
}

ConfigResult read_config_string(std::string_view text, const std::string& name) {
    return read(text, name);
}

std::vector<std::string> apply_command_line_ports(Config& config,
                                                  const std::vector<std::uint16_t>& ports) {
    if (ports.empty()) return {};
    if (!config.local_only) {
        return {"-p is ignored because the configuration file defines listeners"};
    }
    for (std::uint16_t port : ports) {
        for (const auto& [address, domain] :
             {std::pair{"127.0.0.1", SocketDomain::IPv4}, std::pair{"::1", SocketDomain::IPv6}}) {
            Listener l;
            l.port = port;
            l.bind_address = address;
            l.socket_domain = domain;
            l.is_default_listener = true;
            l.origin = "command line -p " + std::to_string(port);
            config.listeners.push_back(std::move(l));
        }
    }
    return {};
}

void apply_defaults(Config& config) {
    if (config.local_only && config.listeners.empty()) {
        apply_command_line_ports(config, {1883});
        for (Listener& l : config.listeners) l.origin = "default (no listener configured)";
    }
    // Mosquitto 2: anonymous clients are allowed only in local only mode, unless configured.
    const bool anonymous = config.local_only;
    if (!config.security.allow_anonymous) config.security.allow_anonymous = anonymous;
    for (Listener& l : config.listeners) {
        if (!l.security.allow_anonymous) l.security.allow_anonymous = anonymous;
    }
}

const SecurityOptions& effective_security(const Config& config, const Listener& listener) {
    return config.per_listener_settings ? listener.security : config.security;
}

LogSettings log_settings(const Config& config) {
    LogSettings s;
    s.types = config.log_type;
    s.to_stderr = false;
    for (const LogDest& d : config.log_dest) {
        switch (d.kind) {
            case LogDestination::Stdout:
                s.to_stdout = true;
                break;
            case LogDestination::Stderr:
                s.to_stderr = true;
                break;
            case LogDestination::Syslog:
                s.to_syslog = true;
                break;
            case LogDestination::File:
                s.files.push_back(d.path);
                break;
            case LogDestination::Topic:
                s.to_topic = true;
                break;
            case LogDestination::Dlt:
                break;
        }
    }
    s.timestamp = config.log_timestamp;
    s.timestamp_format = config.log_timestamp_format;
    return s;
}

}  // namespace lampi::config
