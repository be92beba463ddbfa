// Helpers for the config tests.
#pragma once

#include <string_view>

#include "config/config_reader.h"

namespace lampi::config::testing {

// Reads `text` as a configuration file named t.conf (errors read "t.conf:LINE: ...").
inline ConfigResult parse(std::string_view text) { return read_config_string(text, "t.conf"); }

}  // namespace lampi::config::testing
