// What lampi-supervisorctl prints, as supervisorctl 4.2.5 prints it: status lines
// ('%(namespec)-Ns%(state)-10s%(desc)s' with N = max(30, longest name) + 3), start/stop results
// and their LSB exit codes. Pure functions over the daemon's JSON replies.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lampi::supervisor::ctl {

// LSBInitExitStatuses / LSBStatusExitStatuses of supervisorctl.
constexpr int kExitGeneric = 1;
constexpr int kExitInvalidArgs = 2;
constexpr int kExitStatusNotRunning = 3;
constexpr int kExitStatusUnknown = 4;
constexpr int kExitNotRunning = 7;

std::vector<std::string> status_lines(const nlohmann::json& infos);

struct Selection {
    nlohmann::json infos = nlohmann::json::array();
    std::vector<std::string> errors;  // "name: ERROR (no such process)" lines
};
// supervisorctl do_status's matching of NAME, GROUP:NAME, GROUP:* and all.
Selection select(const nlohmann::json& all_infos, const std::vector<std::string>& names);

// One line for a start/stop result ({group, name, status}); `verb` is "started" or "stopped".
std::string result_line(const nlohmann::json& result, const std::string& verb);

// The exit code a fault sets, ignoring `ignored` (ALREADY_STARTED for start, NOT_RUNNING for
// stop); 0 when it sets none.
int exit_code_for_fault(int status, int ignored);

}  // namespace lampi::supervisor::ctl
