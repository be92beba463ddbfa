// Small topic validators for config checks (MQTT 3.1.1 section 4.7; MQTT 5 section 4.7).
#include <cstdint>
#include <string_view>

#include "config/option_table.h"

namespace lampi::config::detail {

bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) return false;  // MQTT 1.5.3: no U+0000
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1Fu;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0Fu;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        // Overlong forms, surrogates and values past U+10FFFF are malformed.
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
            return false;
        }
        i += len;
    }
    return true;
}

bool is_valid_publish_topic(std::string_view topic) {
    if (topic.empty() || topic.size() > 65535) return false;
    if (topic.find_first_of("+#") != std::string_view::npos) return false;
    return is_valid_utf8(topic);
}

bool is_valid_subscription_filter(std::string_view filter) {
    if (filter.empty() || filter.size() > 65535) return false;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = filter.find('/', start);
        const std::string_view level = filter.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        if (level.find_first_of("+#") != std::string_view::npos) {
            if (level.size() != 1) return false;                              // "a+" or "#b"
            if (level == "#" && end != std::string_view::npos) return false;  // "#" not last
        }
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return is_valid_utf8(filter);
}

}  // namespace lampi::config::detail
