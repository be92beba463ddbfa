// Line and blank handling shared by the password, PSK and ACL file readers (internal header).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lampi::auth {

// Mosquitto skips password/PSK file entries whose fields are longer than this.
inline constexpr std::size_t kMaxField = 65535;

// isspace() in the C locale, as Mosquitto's misc__trimblanks uses.
constexpr bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

constexpr std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

constexpr std::string_view trim_trailing_blanks(std::string_view s) {
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// Calls f(line_number, line) for each '\n'-terminated line (the last may lack the '\n'); the
// line excludes the '\n'. Numbers start at 1.
template <class F>
void for_each_line(std::string_view text, F&& f) {
    std::size_t number = 0;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        ++number;
        f(number, line);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
}

// strtok(s, ":") twice, as Mosquitto reads password and PSK files: skips leading ':'s, then the
// first and second ':'-free runs (the second absent when there is none).
struct ColonFields {
    std::string_view first;
    std::optional<std::string_view> second;
};

constexpr ColonFields colon_fields(std::string_view line) {
    ColonFields f;
    std::size_t pos = line.find_first_not_of(':');
    if (pos == std::string_view::npos) return f;
    std::size_t end = line.find(':', pos);
    f.first = line.substr(pos, end == std::string_view::npos ? line.size() - pos : end - pos);
    if (end == std::string_view::npos) return f;
    pos = line.find_first_not_of(':', end);
    if (pos == std::string_view::npos) return f;
    end = line.find(':', pos);
    f.second = line.substr(pos, end == std::string_view::npos ? line.size() - pos : end - pos);
    return f;
}

// The line loop of Mosquitto's pwfile__parse and psk__file_parse: comments and blank lines are
// skipped, a line without ':' is skipped with a warning, and f(where, first, second) gets the
// two fields trimmed, `where` being "name:line: " for messages.
template <class F>
void for_each_colon_entry(std::string_view text, const std::string& name,
                          std::vector<std::string>& warnings, F&& f) {
    for_each_line(text, [&](std::size_t number, std::string_view line) {
        const std::string where = name + ":" + std::to_string(number) + ": ";
        if (line.empty() || line[0] == '#' || line.find(':') == std::string_view::npos) {
            if (!trim_blanks(line).empty() && line[0] != '#') {
                warnings.push_back(where + "no ':' in line, ignored");
            }
            return;
        }
        const ColonFields fields = colon_fields(line);
        std::optional<std::string_view> second;
        if (fields.second) second = trim_blanks(*fields.second);
        f(where, trim_blanks(fields.first), second);
    });
}

}  // namespace lampi::auth
