// Value parsers for supervisord options (booleans, byte sizes, signals, environment lists, ...).
// Each returns nullopt on a malformed value; the caller turns that into a file:line error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "supervisor/config.h"

namespace lampi::supervisor {

std::optional<bool> parse_bool(const std::string& text);
std::optional<int> parse_int(const std::string& text);
std::optional<int64_t> parse_byte_size(const std::string& text);  // "50MB", "1KB", "1024"
std::optional<AutoRestart> parse_autorestart(const std::string& text);
std::optional<std::vector<int>> parse_exitcodes(const std::string& text);
std::optional<int> parse_octal(const std::string& text);
// KEY="val",KEY2=val2 (supervisor's dict_of_key_value_pairs).
std::optional<std::vector<std::pair<std::string, std::string>>> parse_environment(
    const std::string& text);
// POSIX shell-like split of a command line (shlex.split); nullopt on an unclosed quote.
std::optional<std::vector<std::string>> split_command(const std::string& text);

}  // namespace lampi::supervisor
