// The control requests of lampi-supervisord (the protocol is in docs/supervisor.md). Requests
// never block the loop: start/stop reply at once and lampi-supervisorctl polls `status` until
// the process leaves STARTING/STOPPING, as supervisorctl's XML-RPC "onwait" does server-side.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "supervisor/faults.h"
#include "supervisor/supervisor.h"

namespace lampi::supervisor {
namespace {

using nlohmann::json;

std::string format_uptime(long long secs) {
    long long days = secs / 86400;
    secs %= 86400;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", secs / 3600, (secs / 60) % 60, secs % 60);
    if (days == 0) return buf;
    return std::to_string(days) + (days == 1 ? " day, " : " days, ") + buf;
}

// "g:name" -> {g, name}; "g:*" -> {g, ""}; "name" -> {name, name} (supervisor split_namespec).
std::pair<std::string, std::string> split_namespec(const std::string& spec) {
    size_t colon = spec.find(':');
    if (colon == std::string::npos) return {spec, spec};
    std::string name = spec.substr(colon + 1);
    return {spec.substr(0, colon), name == "*" ? "" : name};
}

json result(const std::string& group, const std::string& name, int status,
            const std::string& description = "") {
    return json{{"group", group}, {"name", name}, {"status", status}, {"description", description}};
}

}  // namespace

Supervisor::Group* Supervisor::find_group(const std::string& name) {
    for (auto& g : groups_)
        if (g.config.name == name) return &g;
    return nullptr;
}

Supervisor::Process* Supervisor::find_process(const std::string& group, const std::string& name) {
    Group* g = find_group(group);
    if (g == nullptr) return nullptr;
    for (auto& p : g->processes)
        if (p->config.name == name) return p.get();
    return nullptr;
}

json Supervisor::process_info(const Process& p) const {
    const auto& m = p.machine;
    std::time_t wall = std::time(nullptr);
    std::string desc;
    ProcessState s = m.state();
    if (s == ProcessState::kRunning) {
        desc = "pid " + std::to_string(m.pid()) + ", uptime " +
               format_uptime(std::max<long long>(0, wall - p.start_wall));
    } else if (s == ProcessState::kFatal || s == ProcessState::kBackoff) {
        desc = m.spawn_error().empty() ? "unknown error (try \"tail " + p.config.name + "\")"
                                       : m.spawn_error();
    } else if (s == ProcessState::kStopped || s == ProcessState::kExited) {
        if (m.last_start()) {
            std::tm tm{};
            localtime_r(&p.stop_wall, &tm);
            char buf[64];
            std::strftime(buf, sizeof buf, "%b %d %I:%M %p", &tm);
            desc = buf;
        } else {
            desc = "Not started";
        }
    }
    return json{{"group", p.config.group},
                {"name", p.config.name},
                {"state", static_cast<int>(s)},
                {"statename", state_name(s)},
                {"description", desc},
                {"pid", m.pid()},
                {"exitstatus", m.exit_status()},
                {"spawnerr", m.spawn_error()},
                {"start", static_cast<long long>(p.start_wall)},
                {"stop", static_cast<long long>(p.stop_wall)},
                {"now", static_cast<long long>(wall)},
                {"startsecs", p.config.startsecs},
                {"stopwaitsecs", p.config.stopwaitsecs},
                {"stdout_logfile", p.config.stdout_log.path},
                {"stderr_logfile", p.config.stderr_log.path}};
}

json Supervisor::start_or_stop(const json& names, bool start) {
    std::vector<Process*> targets;
    json results = json::array();
    for (const auto& n : names) {
        std::string spec = n.get<std::string>();
        if (spec == "all") {
            for (auto& g : groups_)
                for (auto& p : g.processes) targets.push_back(p.get());
            continue;
        }
        auto [group, name] = split_namespec(spec);
        Group* g = find_group(group);
        if (name.empty()) {
            if (g == nullptr) {
                results.push_back(
                    json{{"group", group}, {"status", fault::kBadName}, {"no_such_group", true}});
                continue;
            }
            for (auto& p : g->processes) targets.push_back(p.get());
            continue;
        }
        Process* p = find_process(group, name);
        if (p == nullptr) {
            results.push_back(result(group, name, fault::kBadName));
        } else {
            targets.push_back(p);
        }
    }
    if (!start) std::reverse(targets.begin(), targets.end());
    auto t = std::chrono::steady_clock::now();
    for (Process* p : targets) {
        auto& m = p->machine;
        ProcessState before = m.state();
        int status = fault::kSuccess;
        if (start) {
            if (is_running_state(m.state()) || m.state() == ProcessState::kStopping) {
                status = fault::kAlreadyStarted;
            } else {
                act(*p, m.start(t));
                if (m.state() == ProcessState::kBackoff) status = fault::kSpawnError;
            }
        } else if (!is_running_state(m.state())) {
            status = fault::kNotRunning;
        } else {
            act(*p, m.stop(t));
        }
        log_state(*p, before);
        results.push_back(result(p->config.group, p->config.name, status, m.spawn_error()));
    }
    return json{{"results", results}};
}

json Supervisor::tail(const json& request) {
    auto [group, name] = split_namespec(request.value("name", ""));
    Process* p = find_process(group, name);
    if (p == nullptr) return json{{"status", fault::kBadName}};
    std::string channel = request.value("channel", "stdout");
    const std::string& path =
        channel == "stderr" ? p->config.stderr_log.path : p->config.stdout_log.path;
    if (path.empty() || path == "AUTO") return json{{"status", fault::kNoFile}};
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return json{{"status", fault::kNoFile}};
    struct stat st {};
    fstat(fd, &st);
    long long size = st.st_size;
    long long length = std::clamp<long long>(request.value("length", 1600LL), 0, 1 << 20);
    long long offset = request.value("offset", -1LL);
    bool overflow = false;
    if (offset < 0 || offset > size || size - offset > length) {
        overflow = offset >= 0 && size - offset > length;
        offset = std::max(0LL, size - length);
    }
    std::string data(static_cast<size_t>(size - offset), '\0');
    ssize_t n = pread(fd, data.data(), data.size(), offset);
    ::close(fd);
    data.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return json{{"status", fault::kSuccess},
                {"data", data},
                {"offset", offset + static_cast<long long>(data.size())},
                {"overflow", overflow}};
}

json Supervisor::reread() {
    ConfigResult fresh = load_config(config_.path, default_load_options());
    if (!fresh.errors.empty())
        return json{{"status", fault::kCantReread}, {"errors", fresh.errors}};
    json added = json::array(), changed = json::array(), removed = json::array();
    for (const auto& g : fresh.config.groups) {
        Group* old = find_group(g.name);
        if (old == nullptr) {
            added.push_back(g.name);
        } else if (!(old->config == g)) {
            changed.push_back(g.name);
        }
    }
    for (const auto& g : groups_) {
        auto& fg = fresh.config.groups;
        if (std::none_of(fg.begin(), fg.end(),
                         [&](const auto& x) { return x.name == g.config.name; }))
            removed.push_back(g.config.name);
    }
    return json{
        {"status", fault::kSuccess}, {"added", added}, {"changed", changed}, {"removed", removed}};
}

json Supervisor::add_group_request(const std::string& name) {
    ConfigResult fresh = load_config(config_.path, default_load_options());
    if (!fresh.errors.empty())
        return json{{"status", fault::kCantReread}, {"errors", fresh.errors}};
    if (find_group(name) != nullptr) return json{{"status", fault::kAlreadyAdded}};
    for (const auto& g : fresh.config.groups) {
        if (g.name != name) continue;
        add_group(g);
        log("INFO", "added process group " + name);
        return json{{"status", fault::kSuccess}};
    }
    return json{{"status", fault::kBadName}};
}

json Supervisor::remove_group_request(const std::string& name) {
    Group* g = find_group(name);
    if (g == nullptr) return json{{"status", fault::kBadName}};
    for (const auto& p : g->processes)
        if (!is_stopped_state(p->machine.state())) return json{{"status", fault::kStillRunning}};
    for (auto& p : g->processes) close_pipes(*p);
    groups_.erase(groups_.begin() + (g - groups_.data()));
    log("INFO", "removed process group " + name);
    return json{{"status", fault::kSuccess}};
}

json Supervisor::handle_request(const json& request) {
    std::string cmd = request.value("cmd", "");
    if (cmd == "status") {
        json infos = json::array();
        for (const auto& g : groups_)
            for (const auto& p : g.processes) infos.push_back(process_info(*p));
        return json{{"processes", infos}, {"pid", static_cast<int>(getpid())}};
    }
    if (cmd == "start" || cmd == "stop") {
        return start_or_stop(request.value("names", json::array()), cmd == "start");
    }
    if (cmd == "tail") return tail(request);
    if (cmd == "reread") return reread();
    if (cmd == "add_group") return add_group_request(request.value("name", ""));
    if (cmd == "remove_group") return remove_group_request(request.value("name", ""));
    if (cmd == "shutdown") {
        log("WARN", "shutdown requested by lampi-supervisorctl");
        mood_ = Mood::kShuttingDown;
        return json{{"status", fault::kSuccess}};
    }
    return json{{"error", "unknown command '" + cmd + "'"}};
}

}  // namespace lampi::supervisor
