// -D / --property: "command identifier value [value]" into the Config's v5 properties, with
// Mosquitto's checks of which property a command may carry.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "apps/common/cli.h"

namespace lampi::cli {

// `i` indexes the "-D" in `args`; on success it indexes the last value consumed.
bool parse_property_arg(Config& cfg, const std::vector<std::string>& args, std::size_t& i);

}  // namespace lampi::cli
