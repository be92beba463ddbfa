// Mosquitto's `user` option: a broker started as root switches to that user once its listeners
// are open.
#pragma once

#include <string>

namespace lampi::apps {

// Returns false (after logging) only when switching was attempted and failed.
bool drop_privileges(const std::string& user);

}  // namespace lampi::apps
