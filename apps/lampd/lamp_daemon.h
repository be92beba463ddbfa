// LampDaemon: wires LampService to the broker (lampi_client::Connection), the hardware backend
// and the state file, on one io_context. Runs until SIGINT/SIGTERM; single-threaded.
#pragma once

#include "lamp/service_config.h"

namespace lampi::lampd {

// Returns the process exit code.
int run_lamp_daemon(const lamp::ServiceConfig& config);

}  // namespace lampi::lampd
