// The outcome of reading an auth file (password_file, acl_file): the value plus every problem
// found, each as "file:line: message" (or "file: message" when the file cannot be read).
// Also the one function in this module that touches the file system.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lampi::auth {

template <class T>
struct Loaded {
    T value{};
    std::vector<std::string> errors;    // `value` must not be used when non-empty
    std::vector<std::string> warnings;  // entries skipped the way Mosquitto skips them
    bool ok() const { return errors.empty(); }
};

// The whole file, or nullopt with `error` set to "path: cannot open: <reason>".
std::optional<std::string> read_text_file(const std::string& path, std::string& error);

}  // namespace lampi::auth
