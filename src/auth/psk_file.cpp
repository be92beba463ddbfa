#include "auth/psk_file.h"

#include "auth/text.h"
#include "base/psk_key.h"

namespace lampi::auth {
namespace {

constexpr std::size_t kMaxField = 65535;  // Mosquitto skips longer identities and keys

// strtok(s, ":") twice, as in password_file.cpp: the first and second ':'-free runs.
std::pair<std::string_view, std::optional<std::string_view>> colon_fields(std::string_view line) {
    std::size_t pos = line.find_first_not_of(':');
    if (pos == std::string_view::npos) return {{}, std::nullopt};
    std::size_t end = line.find(':', pos);
    std::string_view first = line.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (end == std::string_view::npos) return {first, std::nullopt};
    pos = line.find_first_not_of(':', end);
    if (pos == std::string_view::npos) return {first, std::nullopt};
    end = line.find(':', pos);
    return {first, line.substr(pos, end == std::string_view::npos ? end : end - pos)};
}

}  // namespace

Loaded<PskFile> PskFile::load(const std::string& path) { return load_text_file<PskFile>(path); }

Loaded<PskFile> PskFile::load_from_string(std::string_view text, const std::string& name) {
    Loaded<PskFile> result;
    for_each_line(text, [&](std::size_t number, std::string_view line) {
        auto where = name + ":" + std::to_string(number) + ": ";
        if (line.empty() || line[0] == '#' || line.find(':') == std::string_view::npos) {
            if (!trim_blanks(line).empty() && line[0] != '#') {
                result.warnings.push_back(where + "no ':' in line, ignored");
            }
            return;
        }
        auto [first, second] = colon_fields(line);
        std::string_view identity = trim_blanks(first);
        if (identity.size() > kMaxField) {
            result.warnings.push_back(where + "identity too long, entry ignored");
            return;
        }
        if (!second) {
            result.warnings.push_back(where + "missing key for identity " + std::string(identity) +
                                      ", entry ignored");
            return;
        }
        std::string_view key = trim_blanks(*second);
        if (key.size() > kMaxField) {
            result.warnings.push_back(where + "key too long, entry ignored");
            return;
        }
        if (key.empty()) {
            // Mosquitto keeps the entry, and no key ever matches it.
            result.warnings.push_back(where + "empty psk for identity \"" + std::string(identity) +
                                      "\", it can never connect");
        } else if (!is_hex_key(key)) {
            // The key itself is never echoed: it is a secret.
            result.errors.push_back(where + "psk for identity \"" + std::string(identity) +
                                    "\" contains non-hexadecimal characters");
            return;
        }
        result.value.keys_.emplace(std::string(identity), std::string(key));
    });
    return result;
}

std::optional<std::string_view> PskFile::key(std::string_view identity) const {
    auto it = keys_.find(identity);
    if (it == keys_.end()) return std::nullopt;
    return std::string_view(it->second);
}

}  // namespace lampi::auth
