#include "supervisor/supervisor.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "supervisor/child.h"

namespace lampi::supervisor {
namespace {

TimePoint now() { return std::chrono::steady_clock::now(); }

int level_number(const std::string& name) {
    if (name == "critical") return 50;
    if (name == "error") return 40;
    if (name == "warn") return 30;
    if (name == "debug") return 10;
    if (name == "trace") return 5;
    if (name == "blather") return 3;
    return 20;
}

std::string timestamp() {
    auto t = std::chrono::system_clock::now();
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()) % 1000;
    std::tm tm{};
    localtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    char out[80];
    std::snprintf(out, sizeof out, "%s,%03d", buf, static_cast<int>(ms.count()));
    return out;
}

// supervisord's AUTO log name: NAME-stdout---supervisor-XXXXXXXX.log in childlogdir.
std::string auto_log_path(const std::string& dir, const std::string& name, const char* channel) {
    std::string tmpl = dir + "/" + name + "-" + channel + "---supervisor-XXXXXX.log";
    int fd = mkstemps(tmpl.data(), 4);
    if (fd < 0) return "";
    ::close(fd);
    return tmpl;
}

// supervisord's clear_autochildlogdir(): AUTO logs of a previous run are removed at (re)start.
void clear_auto_child_logs(const std::string& dir) {
    glob_t g{};
    std::string pattern = dir + "/*---supervisor-*.log*";
    if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) ::unlink(g.gl_pathv[i]);
    }
    globfree(&g);
}

std::string describe_wait_status(int status) {
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    return "terminated by " + signal_name(WTERMSIG(status));
}

}  // namespace

Supervisor::Process::Process(ProgramConfig c)
    : config(std::move(c)), machine(StateOptions::from(config)) {}

Supervisor::Supervisor(Config config) : config_(std::move(config)) {
    log_level_ = level_number(config_.supervisord.loglevel);
    for (const auto& g : config_.groups) add_group(g);
}

Supervisor::~Supervisor() {
    for (auto& g : groups_)
        for (auto& p : g.processes) close_pipes(*p);
    control_.close_all();
    if (signal_fd_ >= 0) ::close(signal_fd_);
    if (pidfile_written_) ::unlink(config_.supervisord.pidfile.c_str());
}

void Supervisor::add_group(const GroupConfig& config) {
    Group g{config, {}};
    for (const auto& pc : config.processes) g.processes.push_back(std::make_unique<Process>(pc));
    groups_.push_back(std::move(g));
    std::stable_sort(groups_.begin(), groups_.end(), [](const Group& a, const Group& b) {
        return std::tie(a.config.priority, a.config.name) <
               std::tie(b.config.priority, b.config.name);
    });
}

std::string Supervisor::open() {
    const auto& sd = config_.supervisord;
    umask(static_cast<mode_t>(sd.umask));
    clear_auto_child_logs(sd.childlogdir);
    logfile_ = LogFile(sd.logfile, sd.logfile_maxbytes, sd.logfile_backups);
    if (!logfile_.open()) return "cannot open logfile " + sd.logfile + ": " + std::strerror(errno);
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGCHLD, SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR2}) sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, &original_mask_);
    signal_fd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd_ < 0) return std::string("signalfd: ") + std::strerror(errno);
    signal(SIGPIPE, SIG_IGN);
    if (!config_.socket_file.empty()) {
        std::string err = control_.listen(config_.socket_file);
        if (!err.empty()) return err;
    }
    return "";
}

void Supervisor::log(const std::string& level, const std::string& message) {
    int n = level == "CRIT"   ? 50
            : level == "ERRO" ? 40
            : level == "WARN" ? 30
            : level == "INFO" ? 20
                              : 10;
    if (n < log_level_) return;
    std::string line = timestamp() + " " + level + " " + message + "\n";
    logfile_.write(line);
    if (config_.supervisord.nodaemon) std::cerr << line << std::flush;
}

void Supervisor::log_state(const Process& p, ProcessState before) {
    const auto& m = p.machine;
    ProcessState after = m.state();
    if (after == before) return;
    const std::string& name = p.config.name;
    if (after == ProcessState::kRunning && before == ProcessState::kStarting) {
        log("INFO", "success: " + name + " entered RUNNING state, process has stayed up for > " +
                        "than " + std::to_string(p.config.startsecs) + " seconds (startsecs)");
    } else if (after == ProcessState::kFatal) {
        log("INFO",
            "gave up: " + name + " entered FATAL state, too many start retries too quickly");
    } else if (after == ProcessState::kStopping) {
        log("INFO", "waiting for " + name + " to stop");
    }
}

