// load_config: the options file, then argv (both through the flag tables of cli_flags_*.cpp),
// then the checks that need every flag; and the small helpers of cli.h.
#include "apps/common/cli.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "apps/common/cli_flags.h"

namespace lampi::cli {

namespace {

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

// One options-file line as {"", flag, rest-of-line}, like Mosquitto's strtok(line, " ") then
// strtok(NULL, ""); empty when the line holds no flag.
Args options_line_args(std::string line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    const auto start = line.find_first_not_of(' ');
    if (start == std::string::npos) return {};
    const auto end = line.find(' ', start);
    Args args{"", line.substr(start, end - start)};
    if (end != std::string::npos) {
        const auto rest = line.find_first_not_of(' ', end);
        if (rest != std::string::npos) args.push_back(line.substr(rest));
    }
    return args;
}

// Parses each line of the options file; a missing file is no error. Returns false on an error or
// at --help / --version (then `stop` says which).
bool parse_options_file(Config& cfg, const std::string& path, ParseStatus& stop) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const Args args = options_line_args(line);
        if (!args.empty() && !parse_flags(cfg, args, stop)) return false;
    }
    return true;
}

bool check_will(const Config& cfg) {
    if (cfg.will_payload && cfg.will_topic.empty()) {
        std::fprintf(stderr, "Error: Will payload given, but no will topic given.\n");
        return false;
    }
    if (cfg.will_retain && cfg.will_topic.empty()) {
        std::fprintf(stderr, "Error: Will retain given, but no will topic given.\n");
        return false;
    }
    return true;
}

bool check_tls(const Config& cfg) {
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
    return true;
}

// A session that outlives the connection needs a fixed client id: -c (v3), or in v5 -c or -x
// with an infinite expiry. Sets the v5 CONNECT's session expiry interval.
bool check_session(Config& cfg) {
    const bool fixed_id = cfg.id_prefix.empty() && !cfg.id.empty();
    if (cfg.version != mqtt::ProtocolVersion::V5) {
        if (!cfg.clean_session && !fixed_id) {
            std::fprintf(stderr,
                         "Error: You must provide a client id if you are using the -c option.\n");
            return false;
        }
        return true;
    }
    if (!cfg.clean_session && cfg.session_expiry == -1) cfg.session_expiry = kSessionNeverExpires;
    if (cfg.session_expiry <= 0) return true;
    if (cfg.session_expiry == kSessionNeverExpires && !fixed_id) {
        std::fprintf(stderr,
                     "Error: You must provide a client id if you are using an infinite session "
                     "expiry interval.\n");
        return false;
    }
    cfg.connect_props.session_expiry_interval = static_cast<std::uint32_t>(cfg.session_expiry);
    return true;
}

// What Mosquitto's client_config_load checks once every flag is read, in its order.
bool check_config(Config& cfg) {
    if (!check_will(cfg) || !check_tls(cfg) || !check_session(cfg)) return false;
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
    const Args args(argv, argv + argc);
    bool error = false;
    const std::string path = options_file_path(tool, args, error);
    if (error) return ParseStatus::Error;
    ParseStatus stop = ParseStatus::Ok;
    // An error or --help / --version in the options file skips the command line.
    const bool parsed =
        (path.empty() || parse_options_file(cfg, path, stop)) && parse_flags(cfg, args, stop);
    if (stop != ParseStatus::Ok) return stop;
    if (!parsed) return ParseStatus::Error;
    return check_config(cfg) ? ParseStatus::Ok : ParseStatus::Error;
}

void err_printf(const Config& cfg, const char* format, ...) {
    if (cfg.quiet) return;
    va_list va;
    va_start(va, format);
    std::vfprintf(stderr, format, va);
    va_end(va);
}

}  // namespace lampi::cli
