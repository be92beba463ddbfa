#include "apps/common/cli.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>

#include "apps/common/message_format.h"
#include "apps/common/property_arg.h"
#include "apps/common/url.h"
#include "mqtt/codec.h"

namespace lampi::cli {

namespace {

using Args = std::vector<std::string>;

// Parses one set of arguments: argv, or one options-file line split as {"", flag, rest}.
class ArgParser {
  public:
    ArgParser(Config& cfg, const Args& args) : cfg_(cfg), args_(args) {}

    bool run();
    bool help() const { return help_; }
    bool version() const { return version_; }

  private:
    bool unknown() {
        std::fprintf(stderr, "Error: Unknown option '%s'.\n", args_[i_].c_str());
        return false;
    }
    // The value after the flag, or prints "Error: FLAG argument given but no WHAT specified."
    const std::string* value(const char* flag, const char* what) {
        if (i_ + 1 >= args_.size()) {
            std::fprintf(stderr, "Error: %s argument given but no %s specified.\n\n", flag, what);
            return nullptr;
        }
        return &args_[++i_];
    }
    bool set_pub_mode(PubMode mode) {
        if (cfg_.pub_mode != PubMode::None) {
            std::fprintf(stderr, "Error: Only one type of message can be sent at once.\n\n");
            return false;
        }
        cfg_.pub_mode = mode;
        return true;
    }
    bool add_topic(const std::string& topic, const char* arg);
    bool parse_url(const std::string& text);
    bool parse_proxy(const std::string& text);
    bool parse_one(const std::string& a);
    bool pub_only() const { return cfg_.tool == Tool::Pub; }
    bool sub_only() const { return cfg_.tool == Tool::Sub; }

