// The text edits behind lampi-passwd, as mosquitto_passwd 2.0.11 makes them (pure functions; no
// I/O, thread-safe). mosquitto_passwd is stricter than the broker: every line must be
// "username:password" with both parts non-empty after trimming blanks (comments and blank
// lines included), or the whole edit fails with "Error: Corrupt password file at line N.".
// Lines of other users are kept byte for byte. Unlike mosquitto_passwd, a last line without a
// '\n' gets one before a new line is appended (Mosquitto glues the two lines together).
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace lampi::auth::passwd {

struct EditResult {
    bool ok = false;
    std::string text;   // the new file when ok
    std::string error;  // when !ok: mosquitto_passwd's message, without the '\n' (may be empty)
};

// Returns a stored hash for a password (e.g. make_password_hash), or "" on failure.
using Hasher = std::function<std::string(std::string_view password)>;

// -b / interactive: replaces the line of `username` (every such line), or appends one.
EditResult set_password(std::string_view text, std::string_view username, std::string_view password,
                        const Hasher& hasher);

// -D: removes every line of `username`; fails with "Warning: User <name> not found in password
// file." if there is none.
EditResult delete_user(std::string_view text, std::string_view username);

// -U: every "user:plaintext" line becomes "user:<hash of plaintext>". The plaintext ends at
// the next ':' and is trimmed, as in mosquitto_passwd. An empty file fails without a message,
// as mosquitto_passwd does (exit status 1).
EditResult upgrade_plaintext(std::string_view text, const Hasher& hasher);

}  // namespace lampi::auth::passwd
