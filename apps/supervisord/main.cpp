// lampi-supervisord -c FILE [-n]: a process supervisor reading supervisord's ini format.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>

#include "supervisor/config.h"
#include "supervisor/supervisor.h"

namespace {

constexpr const char* kUsage =
    "usage: lampi-supervisord [-c FILE] [-n]\n"
    "  -c FILE  configuration file (supervisord's ini format)\n"
    "  -n       run in the foreground (nodaemon)\n";

std::string default_config() {
    for (const char* p : {"supervisord.conf", "etc/supervisord.conf", "/etc/supervisord.conf",
                          "/etc/supervisor/supervisord.conf"}) {
        if (access(p, R_OK) == 0) return p;
    }
    return "";
}

// Detach like supervisord's daemonize(): fork, new session, stdio to /dev/null.
bool daemonize() {
    pid_t pid = fork();
    if (pid < 0) return false;
    if (pid > 0) _exit(0);
    setsid();
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        for (int i = 0; i < 3; ++i) dup2(fd, i);
        if (fd > 2) close(fd);
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::string path;
    bool nodaemon = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "-c" || a == "--configuration") && i + 1 < argc) {
            path = argv[++i];
        } else if (a.rfind("--configuration=", 0) == 0) {
            path = a.substr(16);
        } else if (a == "-n" || a == "--nodaemon") {
            nodaemon = true;
        } else if (a == "-h" || a == "--help") {
            std::cout << kUsage;
            return 0;
        } else {
            std::cerr << "Error: unknown option " << a << "\n" << kUsage;
            return 2;
        }
    }
    if (path.empty()) path = default_config();
    if (path.empty()) {
        std::cerr << "Error: No config file found at default paths; use the -c option\n";
        return 2;
    }
    using namespace lampi::supervisor;
    ConfigResult loaded = load_config(path, default_load_options());
    for (const auto& w : loaded.config.warnings) std::cerr << "Warning: " << w << "\n";
    if (!loaded.errors.empty()) {
        for (const auto& e : loaded.errors) std::cerr << "Error: " << e << "\n";
        std::cerr << "Error: configuration invalid; nothing started\n";
        return 2;
    }
    if (nodaemon) loaded.config.supervisord.nodaemon = true;
    bool foreground = loaded.config.supervisord.nodaemon;
    Supervisor supervisor(std::move(loaded.config));
    std::string err = supervisor.open();
    if (!err.empty()) {
        std::cerr << "Error: " << err << "\n";
        return 2;
    }
    if (!foreground && !daemonize()) {
        std::cerr << "Error: cannot daemonize: " << std::strerror(errno) << "\n";
        return 2;
    }
    return supervisor.run();
}
