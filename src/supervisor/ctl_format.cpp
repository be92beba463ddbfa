#include "supervisor/ctl_format.h"

#include <algorithm>
#include <cstdio>

#include "supervisor/config.h"
#include "supervisor/faults.h"

namespace lampi::supervisor::ctl {

using nlohmann::json;

std::vector<std::string> status_lines(const json& infos) {
    size_t width = 30;
    std::vector<std::string> specs;
    for (const auto& i : infos) {
        specs.push_back(namespec(i.value("group", ""), i.value("name", "")));
        width = std::max(width, specs.back().size());
    }
    std::vector<std::string> lines;
    for (size_t k = 0; k < specs.size(); ++k) {
        std::string line = specs[k];
        line.resize(std::max(line.size(), width + 3), ' ');
        std::string state = infos[k].value("statename", "");
        state.resize(std::max<size_t>(state.size(), 10), ' ');
        lines.push_back(line + state + infos[k].value("description", ""));
    }
    return lines;
}

Selection select(const json& all_infos, const std::vector<std::string>& names) {
    Selection out;
    if (names.empty() || std::find(names.begin(), names.end(), "all") != names.end()) {
        out.infos = all_infos;
        return out;
    }
    for (const auto& spec : names) {
        size_t colon = spec.find(':');
        std::string group = colon == std::string::npos ? spec : spec.substr(0, colon);
        std::string name = colon == std::string::npos ? spec : spec.substr(colon + 1);
        bool whole_group = name == "*";
        bool found = false;
        for (const auto& i : all_infos) {
            if (i.value("group", "") != group) continue;
            if (!whole_group && i.value("name", "") != name) continue;
            out.infos.push_back(i);
            found = true;
        }
        if (!found) {
            out.errors.push_back(whole_group ? group + ": ERROR (no such group)"
                                             : spec + ": ERROR (no such process)");
        }
    }
    return out;
}

std::string result_line(const json& r, const std::string& verb) {
    std::string name = namespec(r.value("group", ""), r.value("name", ""));
    if (r.value("no_such_group", false)) return r.value("group", "") + ": ERROR (no such group)";
    switch (r.value("status", 0)) {
        case fault::kSuccess:
            return name + ": " + verb;
        case fault::kBadName:
            return name + ": ERROR (no such process)";
        case fault::kNoFile:
            return name + ": ERROR (no such file)";
        case fault::kNotExecutable:
            return name + ": ERROR (file is not executable)";
        case fault::kAlreadyStarted:
            return name + ": ERROR (already started)";
        case fault::kSpawnError:
            return name + ": ERROR (spawn error)";
        case fault::kAbnormalTermination:
            return name + ": ERROR (abnormal termination)";
        case fault::kNotRunning:
            return name + ": ERROR (not running)";
        default:
            return name + ": ERROR (" + r.value("description", "failed") + ")";
    }
}

int exit_code_for_fault(int status, int ignored) {
    if (status == ignored || status == fault::kSuccess) return 0;
    if (status == fault::kSpawnError || status == fault::kAbnormalTermination ||
        status == fault::kNotRunning) {
        return kExitNotRunning;
    }
    return kExitGeneric;
}

}  // namespace lampi::supervisor::ctl
