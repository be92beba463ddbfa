#include "auth/psk_file.h"

#include "auth/text.h"
#include "base/psk_key.h"

namespace lampi::auth {
namespace {}  // namespace

Loaded<PskFile> PskFile::load(const std::string& path) { return load_text_file<PskFile>(path); }

Loaded<PskFile> PskFile::load_from_string(std::string_view text, const std::string& name) {
    Loaded<PskFile> result;
    for_each_colon_entry(
        text, name, result.warnings,
        [&](const std::string& where, std::string_view identity,
            std::optional<std::string_view> key) {
            if (identity.size() > kMaxField) {
                result.warnings.push_back(where + "identity too long, entry ignored");
                return;
            }
            if (!key) {
                result.warnings.push_back(where + "missing key for identity " +
                                          std::string(identity) + ", entry ignored");
                return;
            }
            if (key->size() > kMaxField) {
                result.warnings.push_back(where + "key too long, entry ignored");
                return;
            }
            if (key->empty()) {
                // Mosquitto keeps the entry, and no key ever matches it.
                result.warnings.push_back(where + "empty psk for identity \"" +
                                          std::string(identity) + "\", it can never connect");
            } else if (!is_hex_key(*key)) {
                // The key itself is never echoed: it is a secret.
                result.errors.push_back(where + "psk for identity \"" + std::string(identity) +
                                        "\" contains non-hexadecimal characters");
                return;
            }
            result.value.keys_.emplace(std::string(identity), std::string(*key));
        });
    return result;
}

std::optional<std::string_view> PskFile::key(std::string_view identity) const {
    auto it = keys_.find(identity);
    if (it == keys_.end()) return std::nullopt;
    return std::string_view(it->second);
}

}  // namespace lampi::auth