    Config& cfg_;
    const Args& args_;
    std::size_t i_ = 1;
    bool help_ = false;
    bool version_ = false;
};

bool ArgParser::run() {
    for (i_ = 1; i_ < args_.size(); ++i_) {
        if (!parse_one(args_[i_])) return false;
    }
    return true;
}

bool ArgParser::add_topic(const std::string& topic, const char* arg) {
    if (!mqtt::is_valid_utf8(topic)) {
        std::fprintf(stderr, "Error: Malformed UTF-8 in %s argument.\n\n", arg);
        return false;
    }
    if (cfg_.tool == Tool::Sub) {
        if (!valid_subscribe_topic(topic)) {
            std::fprintf(stderr,
                         "Error: Invalid subscription topic '%s', are all '+' and '#' wildcards "
                         "correct?\n",
                         topic.c_str());
            return false;
        }
        cfg_.topics.push_back(topic);
        return true;
    }
    if (!valid_publish_topic(topic)) {
        std::fprintf(stderr, "Error: Invalid publish topic '%s', does it contain '+' or '#'?\n",
                     topic.c_str());
        return false;
    }
    cfg_.topic = topic;
    return true;
}

bool ArgParser::parse_url(const std::string& text) {
    std::optional<BrokerUrl> url = parse_broker_url(text);
    if (!url) return false;
    if (!add_topic(url->topic, "-L topic")) return false;
    cfg_.port = url->port;
    cfg_.host = url->host;
    if (url->username) cfg_.username = url->username;
    if (url->password) cfg_.password = url->password;
    if (url->tls) cfg_.tls_use_os_certs = true;
    if (url->websocket) cfg_.websocket = true;
    return true;
}

bool ArgParser::parse_proxy(const std::string& text) {
    std::optional<ProxyUrl> url = parse_proxy_url(text);
    if (!url) return false;
    client::ProxyOptions p;
    p.host = url->host;
    p.port = static_cast<std::uint16_t>(url->port);
    p.username = url->username;
    p.password = url->password;
    cfg_.proxy = p;
    return true;
}

bool ArgParser::parse_one(const std::string& a) {
    const std::string* v = nullptr;
    auto is = [&a](const char* s1, const char* s2 = nullptr) {
        return a == s1 || (s2 != nullptr && a == s2);
    };
    if (is("-A")) {
        if (!(v = value("-A", "address"))) return false;
        cfg_.bind_address = *v;
    } else if (is("--cafile")) {
        if (!(v = value("--cafile", "file"))) return false;
        cfg_.cafile = *v;
    } else if (is("--capath")) {
        if (!(v = value("--capath", "directory"))) return false;
        cfg_.capath = *v;
    } else if (is("--cert")) {
        if (!(v = value("--cert", "file"))) return false;
        cfg_.certfile = *v;
    } else if (is("--ciphers")) {
        if (!(v = value("--ciphers", "ciphers"))) return false;
        cfg_.ciphers = *v;
    } else if (is("-C")) {
        if (!sub_only()) return unknown();
        if (!(v = value("-C", "count"))) return false;
        cfg_.msg_count = std::atoi(v->c_str());
        if (cfg_.msg_count < 1) {
            std::fprintf(stderr, "Error: Invalid message count \"%d\".\n\n", cfg_.msg_count);
            return false;
        }
    } else if (is("-c", "--disable-clean-session")) {
        cfg_.clean_session = false;
    } else if (is("-d", "--debug")) {
        cfg_.debug = true;
    } else if (is("-D", "--property")) {
        if (!parse_property_arg(cfg_, args_, i_)) return false;
        cfg_.version = mqtt::ProtocolVersion::V5;
    } else if (is("-e")) {
        if (cfg_.tool != Tool::Rr) return unknown();
        if (!(v = value("-e", "response topic"))) return false;
        if (!valid_publish_topic(*v)) {
            std::fprintf(stderr,
                         "Error: Invalid response topic '%s', does it contain '+' or '#'?\n",
                         v->c_str());
            return false;
        }
        cfg_.response_topic = *v;
    } else if (is("-E")) {
        if (!sub_only()) return unknown();
        cfg_.exit_after_sub = true;
    } else if (is("-f", "--file")) {
        if (sub_only()) return unknown();
        if (!set_pub_mode(PubMode::File)) return false;
        if (!(v = value("-f", "file"))) return false;
        cfg_.file_input = *v;
    } else if (is("-F")) {
        if (pub_only()) return unknown();
        if (!(v = value("-F", "format"))) return false;
        if (!check_format(*v)) return false;
        cfg_.format = *v;
    } else if (is("-h", "--host")) {
        if (!(v = value("-h", "host"))) return false;
        cfg_.host = *v;
    } else if (is("--insecure")) {
        cfg_.insecure = true;
    } else if (is("-i", "--id")) {
        if (!cfg_.id_prefix.empty()) {
            std::fprintf(stderr, "Error: -i and -I argument cannot be used together.\n\n");
            return false;
        }
        if (!(v = value("-i", "id"))) return false;
        cfg_.id = *v;
    } else if (is("-I", "--id-prefix")) {
        if (!cfg_.id.empty()) {
            std::fprintf(stderr, "Error: -i and -I argument cannot be used together.\n\n");
            return false;
        }
        if (!(v = value("-I", "id prefix"))) return false;
        cfg_.id_prefix = *v;
    } else if (is("-k", "--keepalive")) {
        if (!(v = value("-k", "keepalive"))) return false;
        cfg_.keepalive = std::atoi(v->c_str());
        if (cfg_.keepalive < 5 || cfg_.keepalive > 65535) {
            std::fprintf(stderr,
                         "Error: Invalid keepalive given, it must be between 5 and 65535 "
                         "inclusive.\n\n");
            return false;
        }
    } else if (is("--key")) {
        if (!(v = value("--key", "file"))) return false;
        cfg_.keyfile = *v;
    } else if (is("--keyform")) {
        if (!(v = value("--keyform", "keyform"))) return false;
        cfg_.keyform = *v;
    } else if (is("-L", "--url")) {
        if (!(v = value("-L", "URL"))) return false;
        if (!parse_url(*v)) return false;
    } else if (is("-l", "--stdin-line")) {
        if (!pub_only()) return unknown();
        if (!set_pub_mode(PubMode::StdinLine)) return false;
    } else if (is("-m", "--message")) {
        if (sub_only()) return unknown();
        if (!set_pub_mode(PubMode::Message)) return false;
        if (!(v = value("-m", "message"))) return false;
        cfg_.message = *v;
    } else if (is("-M")) {
        if (!(v = value("-M", "max_inflight"))) return false;
        const int n = std::atoi(v->c_str());
        if (n < 1) {
            std::fprintf(stderr, "Error: Maximum inflight messages must be greater than 0.\n\n");
            return false;
        }
        cfg_.max_inflight = static_cast<unsigned>(n);
    } else if (is("--nodelay")) {
        cfg_.nodelay = true;
    } else if (is("-n", "--null-message")) {
        if (sub_only()) return unknown();
        if (!set_pub_mode(PubMode::Null)) return false;
    } else if (is("-N")) {
        if (pub_only()) return unknown();
        cfg_.eol = false;
    } else if (is("-o")) {
        if (!(v = value("-o", "options file"))) return false;
    } else if (is("-p", "--port")) {
        if (!(v = value("-p", "port"))) return false;
        cfg_.port = std::atoi(v->c_str());
        if (cfg_.port < 0 || cfg_.port > 65535) {
            std::fprintf(stderr, "Error: Invalid port given: %d\n", cfg_.port);
            return false;
        }
    } else if (is("--pretty")) {
        if (pub_only()) return unknown();
        cfg_.pretty = true;
    } else if (is("--proxy")) {
        if (!(v = value("--proxy", "proxy URL"))) return false;
        if (!parse_proxy(*v)) return false;
    } else if (is("--psk")) {
        if (!(v = value("--psk", "key"))) return false;
        cfg_.psk = *v;
    } else if (is("--psk-identity")) {
        if (!(v = value("--psk-identity", "identity"))) return false;
        cfg_.psk_identity = *v;
    } else if (is("-P", "--pw")) {
        if (!(v = value("-P", "password"))) return false;
        cfg_.password = *v;
    } else if (is("-q", "--qos")) {
        if (!(v = value("-q", "QoS"))) return false;
        cfg_.qos = std::atoi(v->c_str());
        if (cfg_.qos < 0 || cfg_.qos > 2) {
            std::fprintf(stderr, "Error: Invalid QoS given: %d\n", cfg_.qos);
            return false;
        }
    } else if (is("--quiet")) {
        cfg_.quiet = true;
    } else if (is("-r", "--retain")) {
        if (!pub_only()) return unknown();
        cfg_.retain = true;
    } else if (is("-R")) {
        if (pub_only()) return unknown();
        cfg_.no_retain = true;
    } else if (is("--random-filter")) {
        if (!sub_only()) return unknown();
        if (!(v = value("--random-filter", "chance"))) return false;
        cfg_.random_filter = static_cast<int>(10.0 * std::atof(v->c_str()));
        if (cfg_.random_filter > 10000 || cfg_.random_filter < 1) {
            std::fprintf(stderr, "Error: --random-filter chance must be between 0.1-100.0\n\n");
            return false;
        }
    } else if (is("--remove-retained")) {
        if (!sub_only()) return unknown();
        cfg_.remove_retained = true;
    } else if (is("--repeat")) {
        if (!pub_only()) return unknown();
        if (!(v = value("--repeat", "count"))) return false;
        cfg_.repeat_count = std::atoi(v->c_str());
        if (cfg_.repeat_count < 1) {
            std::fprintf(stderr, "Error: --repeat argument must be >0.\n\n");
            return false;
        }
    } else if (is("--repeat-delay")) {
        if (!pub_only()) return unknown();
        if (!(v = value("--repeat-delay", "time"))) return false;
        cfg_.repeat_delay = std::atof(v->c_str());
        if (cfg_.repeat_delay < 0) {
            std::fprintf(stderr, "Error: --repeat-delay argument must be >=0.0.\n\n");
            return false;
        }
    } else if (is("--retain-as-published")) {
        if (pub_only()) return unknown();
        cfg_.retain_as_published = true;
    } else if (is("--retained-only")) {
        if (!sub_only()) return unknown();
        cfg_.retained_only = true;
    } else if (is("-s", "--stdin-file")) {
        if (sub_only()) return unknown();
        if (!set_pub_mode(PubMode::StdinFile)) return false;
    } else if (is("-t", "--topic")) {
        if (!(v = value("-t", "topic"))) return false;
        if (!add_topic(*v, "-t")) return false;
    } else if (is("-T", "--filter-out")) {
        if (!sub_only()) return unknown();
        if (!(v = value("-T", "topic filter"))) return false;
        if (!valid_subscribe_topic(*v)) {
            std::fprintf(stderr,
                         "Error: Invalid filter topic '%s', are all '+' and '#' wildcards "
                         "correct?\n",
                         v->c_str());
            return false;
        }
        cfg_.filter_outs.push_back(*v);
    } else if (is("--tls-alpn")) {
        if (!(v = value("--tls-alpn", "protocol"))) return false;
        cfg_.tls_alpn = *v;
    } else if (is("--tls-engine")) {
        if (!(v = value("--tls-engine", "engine"))) return false;
        cfg_.tls_engine = *v;
    } else if (is("--tls-engine-kpass-sha1")) {
        if (!(v = value("--tls-engine-kpass-sha1", "kpass sha1"))) return false;
        cfg_.tls_engine_kpass_sha1 = *v;
    } else if (is("--tls-use-os-certs")) {
        cfg_.tls_use_os_certs = true;
    } else if (is("--tls-version")) {
        if (!(v = value("--tls-version", "version"))) return false;
        cfg_.tls_version = *v;
    } else if (is("-U", "--unsubscribe")) {
        if (!sub_only()) return unknown();
        if (!(v = value("-U", "unsubscribe topic"))) return false;
        if (!valid_subscribe_topic(*v)) {
            std::fprintf(stderr,
                         "Error: Invalid unsubscribe topic '%s', are all '+' and '#' wildcards "
                         "correct?\n",
                         v->c_str());
            return false;
        }
        cfg_.unsub_topics.push_back(*v);
    } else if (is("-u", "--username")) {
        if (!(v = value("-u", "username"))) return false;
        cfg_.username = *v;
    } else if (is("--unix")) {
        if (!(v = value("--unix", "socket path"))) return false;
        cfg_.unix_path = *v;
        cfg_.port = 0;
    } else if (is("-V", "--protocol-version")) {
        if (!(v = value("--protocol-version", "version"))) return false;
        if (*v == "mqttv31" || *v == "31") {
            cfg_.version = mqtt::ProtocolVersion::V31;
        } else if (*v == "mqttv311" || *v == "311") {
            cfg_.version = mqtt::ProtocolVersion::V311;
        } else if (*v == "mqttv5" || *v == "5") {
            cfg_.version = mqtt::ProtocolVersion::V5;
        } else {
            std::fprintf(stderr, "Error: Invalid protocol version argument given.\n\n");
            return false;
        }
    } else if (is("-v", "--verbose")) {
        if (pub_only()) return unknown();
        cfg_.verbose = true;
    } else if (is("-W")) {
        if (pub_only()) return unknown();
        if (!(v = value("-W", "timeout"))) return false;
        const int t = std::atoi(v->c_str());
        if (t < 1) {
            std::fprintf(stderr, "Error: Invalid timeout \"%d\".\n\n", t);
            return false;
        }
        cfg_.timeout = static_cast<unsigned>(t);
    } else if (is("--will-payload")) {
        if (!(v = value("--will-payload", "will payload"))) return false;
        cfg_.will_payload = *v;
    } else if (is("--will-qos")) {
        if (!(v = value("--will-qos", "will QoS"))) return false;
        cfg_.will_qos = std::atoi(v->c_str());
        if (cfg_.will_qos < 0 || cfg_.will_qos > 2) {
            std::fprintf(stderr, "Error: Invalid will QoS %d.\n\n", cfg_.will_qos);
            return false;
        }
    } else if (is("--will-retain")) {
        cfg_.will_retain = true;
    } else if (is("--will-topic")) {
        if (!(v = value("--will-topic", "will topic"))) return false;
        if (!valid_publish_topic(*v)) {
            std::fprintf(stderr, "Error: Invalid will topic '%s', does it contain '+' or '#'?\n",
                         v->c_str());
            return false;
        }
        cfg_.will_topic = *v;
    } else if (is("--ws")) {
        cfg_.websocket = true;
    } else if (is("--ws-path")) {
        if (!(v = value("--ws-path", "path"))) return false;
        cfg_.ws_path = *v;
        cfg_.websocket = true;
    } else if (is("-x")) {
        if (!(v = value("-x", "session expiry interval"))) return false;
        if (*v == "\xE2\x88\x9E") {  // "∞"
            cfg_.session_expiry = 4294967295LL;
        } else {
            char* end = nullptr;
            cfg_.session_expiry = std::strtoll(v->c_str(), &end, 0);
            if (end == v->c_str() || *end != '\0') {
                std::fprintf(stderr, "Error: session-expiry-interval not a number.\n\n");
                return false;
            }
            if (cfg_.session_expiry > 4294967295LL || cfg_.session_expiry < -1) {
                std::fprintf(stderr, "Error: session-expiry-interval out of range.\n\n");
                return false;
            }
            if (cfg_.session_expiry == -1) cfg_.session_expiry = 4294967295LL;
        }
    } else if (is("--help")) {
        help_ = true;
        return false;
    } else if (is("--version")) {
        version_ = true;
        return false;
    } else {
        return unknown();
    }
    return true;
}

std::string options_file_path(Tool tool, const Args& argv, bool& error) {
    std::string path;
    for (std::size_t i = 1; i < argv.size(); ++i) {
        if (argv[i] != "-o") continue;
        if (!path.empty()) {
            std::fprintf(stderr, "Error: Duplicate -o argument given.\n\n");
            error = true;
            return {};
        }
        if (i + 1 >= argv.size()) {
            std::fprintf(stderr, "Error: -o argument given but no options file specified.\n\n");
            error = true;
            return {};
        }
        path = argv[i + 1];
    }
    if (!path.empty()) return path;
    const std::string name = std::string("/") + mosquitto_name(tool);
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME")) return xdg + name;
    if (const char* home = std::getenv("HOME")) return std::string(home) + "/.config" + name;
    return {};
}

bool check_config(Config& cfg) {
    if (cfg.will_payload && cfg.will_topic.empty()) {
        std::fprintf(stderr, "Error: Will payload given, but no will topic given.\n");
        return false;
    }
    if (cfg.will_retain && cfg.will_topic.empty()) {
        std::fprintf(stderr, "Error: Will retain given, but no will topic given.\n");
        return false;
    }
    if (cfg.certfile.empty() != cfg.keyfile.empty()) {
        std::fprintf(stderr,
                     "Error: Both certfile and keyfile must be provided if one of them is set.\n");
        return false;
    }
    if (!cfg.keyform.empty() && cfg.keyfile.empty()) {
        std::fprintf(stderr, "Error: If keyform is set, keyfile must be also specified.\n");
        return false;
    }
    if (!cfg.tls_engine_kpass_sha1.empty() && (cfg.keyform.empty() || cfg.tls_engine.empty())) {
        std::fprintf(stderr,
                     "Error: when using tls-engine-kpass-sha1, both tls-engine and keyform must "
                     "also be provided.\n");
        return false;
    }
    if (!cfg.psk.empty() && (!cfg.cafile.empty() || !cfg.capath.empty())) {
        std::fprintf(stderr,
                     "Error: Only one of --psk or --cafile/--capath may be used at once.\n");
        return false;
    }
    if (!cfg.psk.empty() && cfg.psk_identity.empty()) {
        std::fprintf(stderr, "Error: --psk-identity required if --psk used.\n");
        return false;
    }
    if (cfg.version == mqtt::ProtocolVersion::V5) {
        if (!cfg.clean_session && cfg.session_expiry == -1) cfg.session_expiry = 4294967295LL;
        if (cfg.session_expiry > 0) {
            if (cfg.session_expiry == 4294967295LL && (!cfg.id_prefix.empty() || cfg.id.empty())) {
                std::fprintf(stderr,
                             "Error: You must provide a client id if you are using an infinite "
                             "session expiry interval.\n");
                return false;
            }
            cfg.connect_props.session_expiry_interval =
                static_cast<std::uint32_t>(cfg.session_expiry);
        }
    } else if (!cfg.clean_session && (!cfg.id_prefix.empty() || cfg.id.empty())) {
        std::fprintf(stderr,
                     "Error: You must provide a client id if you are using the -c option.\n");
        return false;
    }
    if (cfg.tool == Tool::Sub && cfg.topics.empty() && cfg.unsub_topics.empty()) {
        std::fprintf(stderr, "Error: You must specify a topic to subscribe to.\n");
        return false;
    }
    if (cfg.host.empty()) cfg.host = "localhost";
    return true;
}

}  // namespace

const char* mosquitto_name(Tool tool) {
    switch (tool) {
        case Tool::Pub:
            return "mosquitto_pub";
        case Tool::Sub:
            return "mosquitto_sub";
        default:
            return "mosquitto_rr";
    }
}

std::string tool_name(Tool tool) {
    return std::string("lampi-") + (mosquitto_name(tool) + std::strlen("mosquitto_"));
}

ParseStatus load_config(Config& cfg, Tool tool, int argc, char** argv) {
    cfg = Config{};
    cfg.tool = tool;
    if (tool == Tool::Rr) {
        cfg.version = mqtt::ProtocolVersion::V5;
        cfg.msg_count = 1;
    }
    Args args(argv, argv + argc);
    bool error = false;
    const std::string path = options_file_path(tool, args, error);
    if (error) return ParseStatus::Error;
    bool help = false;
    bool version = false;
    auto parse = [&](const Args& a) {
        ArgParser p(cfg, a);
        const bool ok = p.run();
        help = p.help();
        version = p.version();
        return ok;
    };
    if (!path.empty()) {
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
            // "flag rest of the line": like strtok(line, " ") then strtok(NULL, "").
            const auto start = line.find_first_not_of(' ');
            if (start == std::string::npos) continue;
            const auto end = line.find(' ', start);
            Args a{"", line.substr(start, end - start)};
            if (end != std::string::npos) {
                const auto rest = line.find_first_not_of(' ', end);
                if (rest != std::string::npos) a.push_back(line.substr(rest));
            }
            if (!parse(a)) {
                if (!help && !version) return ParseStatus::Error;
                break;
            }
        }
    }
    if (!help && !version && parse(args)) {
        return check_config(cfg) ? ParseStatus::Ok : ParseStatus::Error;
    }
    if (help) return ParseStatus::Help;
    if (version) return ParseStatus::Version;
    return ParseStatus::Error;
}

void err_printf(const Config& cfg, const char* format, ...) {
    if (cfg.quiet) return;
    va_list va;
    va_start(va, format);
    std::vfprintf(stderr, format, va);
    va_end(va);
}

}  // namespace lampi::cli
