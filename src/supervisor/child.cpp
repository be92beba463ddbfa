#include "supervisor/child.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "supervisor/config_values.h"

extern char** environ;

namespace lampi::supervisor {
namespace {

bool is_executable(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

// supervisor get_execv_args: search PATH for a bare name, report missing/non-executable files.
struct Resolved {
    std::string path;
    std::string error;
};

Resolved resolve(const std::string& program) {
    if (program.find('/') != std::string::npos) {
        struct stat st {};
        if (stat(program.c_str(), &st) != 0) return {"", "can't find command '" + program + "'"};
        if (!is_executable(program)) return {"", "command at '" + program + "' is not executable"};
        return {program, ""};
    }
    const char* path = getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    size_t pos = 0;
    while (pos <= dirs.size()) {
        size_t colon = dirs.find(':', pos);
        std::string dir = dirs.substr(pos, colon - pos);
        std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
        if (is_executable(candidate)) return {candidate, ""};
        if (colon == std::string::npos) break;
        pos = colon + 1;
    }
    return {"", "can't find command '" + program + "'"};
}

std::vector<std::string> child_environment(const ProgramConfig& c, const SpawnContext& ctx,
                                           const struct passwd* pw) {
    std::map<std::string, std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string kv(*e);
        size_t eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    env["SUPERVISOR_ENABLED"] = "1";
    env["SUPERVISOR_PROCESS_NAME"] = c.name;
    env["SUPERVISOR_GROUP_NAME"] = c.group;
    if (!ctx.server_url.empty()) env["SUPERVISOR_SERVER_URL"] = ctx.server_url;
    if (pw != nullptr) {
        env["HOME"] = pw->pw_dir;
        env["USER"] = pw->pw_name;
        env["LOGNAME"] = pw->pw_name;
        env["SHELL"] = pw->pw_shell;
    }
    for (const auto& [k, v] : c.environment) env[k] = v;
    std::vector<std::string> out;
    for (const auto& [k, v] : env) out.push_back(k + "=" + v);
    return out;
}

[[noreturn]] void child_fail(const std::string& message) {
    std::string line = "supervisor: " + message + ": " + std::strerror(errno) + "\n";
    (void)!write(2, line.data(), line.size());
    _exit(127);
}

}  // namespace

std::variant<SpawnedChild, std::string> spawn_child(const ProgramConfig& c,
                                                    const SpawnContext& ctx) {
    auto argv_words = split_command(c.command);
    if (!argv_words || argv_words->empty()) return std::string("bad command '" + c.command + "'");
    Resolved exe = resolve(argv_words->front());
    if (!exe.error.empty()) return exe.error;
    const std::string& filename = exe.path;

    struct passwd* pw = nullptr;
    if (!c.user.empty()) {
        pw = getpwnam(c.user.c_str());
        if (pw == nullptr) return std::string("user '" + c.user + "' does not exist");
        if (getuid() != 0 && pw->pw_uid != getuid()) {
            return std::string("can't drop privilege as nonroot user");
        }
    }
    std::vector<std::string> env = child_environment(c, ctx, pw);
    std::vector<char*> argv, envp;
    for (auto& w : *argv_words) argv.push_back(w.data());
    argv.push_back(nullptr);
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    int out[2] = {-1, -1};
    int err[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0) return std::string("too many open files to spawn");
    if (!c.redirect_stderr && pipe2(err, O_CLOEXEC) != 0) {
        close(out[0]);
        close(out[1]);
        return std::string("too many open files to spawn");
    }
    uid_t uid = pw != nullptr ? pw->pw_uid : 0;
    gid_t gid = pw != nullptr ? pw->pw_gid : 0;
    std::string user = c.user;

    pid_t pid = fork();
    if (pid < 0) {
        for (int fd : {out[0], out[1], err[0], err[1]})
            if (fd >= 0) close(fd);
        return std::string("Too many processes in process table to spawn");
    }
    if (pid == 0) {
        setpgid(0, 0);  // supervisord's setpgrp(): the child leads its own process group
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(c.redirect_stderr ? out[1] : err[1], 2);
        for (int s = 1; s < NSIG; ++s) signal(s, SIG_DFL);
        sigprocmask(SIG_SETMASK, &ctx.original_mask, nullptr);
        if (!c.directory.empty() && chdir(c.directory.c_str()) != 0) {
            child_fail("couldn't chdir to " + c.directory);
        }
        if (c.umask >= 0) umask(static_cast<mode_t>(c.umask));
        if (pw != nullptr && getuid() == 0) {
            if (initgroups(user.c_str(), gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
                child_fail("couldn't setuid to " + user);
            }
        }
        execve(filename.c_str(), argv.data(), envp.data());
        child_fail("couldn't exec " + filename);
    }
    close(out[1]);
    if (err[1] >= 0) close(err[1]);
    for (int fd : {out[0], err[0]})
        if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return SpawnedChild{pid, out[0], err[0]};
}

}  // namespace lampi::supervisor
