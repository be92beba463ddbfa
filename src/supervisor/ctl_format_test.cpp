#include "supervisor/ctl_format.h"

#include <gtest/gtest.h>

#include "supervisor/faults.h"

namespace lampi::supervisor::ctl {
namespace {

using nlohmann::json;

json info(const std::string& group, const std::string& name, const std::string& state,
          const std::string& desc) {
    return json{{"group", group}, {"name", name}, {"statename", state}, {"description", desc}};
}

TEST(CtlFormat, StatusLinesPadLikeSupervisorctl) {
    json infos =
        json::array({info("lamp_service", "lamp_service", "RUNNING", "pid 123, uptime 0:00:05")});
    auto lines = status_lines(infos);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], "lamp_service                     RUNNING   pid 123, uptime 0:00:05");
}

TEST(CtlFormat, SelectMatchesNamesGroupsAndReportsUnknown) {
    json all = json::array({info("a", "a", "RUNNING", ""), info("g", "x", "STOPPED", ""),
                            info("g", "y", "FATAL", "")});
    Selection s = select(all, {"g:*", "a", "nope", "zz:*"});
    EXPECT_EQ(s.infos.size(), 3u);
    ASSERT_EQ(s.errors.size(), 2u);
    EXPECT_EQ(s.errors[0], "nope: ERROR (no such process)");
    EXPECT_EQ(s.errors[1], "zz: ERROR (no such group)");
}

TEST(CtlFormat, ResultLinesAndExitCodes) {
    EXPECT_EQ(result_line({{"group", "g"}, {"name", "x"}, {"status", fault::kSuccess}}, "started"),
              "g:x: started");
    EXPECT_EQ(
        result_line({{"group", "a"}, {"name", "a"}, {"status", fault::kNotRunning}}, "stopped"),
        "a: ERROR (not running)");
    EXPECT_EQ(exit_code_for_fault(fault::kAlreadyStarted, fault::kAlreadyStarted), 0);
    EXPECT_EQ(exit_code_for_fault(fault::kSpawnError, fault::kAlreadyStarted), 7);
    EXPECT_EQ(exit_code_for_fault(fault::kBadName, fault::kNotRunning), 1);
}

}  // namespace
}  // namespace lampi::supervisor::ctl
