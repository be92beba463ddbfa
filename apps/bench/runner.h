// Runner: one benchmark run. Builds the clients of a scenario over --threads worker threads (one
// io_context each; with >= 2 threads subscribers and publishers get separate ones), connects them
// with bounded concurrency, runs the publishing phase, drains, and prints the progress line and
// the summary. The main thread only watches atomic counters; each client stays on its worker.
#pragma once

#include "bench/options.h"

namespace lampi::bench {

// Runs the scenario in `options`; returns the process exit status (0, 1 or 2, see --help).
int run(const Options& options);

}  // namespace lampi::bench
