// Mosquitto's password_file: one "username:hash" per line (see password_hash.h for the hashes).
// Immutable after load; check() and has_user() are const and safe from any number of threads.
// Reading follows Mosquitto 2.0 (security_default.c pwfile__parse + unpwd__decode_passwords):
//   - lines starting with '#', and lines without ':', are ignored;
//   - username and hash are trimmed of blanks; the hash ends at the next ':';
//   - an entry with a missing or undecodable hash is skipped: Mosquitto logs it and starts
//     anyway, so lampi does too, and reports it as a warning "file:line: ..." (never with the
//     hash or a password);
//   - when a user appears twice, the last valid line wins (as uthash lookup does in Mosquitto).
// Only an unreadable file is an error.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "auth/loaded.h"
#include "auth/password_hash.h"

namespace lampi::auth {

class PasswordFile {
  public:
    PasswordFile() = default;

    static Loaded<PasswordFile> load(const std::string& path);
    // Parses `text` as if it were the file `name` (tests, fuzzing).
    static Loaded<PasswordFile> load_from_string(std::string_view text, const std::string& name);

    // True when `username` is in the file and `password` matches its hash. An unknown user costs
    // about as much time as a wrong password, so timing does not tell which users exist.
    // PBKDF2 runs here: with the default 101 iterations that is tens of microseconds.
    bool check(std::string_view username, std::string_view password) const;
    bool has_user(std::string_view username) const;
    std::size_t size() const { return users_.size(); }

  private:
    std::map<std::string, PasswordHash, std::less<>> users_;
};

}  // namespace lampi::auth
