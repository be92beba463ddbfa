// Printing received messages as mosquitto_sub does: plain, -v, and -F formats (% codes, @ time
// codes, \ escapes, widths/precision), including %j / %J JSON in cJSON's layout. Writes to stdout.
#pragma once

#include <string>

#include "apps/common/cli.h"
#include "mqtt/packet.h"

namespace lampi::cli {

// Validates a -F format; prints Mosquitto's error and returns false when it is invalid.
bool check_format(const std::string& format);

// Prints one message per the config (-F, -v, -N, --pretty, --random-filter). Flushes stdout.
void print_message(const Config& cfg, const mqtt::Publish& message);

}  // namespace lampi::cli
