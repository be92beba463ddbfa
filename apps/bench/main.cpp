// lampi-bench: MQTT load generator (fan-in, fan-out, pairs, latency, idle connections).
// See docs/bench.md and `lampi-bench --help`.
#include "bench/options.h"
#include "bench/runner.h"

int main(int argc, char** argv) {
    int exit_code = 0;
    const auto options = lampi::bench::parse_options(argc, argv, exit_code);
    if (!options) return exit_code;
    return lampi::bench::run(*options);
}
