#include "supervisor/config.h"

#include <gtest/gtest.h>

#include <csignal>

#include "supervisor/config_values.h"

namespace lampi::supervisor {
namespace {

// An in-memory file system for includes.
LoadOptions fake_fs(std::map<std::string, std::string> files) {
    LoadOptions o;
    o.read_file = [files](const std::string& p) -> std::optional<std::string> {
        auto it = files.find(p);
        if (it == files.end()) return std::nullopt;
        return it->second;
    };
    o.glob = [files](const std::string& pattern) {
        std::vector<std::string> out;
        std::string prefix = pattern.substr(0, pattern.find('*'));
        for (const auto& [path, text] : files)
            if (path.rfind(prefix, 0) == 0 && path.size() >= 5 &&
                path.compare(path.size() - 5, 5, ".conf") == 0)
                out.push_back(path);
        return out;
    };
    o.env = {{"HOME", "/home/pi"}};
    o.host_node_name = "lamp";
    return o;
}

ConfigResult parse(const std::string& text) {
    return parse_config(text, "/etc/sup/s.conf", fake_fs({}));
}

TEST(Config, AppliesSupervisordDefaults) {
    auto r = parse("[program:lamp_service]\ncommand=/usr/bin/python3 lamp.py\n");
    ASSERT_TRUE(r.errors.empty()) << r.errors[0];
    ASSERT_EQ(r.config.groups.size(), 1u);
    const ProgramConfig& p = r.config.groups[0].processes[0];
    EXPECT_EQ(p.name, "lamp_service");
    EXPECT_EQ(p.group, "lamp_service");
    EXPECT_EQ(p.priority, 999);
    EXPECT_TRUE(p.autostart);
    EXPECT_EQ(p.autorestart, AutoRestart::kUnexpected);
    EXPECT_EQ(p.exitcodes, std::vector<int>{0});
    EXPECT_EQ(p.startsecs, 1);
    EXPECT_EQ(p.startretries, 3);
    EXPECT_EQ(p.stopsignal, SIGTERM);
    EXPECT_EQ(p.stopwaitsecs, 10);
    EXPECT_EQ(p.stdout_log.path, "AUTO");
    EXPECT_EQ(p.stdout_log.maxbytes, 50 * 1024 * 1024);
    EXPECT_EQ(r.config.supervisord.logfile, "/etc/sup/supervisord.log");
}

TEST(Config, ReadsEveryProgramOption) {
    auto r = parse(
        "[program:p]\ncommand=/bin/x\ndirectory=/srv\nenvironment=HOME=\"/home/pi\",A=b\n"
        "user=pi\numask=027\npriority=300\nautostart=false\nautorestart=true\nexitcodes=0,2\n"
        "startsecs=5\nstartretries=7\nstopsignal=INT\nstopwaitsecs=3\nstopasgroup=true\n"
        "redirect_stderr=true\nstdout_logfile=/var/log/p.log\nstdout_logfile_maxbytes=1KB\n"
        "stdout_logfile_backups=2\n");
    ASSERT_TRUE(r.errors.empty()) << r.errors[0];
    const ProgramConfig& p = r.config.groups[0].processes[0];
    EXPECT_EQ(p.directory, "/srv");
    ASSERT_EQ(p.environment.size(), 2u);
    EXPECT_EQ(p.environment[0], (std::pair<std::string, std::string>{"HOME", "/home/pi"}));
    EXPECT_EQ(p.user, "pi");
    EXPECT_EQ(p.umask, 027);
    EXPECT_EQ(p.priority, 300);
    EXPECT_FALSE(p.autostart);
    EXPECT_EQ(p.autorestart, AutoRestart::kAlways);
    EXPECT_EQ(p.exitcodes, (std::vector<int>{0, 2}));
    EXPECT_EQ(p.stopsignal, SIGINT);
    EXPECT_TRUE(p.stopasgroup);
    EXPECT_TRUE(p.killasgroup);  // defaults to stopasgroup
    EXPECT_TRUE(p.redirect_stderr);
    EXPECT_EQ(p.stderr_log.path, "");
    EXPECT_EQ(p.stdout_log.maxbytes, 1024);
    EXPECT_EQ(p.stdout_log.backups, 2);
}

TEST(Config, ExpandsProgramNameHereEnvAndProcessNum) {
    auto r = parse(
        "[program:w]\ncommand=%(here)s/w --home %(ENV_HOME)s --n %(process_num)02d %%\n"
        "process_name=%(program_name)s_%(process_num)d\nnumprocs=2\n");
    ASSERT_TRUE(r.errors.empty()) << r.errors[0];
    const auto& procs = r.config.groups[0].processes;
    ASSERT_EQ(procs.size(), 2u);
    EXPECT_EQ(procs[0].name, "w_0");
    EXPECT_EQ(procs[1].name, "w_1");
    EXPECT_EQ(procs[1].command, "/etc/sup/w --home /home/pi --n 01 %");
}

TEST(Config, NumprocsNeedsProcessNumInProcessName) {
    auto r = parse("[program:w]\ncommand=/bin/w\nnumprocs=2\n");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].find("/etc/sup/s.conf:1: [program:w]"), std::string::npos);
}

