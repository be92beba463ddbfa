// Starting a supervised child: resolve the command, fork, and in the child make a new process
// group (stopasgroup/killasgroup signal -pid), wire stdout/stderr to pipes, restore the signal
// mask, chdir/umask/user, exec. The parent gets the pid and the read ends of the pipes.
// Single-threaded callers only (the child runs between fork and exec).
#pragma once

#include <signal.h>

#include <string>
#include <variant>

#include "supervisor/config.h"

namespace lampi::supervisor {

struct SpawnedChild {
    int pid = 0;
    int stdout_fd = -1;  // non-blocking, close-on-exec; -1 when not captured
    int stderr_fd = -1;  // -1 with redirect_stderr
};

struct SpawnContext {
    sigset_t original_mask;  // the mask to restore in the child before exec
    std::string server_url;  // SUPERVISOR_SERVER_URL for the child
};

// The child, or a spawn error such as "can't find command 'x'" (the process goes to BACKOFF).
std::variant<SpawnedChild, std::string> spawn_child(const ProgramConfig& config,
                                                    const SpawnContext& context);

}  // namespace lampi::supervisor
