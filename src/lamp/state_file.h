// The lamp's state file: survives power cuts by atomic replacement (write a temp file beside it,
// fsync, rename over the old file, fsync the directory), so a reader sees the old or the new
// content, never a torn mix. Also holds the duty cycles last driven, for tests and the stack.
#pragma once

#include <optional>
#include <string>

#include "lamp/color.h"
#include "lamp/lamp_state.h"

namespace lampi::lamp {

// Atomically replaces `path` with `content`. Returns an error message, empty on success.
std::string write_file_atomically(const std::string& path, const std::string& content);

// The file's content, or nullopt if it cannot be read.
std::optional<std::string> read_file(const std::string& path);

// What lampi-lampd keeps: the state as on `lamp/changed` plus
// "output": {"backend", "red", "green", "blue"} (duty cycles, 3 decimals) and "device_id".
std::string state_file_json(const LampState& state, const Rgb& duty, const std::string& backend,
                            const std::string& device_id);

// Loads a state file; nullopt (with `why` set) if missing or invalid.
std::optional<LampState> load_state_file(const std::string& path, std::string& why);

}  // namespace lampi::lamp
