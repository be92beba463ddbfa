#include "supervisor/config_values.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstring>

namespace lampi::supervisor {
namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

template <typename T>
std::optional<T> parse_number(const std::string& text, int base = 10) {
    std::string t = trim(text);
    T value{};
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value, base);
    if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) return std::nullopt;
    return value;
}

struct SignalName {
    const char* name;
    int number;
};
constexpr SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
    {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"STOP", SIGSTOP},
    {"CONT", SIGCONT}, {"ABRT", SIGABRT}, {"ALRM", SIGALRM},
};

}  // namespace

std::optional<bool> parse_bool(const std::string& text) {
    std::string t = lower(trim(text));
    if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
    if (t == "false" || t == "no" || t == "off" || t == "0") return false;
    return std::nullopt;
}

std::optional<int> parse_int(const std::string& text) { return parse_number<int>(text); }

std::optional<int64_t> parse_byte_size(const std::string& text) {
    std::string t = lower(trim(text));
    int64_t mult = 1;
    auto ends_with = [&](const char* suffix) {
        size_t n = std::strlen(suffix);
        return t.size() >= n && t.compare(t.size() - n, n, suffix) == 0;
    };
    if (ends_with("kb")) mult = 1024;
    if (ends_with("mb")) mult = 1024 * 1024;
    if (ends_with("gb")) mult = int64_t{1024} * 1024 * 1024;
    if (mult != 1) t.resize(t.size() - 2);
    auto n = parse_number<int64_t>(t);
    if (!n || *n < 0 || *n > INT64_MAX / mult) return std::nullopt;
    return *n * mult;
}

std::optional<AutoRestart> parse_autorestart(const std::string& text) {
    if (lower(trim(text)) == "unexpected") return AutoRestart::kUnexpected;
    auto b = parse_bool(text);
    if (!b) return std::nullopt;
    return *b ? AutoRestart::kAlways : AutoRestart::kNever;
}

std::optional<std::vector<int>> parse_exitcodes(const std::string& text) {
    std::vector<int> codes;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        auto code = parse_int(text.substr(pos, comma - pos));
        if (!code || *code < 0 || *code > 255) return std::nullopt;
        codes.push_back(*code);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return codes;
}

std::optional<int> parse_octal(const std::string& text) {
    auto v = parse_number<int>(text, 8);
    if (!v || *v < 0 || *v > 0777) return std::nullopt;
    return v;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_environment(
    const std::string& text) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t i = 0;
    auto skip_space = [&] {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    };
    while (true) {
        skip_space();
        if (i >= text.size()) break;
        size_t eq = text.find('=', i);
        if (eq == std::string::npos) return std::nullopt;
        std::string key = trim(text.substr(i, eq - i));
        if (key.empty() || key.find_first_of(",\"'") != std::string::npos) return std::nullopt;
        i = eq + 1;
        skip_space();
        std::string value;
        while (i < text.size() && text[i] != ',') {
            char c = text[i];
            if (c == '"' || c == '\'') {
                size_t close = text.find(c, i + 1);
                if (close == std::string::npos) return std::nullopt;
                value += text.substr(i + 1, close - i - 1);
                i = close + 1;
            } else {
                value += c;
                ++i;
            }
        }
        out.emplace_back(key, trim(value));
        if (i < text.size()) ++i;  // the comma
    }
    return out;
}

std::optional<std::vector<std::string>> split_command(const std::string& text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (c == '\'') {
            size_t close = text.find('\'', i + 1);
            if (close == std::string::npos) return std::nullopt;
            word += text.substr(i + 1, close - i - 1);
            i = close;
            in_word = true;
        } else if (c == '"') {
            size_t j = i + 1;
            for (; j < text.size() && text[j] != '"'; ++j) {
                if (text[j] == '\\' && j + 1 < text.size() &&
                    std::strchr("\\\"$`\n", text[j + 1]) != nullptr) {
                    ++j;
                }
                word += text[j];
            }
            if (j >= text.size()) return std::nullopt;
            i = j;
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= text.size()) return std::nullopt;
            word += text[++i];
            in_word = true;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

std::optional<int> parse_signal(const std::string& text) {
    std::string t = trim(text);
    if (auto n = parse_int(t)) {
        if (*n > 0 && *n < 65) return n;
        return std::nullopt;
    }
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (t.rfind("SIG", 0) == 0) t = t.substr(3);
    for (const auto& s : kSignals) {
        if (t == s.name) return s.number;
    }
    return std::nullopt;
}

std::string signal_name(int signo) {
    for (const auto& s : kSignals) {
        if (s.number == signo) return std::string("SIG") + s.name;
    }
    return "signal " + std::to_string(signo);
}

std::string namespec(const std::string& group, const std::string& name) {
    return group == name ? name : group + ":" + name;
}

std::optional<std::string> expand(const std::string& value,
                                  const std::map<std::string, std::string>& vars,
                                  std::string& error) {
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '%') {
            out += value[i];
            continue;
        }
        if (i + 1 < value.size() && value[i + 1] == '%') {
            out += '%';
            ++i;
            continue;
        }
        size_t close = value.find(')', i);
        if (i + 1 >= value.size() || value[i + 1] != '(' || close == std::string::npos) {
            error = "bad %-expansion in '" + value + "' (use %% for a literal %)";
            return std::nullopt;
        }
        std::string name = value.substr(i + 2, close - i - 2);
        size_t j = close + 1;
        bool zero = false;
        if (j < value.size() && value[j] == '0') zero = true;
        while (j < value.size() && (value[j] == '-' || value[j] == '0')) ++j;
        size_t width = 0;
        while (j < value.size() && std::isdigit(static_cast<unsigned char>(value[j])) &&
               width < 1000) {
            width = width * 10 + static_cast<size_t>(value[j++] - '0');
        }
        if (j >= value.size() || std::strchr("sdr", value[j]) == nullptr) {
            error = "bad format in %(" + name + ") expansion of '" + value + "'";
            return std::nullopt;
        }
        auto it = vars.find(name);
        if (it == vars.end()) {
            error = "unknown expansion %(" + name + ") in '" + value + "'";
            return std::nullopt;
        }
        std::string text = it->second;
        if (value[j] == 'd' && !parse_int(text)) {
            error = "%(" + name + ")d needs a number, got '" + text + "'";
            return std::nullopt;
        }
        if (text.size() < width) text.insert(0, width - text.size(), zero ? '0' : ' ');
        out += text;
        i = j;
    }
    return out;
}

}  // namespace lampi::supervisor
