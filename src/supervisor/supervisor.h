// lampi-supervisord's runtime: owns the process groups (config + ProcessStateMachine + pipes +
// log files per process), the control socket and the signalfd, and runs the poll loop that
// drives the state machines. Start order is (group priority, process priority); shutdown stops
// the groups in reverse order, each fully stopped before the next (supervisord's
// ordered_stop_groups). Single-threaded; run() returns the exit code.
#pragma once

#include <signal.h>

#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "supervisor/config.h"
#include "supervisor/control_server.h"
#include "supervisor/log_file.h"
#include "supervisor/process_state.h"

namespace lampi::supervisor {

class Supervisor {
  public:
    explicit Supervisor(Config config);
    ~Supervisor();

    // Blocks SIGCHLD/SIGTERM/SIGINT/SIGQUIT/SIGHUP/SIGUSR2 (read through a signalfd), opens the
    // log file and the control socket. Returns an error message or "". Call before daemonizing.
    std::string open();
    // Writes the pidfile, runs until shutdown (every child stopped) and returns the exit code.
    int run();

    // The control protocol: one JSON request in, one JSON reply out (see docs/supervisor.md).
    nlohmann::json handle_request(const nlohmann::json& request);

  private:
    struct Process {
        ProgramConfig config;
        ProcessStateMachine machine;
        int stdout_fd = -1;
        int stderr_fd = -1;
        LogFile stdout_log;
        LogFile stderr_log;
        std::time_t start_wall = 0;
        std::time_t stop_wall = 0;
        explicit Process(ProgramConfig c);
    };
    struct Group {
        GroupConfig config;
        std::vector<std::unique_ptr<Process>> processes;
    };
    enum class Mood { kRunning, kRestarting, kShuttingDown };

    void add_group(const GroupConfig& config);
    void tick();
    void act(Process& p, Action action);
    void do_spawn(Process& p);
    void send_signal(Process& p, int signo, bool as_group);
    void handle_signals();
    void reap();
    void drain(Process& p, bool final);
    void close_pipes(Process& p);
    bool stop_groups_in_order();  // true when everything is stopped
    void reload();
    int poll_timeout_ms() const;
    void log(const std::string& level, const std::string& message);
    void log_state(const Process& p, ProcessState before);

    nlohmann::json process_info(const Process& p) const;
    nlohmann::json start_or_stop(const nlohmann::json& names, bool start);
    nlohmann::json tail(const nlohmann::json& request);
    nlohmann::json reread();
    nlohmann::json add_group_request(const std::string& name);
    nlohmann::json remove_group_request(const std::string& name);
    Process* find_process(const std::string& group, const std::string& name);
    Group* find_group(const std::string& name);

    Config config_;
    std::vector<Group> groups_;
    Mood mood_ = Mood::kRunning;
    ControlServer control_;
    LogFile logfile_;
    int log_level_ = 2;
    int signal_fd_ = -1;
    sigset_t original_mask_{};
    bool pidfile_written_ = false;
};

}  // namespace lampi::supervisor
