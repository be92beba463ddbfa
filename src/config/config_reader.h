// Reads Mosquitto-format configuration files (mosquitto.conf(5)) into a Config.
// Every problem is reported, not just the first: errors and warnings are "file:line: message".
// Reads files only (the config file and include_dir files); pure otherwise; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.h"
#include "config/config.h"

namespace lampi::config {

struct ConfigResult {
    Config config;
    std::vector<std::string> errors;    // the config must not be used when non-empty
    std::vector<std::string> warnings;  // e.g. valid Mosquitto options lampi ignores
    bool ok() const { return errors.empty(); }
};

// Reads `path`. A missing or unreadable file is an error ("path: cannot open ...").
ConfigResult read_config_file(const std::string& path);

// Reads `text` as if it were a file called `name` (for tests and fuzzing). include_dir lines
// still read the named directories.
ConfigResult read_config_string(std::string_view text, const std::string& name);

// Mosquitto 2 command line `-p PORT` (may be repeated). Call before apply_defaults().
// Mosquitto 2: the ports are bound to the loopback interface only (127.0.0.1 and ::1), and they
// are ignored when the configuration defines any listener (then a warning is returned).
std::vector<std::string> apply_command_line_ports(Config& config,
                                                  const std::vector<std::uint16_t>& ports);

// Computes Mosquitto 2's effective settings; call once after reading (and -p handling):
// - no listener configured (local only mode): listen on 127.0.0.1:1883 and [::1]:1883 and
//   allow anonymous clients unless allow_anonymous says otherwise;
// - otherwise an unset allow_anonymous means false (globally, or on each listener when
//   per_listener_settings is true).
void apply_defaults(Config& config);

// The security options that apply to clients of `listener`.
const SecurityOptions& effective_security(const Config& config, const Listener& listener);

// log_dest/log_type/log_timestamp* as base/log.h settings. `log_dest topic`/`dlt` are dropped.
LogSettings log_settings(const Config& config);

}  // namespace lampi::config
