// The supervisord process state machine (supervisor/process.py, Subprocess), without I/O.
// Events in: spawn results, exits, stop requests and clock ticks; actions out: what the caller
// must do (fork/exec, send the stop signal, SIGKILL). Time is passed in, so tests drive it with a
// fake clock. Not thread-safe; one instance per supervised process, owned by its caller.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "supervisor/config.h"

namespace lampi::supervisor {

// Numbers as supervisor.states.ProcessStates.
enum class ProcessState {
    kStopped = 0,
    kStarting = 10,
    kRunning = 20,
    kBackoff = 30,
    kStopping = 40,
    kExited = 100,
    kFatal = 200,
    kUnknown = 1000,
};

const char* state_name(ProcessState state);
bool is_running_state(ProcessState state);  // STARTING, RUNNING, BACKOFF (RUNNING_STATES)
bool is_stopped_state(ProcessState state);  // STOPPED, EXITED, FATAL, UNKNOWN (STOPPED_STATES)

using TimePoint = std::chrono::steady_clock::time_point;

enum class Action {
    kNone,
    kSpawn,       // fork/exec now, then call spawned() or spawn_failed()
    kStopSignal,  // send stopsignal (to the group when stopasgroup), then signal_failed() on ESRCH
    kKill,        // send SIGKILL (to the group when killasgroup)
};

struct StateOptions {
    bool autostart = true;
    AutoRestart autorestart = AutoRestart::kUnexpected;
    std::vector<int> exitcodes{0};
    int startsecs = 1;
    int startretries = 3;
    int stopwaitsecs = 10;

    static StateOptions from(const ProgramConfig& config);
};

class ProcessStateMachine {
  public:
    explicit ProcessStateMachine(StateOptions options) : options_(std::move(options)) {}

    // Timer-driven transitions (Subprocess.transition). `may_start` is false while supervisord
    // is shutting down or reloading: nothing is (re)started then.
    Action tick(TimePoint now, bool may_start);

    // Operator start (startProcess): from STOPPED, EXITED, FATAL or BACKOFF. Returns kSpawn, or
    // kNone when the process is already starting/running (ALREADY_STARTED).
    Action start(TimePoint now);
    // Operator stop (stopProcess / shutdown): kStopSignal for a live process; a process in
    // BACKOFF goes straight to STOPPED; kNone if nothing to stop.
    Action stop(TimePoint now);

    // Shutdown of a process in BACKOFF (ProcessGroup.stop_all): straight to FATAL.
    void give_up();

    void spawned(int pid);
    void spawn_failed(TimePoint now, const std::string& error);
    // The child is gone. `exit_status` is the exit code, or -1 when killed by a signal.
    void exited(TimePoint now, int exit_status);
    // kill() found no such process (ESRCH): the exit will be reported by exited() anyway.
    void signal_failed(const std::string& error);

    // When tick() next has something to do, if ever.
    std::optional<TimePoint> next_deadline() const;

    ProcessState state() const { return state_; }
    int pid() const { return pid_; }
    int backoff() const { return backoff_; }
    int exit_status() const { return exit_status_; }
    const std::string& spawn_error() const { return spawn_error_; }
    std::optional<TimePoint> last_start() const { return last_start_; }
    std::optional<TimePoint> last_stop() const { return last_stop_; }
    bool exit_expected() const;
    const StateOptions& options() const { return options_; }

  private:
    Action spawn(TimePoint now);
    void change_state(ProcessState next, TimePoint now);

    StateOptions options_;
    ProcessState state_ = ProcessState::kStopped;
    int pid_ = 0;
    int backoff_ = 0;
    TimePoint delay_{};  // BACKOFF: next start; STOPPING: SIGKILL deadline
    bool killing_ = false;
    int exit_status_ = 0;
    std::string spawn_error_;
    std::optional<TimePoint> last_start_;
    std::optional<TimePoint> last_stop_;
};

}  // namespace lampi::supervisor
