// Result codes of control requests: supervisor.xmlrpc.Faults, so supervisorctl's messages and
// exit codes map one to one.
#pragma once

namespace lampi::supervisor::fault {

constexpr int kBadName = 10;
constexpr int kNoFile = 20;
constexpr int kNotExecutable = 21;
constexpr int kFailed = 30;
constexpr int kAbnormalTermination = 40;
constexpr int kSpawnError = 50;
constexpr int kAlreadyStarted = 60;
constexpr int kNotRunning = 70;
constexpr int kSuccess = 80;
constexpr int kAlreadyAdded = 90;
constexpr int kStillRunning = 91;
constexpr int kCantReread = 92;

}  // namespace lampi::supervisor::fault
