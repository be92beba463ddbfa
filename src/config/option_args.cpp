// Argument parsers shared by the option tables. Each reports its own "file:line: ..." error.
#include <charconv>
#include <string>

#include "config/option_table.h"

namespace lampi::config::detail {

namespace {
std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }
}  // namespace

bool Reader::check_word_count(const Args& a, std::size_t min, std::size_t max) {
    if (a.words.size() < min) {
        error("missing argument for " + quoted(a.name));
        return false;
    }
    if (a.words.size() > max) {
        error("too many arguments for " + quoted(a.name));
        return false;
    }
    return true;
}

std::optional<bool> Reader::bool_arg(const Args& a) {
    if (!check_word_count(a, 1, 1)) return std::nullopt;
    // Mosquitto's conf__parse_bool also takes 1 and 0.
    const std::string_view w = a.words[0];
    if (w == "true" || w == "1") return true;
    if (w == "false" || w == "0") return false;
    error(quoted(a.name) + " value " + quoted(w) + " is not true or false");
    return std::nullopt;
}

std::optional<std::int64_t> Reader::parse_int(const Args& a, std::string_view word,
                                              std::int64_t min, std::int64_t max) {
    std::int64_t value = 0;
    const char* first = word.data();
    const char* last = word.data() + word.size();
    if (first != last && *first == '+') ++first;  // from_chars does not take '+'
    auto [ptr, ec] = std::from_chars(first, last, value);
    if (ec == std::errc::invalid_argument || ptr != last || first == last) {
        error(quoted(a.name) + " value " + quoted(word) + " is not a number");
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range || value < min || value > max) {
        error(quoted(a.name) + " value " + std::string(word) + " is out of range (" +
              std::to_string(min) + ".." + std::to_string(max) + ")");
        return std::nullopt;
    }
    return value;
}

std::optional<std::int64_t> Reader::int_arg(const Args& a, std::int64_t min, std::int64_t max) {
    if (!check_word_count(a, 1, 1)) return std::nullopt;
    return parse_int(a, a.words[0], min, max);
}

std::optional<std::string> Reader::string_arg(const Args& a) {
    if (a.rest.empty()) {
        error("missing argument for " + quoted(a.name));
        return std::nullopt;
    }
    if (!is_valid_utf8(a.rest)) {
        error(quoted(a.name) + " value is not valid UTF-8");
        return std::nullopt;
    }
    return std::string(a.rest);
}

std::optional<std::string_view> Reader::word_arg(const Args& a) {
    if (!check_word_count(a, 1, 1)) return std::nullopt;
    return a.words[0];
}

std::optional<std::size_t> Reader::choice_arg(const Args& a,
                                              std::initializer_list<std::string_view> choices) {
    auto word = word_arg(a);
    if (!word) return std::nullopt;
    std::size_t i = 0;
    std::string expected;
    for (std::string_view c : choices) {
        if (c == *word) return i;
        if (!expected.empty()) expected += i + 1 == choices.size() ? " or " : ", ";
        expected += c;
        ++i;
    }
    error("invalid " + quoted(a.name) + " value " + quoted(*word) + " (expected " + expected + ")");
    return std::nullopt;
}

}  // namespace lampi::config::detail