TEST(Config, ErrorsNameFileLineSectionAndKey) {
    auto r = parse(
        "[program:a]\ncommand=/bin/a\nstartsecs=soon\nautorestart=maybe\n"
        "[program:b]\ncommand=%(nope)s\n");
    ASSERT_EQ(r.errors.size(), 3u);
    EXPECT_EQ(r.errors[0], "/etc/sup/s.conf:3: [program:a] startsecs: invalid integer 'soon'");
    EXPECT_NE(r.errors[1].find("s.conf:4: [program:a] autorestart:"), std::string::npos);
    EXPECT_NE(r.errors[2].find("s.conf:6: [program:b] command: unknown expansion %(nope)"),
              std::string::npos);
}

TEST(Config, MissingCommandIsAnError) {
    auto r = parse("[program:a]\nautostart=true\n");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].find("command is required"), std::string::npos);
}

TEST(Config, GroupsCollectProgramsAndSortByPriority) {
    auto r = parse(
        "[program:ui]\ncommand=/ui\npriority=400\n"
        "[program:svc]\ncommand=/svc\npriority=300\n"
        "[program:pigpiod]\ncommand=/pigpiod -g\npriority=200\n"
        "[group:lamp]\nprograms=ui,svc\npriority=500\n");
    ASSERT_TRUE(r.errors.empty()) << r.errors[0];
    ASSERT_EQ(r.config.groups.size(), 2u);
    EXPECT_EQ(r.config.groups[0].name, "pigpiod");
    EXPECT_EQ(r.config.groups[1].name, "lamp");
    EXPECT_EQ(r.config.groups[1].processes[0].name, "svc");
    EXPECT_EQ(r.config.groups[1].processes[0].group, "lamp");
    EXPECT_EQ(namespec("lamp", "svc"), "lamp:svc");
}

TEST(Config, GroupWithUnknownProgramIsAnError) {
    auto r = parse("[group:g]\nprograms=ghost\n");
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].find("[group:g] programs: no such program 'ghost'"), std::string::npos);
}

TEST(Config, IncludesAreRelativeToTheIncludingFile) {
    auto r = parse_config("[include]\nfiles = conf.d/*.conf\n", "/etc/sup/s.conf",
                          fake_fs({{"/etc/sup/conf.d/a.conf", "[program:a]\ncommand=%(here)s/a\n"},
                                   {"/etc/sup/conf.d/b.conf", "[program:b]\ncommand=/b\nx\n"}}));
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_NE(r.errors[0].find("/etc/sup/conf.d/b.conf:3:"), std::string::npos);
    ASSERT_EQ(r.config.groups.size(), 2u);
    EXPECT_EQ(r.config.groups[0].processes[0].command, "/etc/sup/conf.d/a");
}

TEST(Config, SocketAndServerUrl) {
    auto r = parse(
        "[unix_http_server]\nfile=/run/s.sock\n[supervisorctl]\n"
        "serverurl=unix:///run/s.sock\n[supervisord]\nnodaemon=true\nlogfile=NONE\n");
    ASSERT_TRUE(r.errors.empty()) << r.errors[0];
    EXPECT_EQ(r.config.socket_file, "/run/s.sock");
    EXPECT_EQ(r.config.serverurl, "unix:///run/s.sock");
    EXPECT_TRUE(r.config.supervisord.nodaemon);
    EXPECT_EQ(r.config.supervisord.logfile, "");
}

TEST(ConfigValues, ParsesSupervisorValueSyntax) {
    EXPECT_EQ(parse_byte_size("50MB"), 50 * 1024 * 1024);
    EXPECT_FALSE(parse_byte_size("lots"));
    EXPECT_EQ(parse_signal("SIGHUP"), SIGHUP);
    EXPECT_EQ(parse_signal("kill"), SIGKILL);
    EXPECT_FALSE(parse_signal("BOGUS"));
    EXPECT_EQ(parse_autorestart("unexpected"), AutoRestart::kUnexpected);
    EXPECT_FALSE(parse_exitcodes("0,x"));
    auto words = split_command("/bin/sh -c \"exit 1\" 'a b' c\\ d");
    ASSERT_TRUE(words);
    EXPECT_EQ(*words, (std::vector<std::string>{"/bin/sh", "-c", "exit 1", "a b", "c d"}));
    EXPECT_FALSE(split_command("sh -c 'open"));
    auto env = parse_environment("A=\"x,y\", B=2");
    ASSERT_TRUE(env);
    EXPECT_EQ((*env)[0].second, "x,y");
    EXPECT_EQ((*env)[1].first, "B");
}

}  // namespace
}  // namespace lampi::supervisor
