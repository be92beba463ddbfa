// File handling for lampi-passwd: path resolution as mosquitto_passwd does it, reading, and
// replacing a password file atomically. Errors come back as strerror() text.
#pragma once

#include <string>

namespace lampi::passwd {

// realpath(); a missing file (ENOENT) keeps `path` as given. False with errno set otherwise.
bool resolve_path(const std::string& path, std::string& resolved);

// Opens `path` for reading and writing (as mosquitto_passwd's "r+", so a read-only file fails
// here, before any prompt) and reads it whole.
bool read_for_update(const std::string& path, std::string& text, std::string& why);

// Writes `text` to a temporary file beside `path` and renames it over `path`, keeping the old
// file's mode (and owner, when allowed); a new file gets 0666 minus the umask, as
// mosquitto_passwd 2.0.11 creates it. When the directory is not
// writable but an existing file is, rewrites the file in place instead.
bool replace_file(const std::string& path, const std::string& text, bool must_exist,
                  std::string& why);

}  // namespace lampi::passwd
