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

// T::load(path) for a T that parses text with T::load_from_string(text, name).
template <class T>
Loaded<T> load_text_file(const std::string& path) {
    std::string error;
    auto text = read_text_file(path, error);
    if (!text) {
        Loaded<T> result;
        result.errors.push_back(error);
        return result;
    }
    return T::load_from_string(*text, path);
}

}  // namespace lampi::auth
