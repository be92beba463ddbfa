// Readings from /proc for the summary: a process's resident set and CPU time, the machine's
// busy time, and this process's CPU time. Linux only; a missing process reads as nullopt.
#pragma once

#include <optional>

namespace lampi::bench {

// VmRSS of `pid` in kB (from /proc/PID/status).
std::optional<long> process_rss_kb(int pid);
// utime + stime of `pid` in seconds (from /proc/PID/stat).
std::optional<double> process_cpu_seconds(int pid);
// This process's user + system CPU seconds.
double own_cpu_seconds();
// Seconds of non-idle CPU time summed over all cores since boot (from /proc/stat).
std::optional<double> machine_busy_seconds();

}  // namespace lampi::bench
