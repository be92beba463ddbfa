// Mosquitto's psk_file: one "identity:hexkey" per line, the keys of TLS-PSK listeners.
// Immutable after load; key() is const and safe from any number of threads.
// Reading follows Mosquitto 2.0 (security_default.c pwfile__parse + psk__file_parse):
//   - lines starting with '#', and lines without ':', are ignored;
//   - identity and key are trimmed of blanks; the key ends at the next ':';
//   - a line with an identity but no key is skipped with a warning "file:line: ...";
//   - a key that is only blanks is kept (and never matches), with a warning;
//   - a key that is not hexadecimal is an error "file:line: ...": Mosquitto refuses to start
//     (and a SIGHUP reload keeps the running configuration);
//   - when an identity appears twice, the first line wins (Mosquitto looks keys up in file
//     order).
// Only an unreadable file and non-hex keys are errors.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "auth/loaded.h"

namespace lampi::auth {

class PskFile {
  public:
    PskFile() = default;

    static Loaded<PskFile> load(const std::string& path);
    // Parses `text` as if it were the file `name` (tests, fuzzing).
    static Loaded<PskFile> load_from_string(std::string_view text, const std::string& name);

    // The hex key of `identity`, as written in the file; nullopt for an unknown identity.
    std::optional<std::string_view> key(std::string_view identity) const;
    std::size_t size() const { return keys_.size(); }

  private:
    std::map<std::string, std::string, std::less<>> keys_;  // identity -> hex key
};

}  // namespace lampi::auth
