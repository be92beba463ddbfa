// Authoriser: Mosquitto 2.0's default security (allow_anonymous + password_file + acl_file) for
// one broker, or for one listener when per_listener_settings is true (then build one each).
// Immutable once built; every method is const and safe from any number of threads.
//
// Reload: build a new Authoriser with load() and swap it in as a std::shared_ptr<const
// Authoriser> (std::atomic<std::shared_ptr<...>> or a mutex-guarded pointer); each connection
// copies the pointer when it needs it, so checks in flight finish on the old one. Mosquitto on
// reload also re-runs authenticate() for every connected client with its CONNECT credentials
// and disconnects those that now fail (anonymous clients when allow_anonymous became false);
// that is the caller's job.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/acl_file.h"
#include "auth/loaded.h"
#include "auth/password_file.h"

namespace lampi::auth {

// Why a CONNECT was accepted or refused (for logs; never log the password).
enum class AuthResult {
    Accepted,
    AnonymousRefused,  // no username (or no password_file) and allow_anonymous false
    UnknownUser,       // username not in the password_file
    WrongPassword,     // username known, password wrong or absent
};

// CONNACK code for `result`: 0 when accepted. Mosquitto 2.0.11 refuses every case above with
// "not authorised": 5 for MQTT 3.1/3.1.1, 0x87 (Not authorized) for MQTT 5, including a wrong
// password (verified against /usr/sbin/mosquitto; it never sends 4 / 0x86).
std::uint8_t connack_code(AuthResult result, bool mqtt5);

struct AuthSettings {
    bool allow_anonymous = false;  // the effective value (config's apply_defaults decided it)
    std::string password_file;     // empty: none
    std::string acl_file;          // empty: none
};

class Authoriser {
  public:
    Authoriser(bool allow_anonymous, std::optional<PasswordFile> passwords,
               std::optional<AclFile> acl);

    // Reads the files named in `settings`. errors/warnings are "file:line: message"; value is
    // null when there are errors.
    static Loaded<std::shared_ptr<const Authoriser>> load(const AuthSettings& settings);

    // CONNECT, per Mosquitto 2.0 (security.c mosquitto_unpwd_check + security_default.c):
    //   - password_file and a username: the user must be in the file and the password match
    //     (allow_anonymous does not matter);
    //   - otherwise (no username, or no password_file at all, even if a username was sent):
    //     accepted iff allow_anonymous.
    AuthResult authenticate(std::optional<std::string_view> username,
                            std::optional<std::string_view> password) const;

    // PUBLISH received (Write), each delivery incl. retained messages (Read), SUBSCRIBE and
    // UNSUBSCRIBE (always true, see acl_file.h). Without an acl_file everything is allowed.
    bool authorise(const ClientInfo& client, std::string_view topic, Access access) const;

    bool allow_anonymous() const { return allow_anonymous_; }
    const std::optional<PasswordFile>& password_file() const { return passwords_; }
    const std::optional<AclFile>& acl_file() const { return acl_; }

  private:
    bool allow_anonymous_;
    std::optional<PasswordFile> passwords_;
    std::optional<AclFile> acl_;
};

}  // namespace lampi::auth