void Supervisor::act(Process& p, Action action) {
    switch (action) {
        case Action::kNone:
            break;
        case Action::kSpawn:
            do_spawn(p);
            break;
        case Action::kStopSignal:
            send_signal(p, p.config.stopsignal, p.config.stopasgroup);
            break;
        case Action::kKill:
            log("WARN", "killing '" + p.config.name + "' (" + std::to_string(p.machine.pid()) +
                            ") with SIGKILL");
            send_signal(p, SIGKILL, p.config.killasgroup);
            break;
    }
}

void Supervisor::do_spawn(Process& p) {
    auto& c = p.config;
    const std::string& dir = config_.supervisord.childlogdir;
    if (c.stdout_log.path == "AUTO") c.stdout_log.path = auto_log_path(dir, c.name, "stdout");
    if (c.stderr_log.path == "AUTO") c.stderr_log.path = auto_log_path(dir, c.name, "stderr");
    if (p.stdout_log.path() != c.stdout_log.path) {
        p.stdout_log = LogFile(c.stdout_log.path, c.stdout_log.maxbytes, c.stdout_log.backups);
    }
    if (p.stderr_log.path() != c.stderr_log.path) {
        p.stderr_log = LogFile(c.stderr_log.path, c.stderr_log.maxbytes, c.stderr_log.backups);
    }
    SpawnContext ctx{original_mask_,
                     config_.socket_file.empty() ? "" : "unix://" + config_.socket_file};
    auto result = spawn_child(c, ctx);
    if (auto* err = std::get_if<std::string>(&result)) {
        log("INFO", "spawnerr: " + *err);
        ProcessState before = p.machine.state();
        p.machine.spawn_failed(now(), *err);
        log_state(p, before);
        return;
    }
    auto child = std::get<SpawnedChild>(result);
    p.machine.spawned(child.pid);
    p.stdout_fd = child.stdout_fd;
    p.stderr_fd = child.stderr_fd;
    p.start_wall = std::time(nullptr);
    log("INFO", "spawned: '" + c.name + "' with pid " + std::to_string(child.pid));
}

void Supervisor::send_signal(Process& p, int signo, bool as_group) {
    int pid = p.machine.pid();
    if (pid <= 0) return;
    if (::kill(as_group ? -pid : pid, signo) != 0) {
        if (errno == ESRCH) {
            p.machine.signal_failed(std::strerror(errno));
        } else {
            log("ERRO", "unable to signal " + p.config.name + ": " + std::strerror(errno));
        }
    }
}

void Supervisor::tick() {
    TimePoint t = now();
    bool may_start = mood_ == Mood::kRunning;
    for (auto& g : groups_) {
        for (auto& p : g.processes) {
            ProcessState before = p->machine.state();
            Action a = p->machine.tick(t, may_start);
            if (a != Action::kSpawn) log_state(*p, before);
            act(*p, a);
        }
    }
}

bool Supervisor::stop_groups_in_order() {
    TimePoint t = now();
    for (auto g = groups_.rbegin(); g != groups_.rend(); ++g) {
        bool unstopped = false;
        for (auto p = g->processes.rbegin(); p != g->processes.rend(); ++p) {
            auto& m = (*p)->machine;
            ProcessState before = m.state();
            if (m.state() == ProcessState::kBackoff) {
                m.give_up();
            } else if (m.state() == ProcessState::kRunning ||
                       m.state() == ProcessState::kStarting) {
                act(**p, m.stop(t));
            }
            log_state(**p, before);
            if (!is_stopped_state(m.state())) unstopped = true;
        }
        if (unstopped) return false;  // the next group waits for this one
    }
    return true;
}

void Supervisor::drain(Process& p, bool final) {
    char buf[65536];
    for (auto [fd, log] :
         {std::pair{&p.stdout_fd, &p.stdout_log}, std::pair{&p.stderr_fd, &p.stderr_log}}) {
        if (*fd < 0) continue;
        while (true) {
            ssize_t n = ::read(*fd, buf, sizeof buf);
            if (n > 0) {
                log->write(std::string_view(buf, static_cast<size_t>(n)));
                if (!final) break;  // stay fair to the other children
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                ::close(*fd);
                *fd = -1;
            }
            break;
        }
    }
}

void Supervisor::close_pipes(Process& p) {
    for (int* fd : {&p.stdout_fd, &p.stderr_fd}) {
        if (*fd >= 0) ::close(*fd);
        *fd = -1;
    }
}

