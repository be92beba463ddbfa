// Turns a read mosquitto.conf (config::Config) into the server's options.
#pragma once

#include "config/config.h"
#include "server/server.h"

namespace lampi::apps {

server::ServerOptions server_options_from(const config::Config& config);

}  // namespace lampi::apps
