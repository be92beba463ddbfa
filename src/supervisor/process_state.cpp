#include "supervisor/process_state.h"

#include <algorithm>

#include "base/check.h"

namespace lampi::supervisor {
namespace {

std::chrono::steady_clock::duration seconds(int s) { return std::chrono::seconds(s); }

}  // namespace

const char* state_name(ProcessState state) {
    switch (state) {
        case ProcessState::kStopped:
            return "STOPPED";
        case ProcessState::kStarting:
            return "STARTING";
        case ProcessState::kRunning:
            return "RUNNING";
        case ProcessState::kBackoff:
            return "BACKOFF";
        case ProcessState::kStopping:
            return "STOPPING";
        case ProcessState::kExited:
            return "EXITED";
        case ProcessState::kFatal:
            return "FATAL";
        case ProcessState::kUnknown:
            return "UNKNOWN";
    }
    return "UNKNOWN";
}

bool is_running_state(ProcessState s) {
    return s == ProcessState::kStarting || s == ProcessState::kRunning ||
           s == ProcessState::kBackoff;
}

bool is_stopped_state(ProcessState s) {
    return s == ProcessState::kStopped || s == ProcessState::kExited || s == ProcessState::kFatal ||
           s == ProcessState::kUnknown;
}

StateOptions StateOptions::from(const ProgramConfig& c) {
    return StateOptions{c.autostart, c.autorestart,  c.exitcodes,
                        c.startsecs, c.startretries, c.stopwaitsecs};
}

bool ProcessStateMachine::exit_expected() const {
    return std::find(options_.exitcodes.begin(), options_.exitcodes.end(), exit_status_) !=
           options_.exitcodes.end();
}

void ProcessStateMachine::change_state(ProcessState next, TimePoint now) {
    // process.py change_state: every entry into BACKOFF waits one second longer.
    if (next == ProcessState::kBackoff) {
        ++backoff_;
        delay_ = now + seconds(backoff_);
    }
    state_ = next;
}

Action ProcessStateMachine::spawn(TimePoint now) {
    LAMPI_CHECK(pid_ == 0);
    killing_ = false;
    spawn_error_.clear();
    exit_status_ = 0;
    last_start_ = now;
    change_state(ProcessState::kStarting, now);
    return Action::kSpawn;
}

Action ProcessStateMachine::tick(TimePoint now, bool may_start) {
    ProcessState state = state_;
    if (may_start) {
        if (state == ProcessState::kExited) {
            if (options_.autorestart == AutoRestart::kAlways ||
                (options_.autorestart == AutoRestart::kUnexpected && !exit_expected())) {
                return spawn(now);
            }
        } else if (state == ProcessState::kStopped && !last_start_) {
            if (options_.autostart) return spawn(now);
        } else if (state == ProcessState::kBackoff) {
            if (backoff_ <= options_.startretries && now > delay_) return spawn(now);
        }
    }
    if (state == ProcessState::kStarting && now - *last_start_ > seconds(options_.startsecs)) {
        delay_ = {};
        backoff_ = 0;
        change_state(ProcessState::kRunning, now);
    }
    if (state == ProcessState::kBackoff && backoff_ > options_.startretries) {
        give_up();  // too many start retries too quickly
    } else if (state == ProcessState::kStopping && now >= delay_) {
        // Overran stopwaitsecs: SIGKILL, and wait another stopwaitsecs before trying again.
        delay_ = now + seconds(options_.stopwaitsecs);
        return Action::kKill;
    }
    return Action::kNone;
}

Action ProcessStateMachine::start(TimePoint now) {
    if (is_running_state(state_) || state_ == ProcessState::kStopping) return Action::kNone;
    if (state_ == ProcessState::kUnknown) return Action::kNone;
    return spawn(now);
}

Action ProcessStateMachine::stop(TimePoint now) {
    if (pid_ == 0) {
        if (state_ == ProcessState::kBackoff) change_state(ProcessState::kStopped, now);
        return Action::kNone;
    }
    if (state_ == ProcessState::kStopping) return Action::kNone;  // already signalled
    killing_ = true;
    delay_ = now + seconds(options_.stopwaitsecs);
    change_state(ProcessState::kStopping, now);
    return Action::kStopSignal;
}

void ProcessStateMachine::give_up() {
    delay_ = {};
    backoff_ = 0;
    state_ = ProcessState::kFatal;
}

void ProcessStateMachine::spawned(int pid) {
    LAMPI_CHECK(state_ == ProcessState::kStarting && pid > 0);
    pid_ = pid;
}

void ProcessStateMachine::spawn_failed(TimePoint now, const std::string& error) {
    LAMPI_CHECK(state_ == ProcessState::kStarting);
    spawn_error_ = error;
    change_state(ProcessState::kBackoff, now);
}

void ProcessStateMachine::signal_failed(const std::string& /*error*/) {
    // process.py kill(): ESRCH means the child already died on its own. The state is left as is
    // on purpose: the exit is still to be reaped and exited() moves STOPPING -> STOPPED.
}

void ProcessStateMachine::exited(TimePoint now, int exit_status) {
    bool too_quickly =
        last_start_ && now > *last_start_ && now - *last_start_ < seconds(options_.startsecs);
    last_stop_ = now;
    pid_ = 0;
    if (killing_) {
        // A stop request: STOPPING -> STOPPED.
        killing_ = false;
        delay_ = {};
        exit_status_ = exit_status;
        change_state(ProcessState::kStopped, now);
    } else if (too_quickly && state_ == ProcessState::kStarting) {
        // Did not stay up startsecs: a failed start, STARTING -> BACKOFF.
        exit_status_ = 0;
        spawn_error_ = "Exited too quickly (process log may have details)";
        change_state(ProcessState::kBackoff, now);
    } else {
        delay_ = {};
        backoff_ = 0;
        exit_status_ = exit_status;
        if (state_ == ProcessState::kStarting) change_state(ProcessState::kRunning, now);
        if (!exit_expected()) spawn_error_ = "Bad exit code " + std::to_string(exit_status);
        change_state(ProcessState::kExited, now);
    }
}

std::optional<TimePoint> ProcessStateMachine::next_deadline() const {
    switch (state_) {
        case ProcessState::kStarting:
            return *last_start_ + seconds(options_.startsecs) + std::chrono::milliseconds(1);
        case ProcessState::kBackoff:
            if (backoff_ > options_.startretries) return TimePoint{};  // FATAL on next tick
            return delay_ + std::chrono::milliseconds(1);
        case ProcessState::kStopping:
            return delay_;
        default:
            return std::nullopt;
    }
}

}  // namespace lampi::supervisor
