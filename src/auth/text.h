// Line and blank handling shared by the password and ACL file readers (internal header).
#pragma once

#include <cstddef>
#include <string_view>

namespace lampi::auth {

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

}  // namespace lampi::auth
