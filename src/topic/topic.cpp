#include "topic/topic.h"

#include <cstddef>
#include <cstdint>

#include "topic/tree_detail.h"

namespace lampi::topic {
namespace {

constexpr std::size_t kMaxLength = 65535;  // MQTT 1.5.4: a two-byte length prefix
constexpr std::string_view kSharePrefix = "$share/";

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// MQTT 1.5.4 with RFC 3629: well-formed UTF-8, no U+0000, no surrogates (U+D800..U+DFFF), no
// overlong forms, nothing past U+10FFFF. Control characters and non-characters are allowed (the
// spec says a receiver MAY reject them, Mosquitto accepts them).
bool is_valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        unsigned char c = *p;
        if (c < 0x80) {
            if (c == 0) {
                return false;
            }
            ++p;
            continue;
        }
        std::size_t extra = 0;
        unsigned char lo = 0x80;  // bounds for the first continuation byte
        unsigned char hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            if (c == 0xE0) lo = 0xA0;  // overlong
            if (c == 0xED) hi = 0x9F;  // surrogates
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            if (c == 0xF0) lo = 0x90;  // overlong
            if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
        } else {
            return false;  // stray continuation, C0/C1 overlong leads, F5..FF
        }
        if (static_cast<std::size_t>(end - p) <= extra) {
            return false;
        }
        if (p[1] < lo || p[1] > hi) {
            return false;
        }
        for (std::size_t i = 2; i <= extra; ++i) {
            if (!is_continuation(p[i])) {
                return false;
            }
        }
        p += extra + 1;
    }
    return true;
}

}  // namespace

bool is_valid_topic_name(std::string_view name) {
    if (name.empty() || name.size() > kMaxLength) {
        return false;
    }
    if (name.find_first_of("+#") != std::string_view::npos) {
        return false;
    }
    return is_valid_utf8(name);
}

bool is_valid_topic_filter(std::string_view filter) {
    if (filter.empty() || filter.size() > kMaxLength) {
        return false;
    }
    for (std::size_t pos = 0; !detail::levels_consumed(filter, pos);) {
        detail::Level level = detail::level_at(filter, pos);
        if (level.text.find_first_of("+#") != std::string_view::npos) {
            if (level.text.size() != 1) {
                return false;  // "a+", "a#", "++"
            }
            // '#' must be the last level (MQTT 4.7.1.2).
            if (level.text[0] == '#' && !detail::levels_consumed(filter, level.next)) {
                return false;
            }
        }
        pos = level.next;
    }
    return is_valid_utf8(filter);
}

// Walks both strings level by level. '#' matches the rest including the parent level itself
// ("sport/#" matches "sport"); '+' matches exactly one level, which may be empty.
bool matches(std::string_view filter, std::string_view name) {
    if (filter.empty() || name.empty()) {
        return false;
    }
    // MQTT 4.7.2: a wildcard in the first level does not match names starting with '$'.
    if (name[0] == '$' && (filter[0] == '+' || filter[0] == '#')) {
        return false;
    }
    std::size_t fpos = 0;
    std::size_t npos = 0;
    while (!detail::levels_consumed(filter, fpos)) {
        detail::Level f = detail::level_at(filter, fpos);
        if (f.text == "#") {
            return true;
        }
        if (detail::levels_consumed(name, npos)) {
            return false;
        }
        detail::Level n = detail::level_at(name, npos);
        if (f.text != "+" && f.text != n.text) {
            return false;
        }
        fpos = f.next;
        npos = n.next;
    }
    return detail::levels_consumed(name, npos);
}

SharedFilter parse_shared_filter(std::string_view filter) {
    SharedFilter result;
    if (filter.substr(0, kSharePrefix.size()) != kSharePrefix) {
        return result;
    }
    result.is_shared = true;
    std::string_view rest = filter.substr(kSharePrefix.size());
    std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
        return result;  // "$share/group" has no filter
    }
    result.group = rest.substr(0, slash);
    result.filter = rest.substr(slash + 1);
    // MQTT 5 4.8.2: the ShareName must not contain '/', '+' or '#'; the filter must be valid.
    result.valid = !result.group.empty() &&
                   result.group.find_first_of("+#") == std::string_view::npos &&
                   filter.size() <= kMaxLength && is_valid_utf8(result.group) &&
                   is_valid_topic_filter(result.filter);
    return result;
}

}  // namespace lampi::topic
