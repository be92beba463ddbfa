// supervisord configuration: the [supervisord], [program:x], [group:x], [include],
// [unix_http_server] and [supervisorctl] sections of supervisord's ini format, with its defaults
// (supervisor 4.2.5, docs/configuration.rst) and its %(name)s expansions. Loading never throws:
// every problem is collected as "file:line: [section] key: message". Pure values; no I/O except
// reading the config file and its includes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lampi::supervisor {

enum class AutoRestart { kNever, kUnexpected, kAlways };

struct LogOptions {
    std::string path;  // empty = NONE; "AUTO" is resolved to a file in childlogdir at spawn
    int64_t maxbytes = 50 * 1024 * 1024;
    int backups = 10;
    bool operator==(const LogOptions&) const = default;
};

struct ProgramConfig {
    std::string name;     // process name (expanded process_name)
    std::string group;    // group name; equals program for a program without [group:x]
    std::string program;  // the [program:x] name
    std::string command;
    std::string directory;
    std::vector<std::pair<std::string, std::string>> environment;
    std::string user;
    int umask = -1;  // -1 = inherit
    int priority = 999;
    bool autostart = true;
    AutoRestart autorestart = AutoRestart::kUnexpected;
    std::vector<int> exitcodes{0};
    int startsecs = 1;
    int startretries = 3;
    int stopsignal = 15;  // SIGTERM
    int stopwaitsecs = 10;
    bool stopasgroup = false;
    bool killasgroup = false;
    bool redirect_stderr = false;
    LogOptions stdout_log{"AUTO"};
    LogOptions stderr_log{"AUTO"};
    bool operator==(const ProgramConfig&) const = default;
};

struct GroupConfig {
    std::string name;
    int priority = 999;
    std::vector<ProgramConfig> processes;  // sorted by priority, then name
    bool operator==(const GroupConfig&) const = default;
};

struct SupervisordConfig {
    std::string logfile;  // empty = none; default "supervisord.log" in the config's directory
    int64_t logfile_maxbytes = 50 * 1024 * 1024;
    int logfile_backups = 10;
    std::string pidfile;
    bool nodaemon = false;
    std::string childlogdir = "/tmp";
    std::string loglevel = "info";
    int umask = 022;
};

struct Config {
    std::string path;  // the main config file
    SupervisordConfig supervisord;
    std::vector<GroupConfig> groups;  // sorted by priority, then name
    std::string socket_file;          // [unix_http_server] file
    std::string serverurl;            // [supervisorctl] serverurl (unix:// only)
    std::vector<std::string> warnings;
};

struct ConfigResult {
    Config config;
    std::vector<std::string> errors;  // "file:line: [section] key: message"; empty = valid
};

// Expands Python-style %(name)s / %(name)d / %(name)02d and %% against `vars`. Returns
// nullopt and sets `error` on an unknown name or a malformed expression.
std::optional<std::string> expand(const std::string& value,
                                  const std::map<std::string, std::string>& vars,
                                  std::string& error);

// Reads a file for the loader; nullopt if it cannot be read.
using FileReader = std::function<std::optional<std::string>(const std::string& path)>;
// Expands one glob pattern to sorted paths.
using Globber = std::function<std::vector<std::string>(const std::string& pattern)>;

struct LoadOptions {
    FileReader read_file;                    // default: the real file system
    Globber glob;                            // default: glob(3)
    std::map<std::string, std::string> env;  // for %(ENV_X)s; default: the process environment
    std::string host_node_name;
    bool follow_includes = true;
};

LoadOptions default_load_options();

ConfigResult load_config(const std::string& path, const LoadOptions& options);
// Parses `text` as if it were the file `path` (used by tests and the fuzzer).
ConfigResult parse_config(const std::string& text, const std::string& path,
                          const LoadOptions& options);

// The namespec supervisorctl shows: "name" when group == name, else "group:name".
std::string namespec(const std::string& group, const std::string& name);

// Signal number for "TERM", "SIGTERM" or "15"; nullopt if unknown.
std::optional<int> parse_signal(const std::string& text);
std::string signal_name(int signo);

}  // namespace lampi::supervisor
