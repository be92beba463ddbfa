// The supervisord state machine driven by a fake clock: every transition, the backoff timing
// (the Nth retry waits N seconds), FATAL after startretries, autorestart and exit codes.
#include "supervisor/process_state.h"

#include <gtest/gtest.h>

namespace lampi::supervisor {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class FakeClock {
  public:
    TimePoint now() const { return now_; }
    void advance(std::chrono::steady_clock::duration d) { now_ += d; }

  private:
    TimePoint now_ = TimePoint{} + std::chrono::hours(1);
};

StateOptions options(int startsecs = 1, int startretries = 3) {
    StateOptions o;
    o.startsecs = startsecs;
    o.startretries = startretries;
    return o;
}

TEST(ProcessState, AutostartSpawnsOnFirstTickAndRunsAfterStartsecs) {
    FakeClock clock;
    ProcessStateMachine m(options());
    EXPECT_EQ(m.state(), ProcessState::kStopped);
    EXPECT_EQ(m.tick(clock.now(), true), Action::kSpawn);
    EXPECT_EQ(m.state(), ProcessState::kStarting);
    m.spawned(42);
    clock.advance(seconds(1));
    EXPECT_EQ(m.tick(clock.now(), true), Action::kNone);
    EXPECT_EQ(m.state(), ProcessState::kStarting);  // needs strictly more than startsecs
    clock.advance(milliseconds(1));
    m.tick(clock.now(), true);
    EXPECT_EQ(m.state(), ProcessState::kRunning);
    EXPECT_EQ(m.pid(), 42);
}

TEST(ProcessState, AutostartFalseStaysStopped) {
    FakeClock clock;
    StateOptions o = options();
    o.autostart = false;
    ProcessStateMachine m(o);
    EXPECT_EQ(m.tick(clock.now(), true), Action::kNone);
    EXPECT_EQ(m.state(), ProcessState::kStopped);
    EXPECT_EQ(m.start(clock.now()), Action::kSpawn);
    EXPECT_EQ(m.state(), ProcessState::kStarting);
}

TEST(ProcessState, NothingStartsWhileShuttingDown) {
    FakeClock clock;
    ProcessStateMachine m(options());
    EXPECT_EQ(m.tick(clock.now(), false), Action::kNone);
    EXPECT_EQ(m.state(), ProcessState::kStopped);
}

TEST(ProcessState, BackoffWaitsNSecondsBeforeTheNthRetryThenFatal) {
    FakeClock clock;
    ProcessStateMachine m(options(1, 2));
    ASSERT_EQ(m.tick(clock.now(), true), Action::kSpawn);
    for (int retry = 1; retry <= 2; ++retry) {
        m.spawned(100 + retry);
        clock.advance(milliseconds(100));
        m.exited(clock.now(), 1);  // died before startsecs: a failed start
        EXPECT_EQ(m.state(), ProcessState::kBackoff);
        EXPECT_EQ(m.backoff(), retry);
        EXPECT_EQ(m.spawn_error(), "Exited too quickly (process log may have details)");
        clock.advance(seconds(retry));
        EXPECT_EQ(m.tick(clock.now(), true), Action::kNone) << "retry " << retry << " too early";
        clock.advance(milliseconds(1));
        EXPECT_EQ(m.tick(clock.now(), true), Action::kSpawn) << "retry " << retry;
    }
    m.spawned(200);
    clock.advance(milliseconds(100));
    m.exited(clock.now(), 1);
    EXPECT_EQ(m.state(), ProcessState::kBackoff);
    EXPECT_EQ(m.tick(clock.now(), true), Action::kNone);
    EXPECT_EQ(m.state(), ProcessState::kFatal);
    clock.advance(seconds(60));
    EXPECT_EQ(m.tick(clock.now(), true), Action::kNone);  // FATAL is final until a start
    EXPECT_EQ(m.state(), ProcessState::kFatal);
    EXPECT_EQ(m.start(clock.now()), Action::kSpawn);
}

TEST(ProcessState, SpawnErrorGoesToBackoff) {
    FakeClock clock;
    ProcessStateMachine m(options(1, 0));
    ASSERT_EQ(m.tick(clock.now(), true), Action::kSpawn);
    m.spawn_failed(clock.now(), "can't find command 'nope'");
    EXPECT_EQ(m.state(), ProcessState::kBackoff);
    m.tick(clock.now(), true);
    EXPECT_EQ(m.state(), ProcessState::kFatal);
    EXPECT_EQ(m.spawn_error(), "can't find command 'nope'");
}

TEST(ProcessState, RunningProcessThatDiesIsRestartedWithAutorestartTrue) {
    FakeClock clock;
    StateOptions o = options();
    o.autorestart = AutoRestart::kAlways;
    ProcessStateMachine m(o);
    m.tick(clock.now(), true);
    m.spawned(1);
    clock.advance(seconds(2));
    m.tick(clock.now(), true);
    ASSERT_EQ(m.state(), ProcessState::kRunning);
    m.exited(clock.now(), -1);  // killed by a signal
    EXPECT_EQ(m.state(), ProcessState::kExited);
    EXPECT_EQ(m.backoff(), 0);
    EXPECT_EQ(m.tick(clock.now(), true), Action::kSpawn);
}

TEST(ProcessState, AutorestartUnexpectedFollowsExitcodes) {
    for (auto [code, restarted] : {std::pair{3, false}, std::pair{4, true}}) {
        FakeClock clock;
        StateOptions o = options();
        o.exitcodes = {3};
        ProcessStateMachine m(o);
        m.tick(clock.now(), true);
        m.spawned(1);
        clock.advance(seconds(2));
        m.tick(clock.now(), true);
        m.exited(clock.now(), code);
        EXPECT_EQ(m.state(), ProcessState::kExited);
        EXPECT_EQ(m.exit_expected(), !restarted);
        EXPECT_EQ(m.tick(clock.now(), true), restarted ? Action::kSpawn : Action::kNone) << code;
    }
}

TEST(ProcessState, AutorestartFalseNeverRestarts) {
    FakeClock clock;
    StateOptions o = options();
    o.autorestart = AutoRestart::kNever;
    ProcessStateMachine m(o);
    m.tick(clock.now(), true);
    m.spawned(1);
    clock.advance(seconds(2));
    m.exited(clock.now(), 9);  // exit after startsecs without a tick in between: RUNNING->EXITED
    EXPECT_EQ(m.state(), ProcessState::kExited);
    EXPECT_EQ(m.spawn_error(), "Bad exit code 9");
    EXPECT_EQ(m.tick(clock.now(), true), Action::kNone);
}

TEST(ProcessState, StartsecsZeroMeansAnyExitIsAnExit) {
    FakeClock clock;
    ProcessStateMachine m(options(0, 3));
    m.tick(clock.now(), true);
    m.spawned(1);
    m.exited(clock.now(), 0);
    EXPECT_EQ(m.state(), ProcessState::kExited);
}

TEST(ProcessState, StopSendsSignalThenKillsAfterStopwaitsecs) {
    FakeClock clock;
    StateOptions o = options();
    o.stopwaitsecs = 5;
    ProcessStateMachine m(o);
    m.tick(clock.now(), true);
    m.spawned(7);
    clock.advance(seconds(2));
    m.tick(clock.now(), true);
    EXPECT_EQ(m.stop(clock.now()), Action::kStopSignal);
    EXPECT_EQ(m.state(), ProcessState::kStopping);
    EXPECT_EQ(m.stop(clock.now()), Action::kNone);
    clock.advance(seconds(4));
    EXPECT_EQ(m.tick(clock.now(), true), Action::kNone);
    clock.advance(seconds(1));
    EXPECT_EQ(m.tick(clock.now(), true), Action::kKill);
    EXPECT_EQ(m.tick(clock.now(), true), Action::kNone);  // the next SIGKILL waits again
    m.exited(clock.now(), -1);
    EXPECT_EQ(m.state(), ProcessState::kStopped);
    EXPECT_EQ(m.tick(clock.now(), true), Action::kNone);  // an operator stop is not restarted
}

TEST(ProcessState, StopDuringBackoffGoesStraightToStopped) {
    FakeClock clock;
    ProcessStateMachine m(options());
    m.tick(clock.now(), true);
    m.spawn_failed(clock.now(), "boom");
    EXPECT_EQ(m.stop(clock.now()), Action::kNone);
    EXPECT_EQ(m.state(), ProcessState::kStopped);
}

TEST(ProcessState, StopWhileStoppedDoesNothingAndStartWhileRunningIsRefused) {
    FakeClock clock;
    ProcessStateMachine m(options());
    EXPECT_EQ(m.stop(clock.now()), Action::kNone);
    EXPECT_EQ(m.state(), ProcessState::kStopped);
    m.tick(clock.now(), true);
    m.spawned(3);
    EXPECT_EQ(m.start(clock.now()), Action::kNone);
}

TEST(ProcessState, GiveUpDuringShutdownIsFatal) {
    FakeClock clock;
    ProcessStateMachine m(options());
    m.tick(clock.now(), true);
    m.spawn_failed(clock.now(), "boom");
    m.give_up();
    EXPECT_EQ(m.state(), ProcessState::kFatal);
}

TEST(ProcessState, NextDeadlineFollowsTheState) {
    FakeClock clock;
    ProcessStateMachine m(options(3, 3));
    EXPECT_FALSE(m.next_deadline());
    m.tick(clock.now(), true);
    m.spawned(5);
    ASSERT_TRUE(m.next_deadline());
    EXPECT_GT(*m.next_deadline(), clock.now() + seconds(3));
    EXPECT_LT(*m.next_deadline(), clock.now() + seconds(4));
}

TEST(ProcessState, NamesMatchSupervisor) {
    EXPECT_STREQ(state_name(ProcessState::kBackoff), "BACKOFF");
    EXPECT_STREQ(state_name(ProcessState::kUnknown), "UNKNOWN");
    EXPECT_TRUE(is_running_state(ProcessState::kBackoff));
    EXPECT_TRUE(is_stopped_state(ProcessState::kExited));
    EXPECT_FALSE(is_stopped_state(ProcessState::kStopping));
}

}  // namespace
}  // namespace lampi::supervisor