void Supervisor::reap() {
    while (true) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) return;
        Process* found = nullptr;
        for (auto& g : groups_)
            for (auto& p : g.processes)
                if (p->machine.pid() == pid) found = p.get();
        if (found == nullptr) continue;  // e.g. a child of a removed group
        drain(*found, true);
        close_pipes(*found);
        int es = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        ProcessState before = found->machine.state();
        bool stopping = before == ProcessState::kStopping;
        found->machine.exited(now(), es);
        found->stop_wall = std::time(nullptr);
        const std::string& name = found->config.name;
        std::string how = describe_wait_status(status);
        if (stopping) {
            log("INFO", "stopped: " + name + " (" + how + ")");
        } else if (found->machine.state() == ProcessState::kExited) {
            log("INFO", "exited: " + name + " (" + how + "; " +
                            (found->machine.exit_expected() ? "expected" : "not expected") + ")");
        } else {
            log("INFO", "exited: " + name + " (" + how + "; not expected)");
        }
        log_state(*found, before);
    }
}

void Supervisor::handle_signals() {
    signalfd_siginfo info{};
    while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        int s = static_cast<int>(info.ssi_signo);
        if (s == SIGCHLD) {
            reap();
        } else if (s == SIGTERM || s == SIGINT || s == SIGQUIT) {
            log("WARN", "received " + signal_name(s) + " indicating exit request");
            mood_ = Mood::kShuttingDown;
        } else if (s == SIGHUP) {
            log("WARN", "received SIGHUP indicating restart request");
            if (mood_ == Mood::kRunning) mood_ = Mood::kRestarting;
        } else if (s == SIGUSR2) {
            log("INFO", "received SIGUSR2 indicating log reopen request");
            logfile_.reopen();
            for (auto& g : groups_)
                for (auto& p : g.processes) {
                    p->stdout_log.reopen();
                    p->stderr_log.reopen();
                }
        }
    }
}

void Supervisor::reload() {
    ConfigResult fresh = load_config(config_.path, default_load_options());
    if (!fresh.errors.empty()) {
        for (const auto& e : fresh.errors) log("ERRO", e);
        log("ERRO", "configuration not reloaded; keeping the previous one");
    } else {
        std::string socket = config_.socket_file;
        config_ = std::move(fresh.config);
        config_.socket_file = socket;  // the control socket stays where it is
        log_level_ = level_number(config_.supervisord.loglevel);
    }
    groups_.clear();
    clear_auto_child_logs(config_.supervisord.childlogdir);
    for (const auto& g : config_.groups) add_group(g);
    mood_ = Mood::kRunning;
}

int Supervisor::poll_timeout_ms() const {
    TimePoint t = now();
    auto best = std::chrono::milliseconds(1000);
    for (const auto& g : groups_)
        for (const auto& p : g.processes)
            if (auto d = p->machine.next_deadline()) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*d - t);
                best = std::min(best, std::max(left + std::chrono::milliseconds(1),
                                               std::chrono::milliseconds(0)));
            }
    if (mood_ != Mood::kRunning) best = std::min(best, std::chrono::milliseconds(100));
    return static_cast<int>(best.count());
}

int Supervisor::run() {
    const std::string& pidfile = config_.supervisord.pidfile;
    if (!pidfile.empty()) {
        FILE* f = std::fopen(pidfile.c_str(), "w");
        if (f != nullptr) {
            std::fprintf(f, "%d\n", static_cast<int>(getpid()));
            std::fclose(f);
            pidfile_written_ = true;
        } else {
            log("CRIT", "could not write pidfile " + pidfile);
        }
    }
    log("INFO", "supervisord started with pid " + std::to_string(getpid()));
    std::vector<pollfd> fds;
    while (true) {
        if (mood_ != Mood::kRunning && stop_groups_in_order()) {
            if (mood_ == Mood::kShuttingDown) break;
            reload();
        }
        tick();
        fds.clear();
        fds.push_back({signal_fd_, POLLIN, 0});
        control_.add_poll_fds(fds);
        size_t first_child = fds.size();
        for (auto& g : groups_)
            for (auto& p : g.processes)
                for (int fd : {p->stdout_fd, p->stderr_fd})
                    if (fd >= 0) fds.push_back({fd, POLLIN, 0});
        int n = ::poll(fds.data(), fds.size(), poll_timeout_ms());
        if (n < 0 && errno != EINTR) {
            log("CRIT", std::string("poll: ") + std::strerror(errno));
            break;
        }
        if (n <= 0) continue;
        for (size_t i = first_child; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            for (auto& g : groups_)
                for (auto& p : g.processes)
                    if (p->stdout_fd == fds[i].fd || p->stderr_fd == fds[i].fd) drain(*p, false);
        }
        control_.handle(fds, [this](const std::string& line) {
            nlohmann::json reply;
            try {
                reply = handle_request(nlohmann::json::parse(line));
            } catch (const std::exception& e) {
                reply = {{"error", std::string("bad request: ") + e.what()}};
            }
            return reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        });
        if (fds[0].revents != 0) handle_signals();
    }
    log("INFO", "supervisord exiting");
    control_.close_all();
    return 0;
}

}  // namespace lampi::supervisor
