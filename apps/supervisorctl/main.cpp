// lampi-supervisorctl -c FILE COMMAND [ARGS]: talks to lampi-supervisord over its unix socket
// (one JSON object per line) and prints what supervisorctl 4.2.5 prints, with its exit codes.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "supervisor/config.h"
#include "supervisor/ctl_format.h"
#include "supervisor/faults.h"

namespace {

using nlohmann::json;
namespace sup = lampi::supervisor;
namespace ctl = lampi::supervisor::ctl;
using Clock = std::chrono::steady_clock;

constexpr auto kReplyTimeout = std::chrono::seconds(30);
constexpr auto kPollInterval = std::chrono::milliseconds(100);

class Connection {
  public:
    ~Connection() {
        if (fd_ >= 0) close(fd_);
    }
    // "" on success, else supervisorctl's message ("unix://... no such file").
    std::string connect_to(const std::string& path, int& exit_code) {
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::string url = "unix://" + path;
        if (path.size() >= sizeof addr.sun_path) return url + " no such file";
        std::memcpy(addr.sun_path, path.data(), path.size());
        fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0)
            return "";
        if (errno == ENOENT) {
            exit_code = ctl::kExitNotRunning;
            return url + " no such file";
        }
        exit_code = 4;  // INSUFFICIENT_PRIVILEGES, as supervisorctl for a refused connection
        return url + " refused connection";
    }

    json call(const json& request) {
        std::string line = request.dump() + "\n";
        for (size_t off = 0; off < line.size();) {
            ssize_t n = send(fd_, line.data() + off, line.size() - off, MSG_NOSIGNAL);
            if (n <= 0) throw std::runtime_error("connection to supervisord lost");
            off += static_cast<size_t>(n);
        }
        auto deadline = Clock::now() + kReplyTimeout;
        size_t nl;
        while ((nl = buffer_.find('\n')) == std::string::npos) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            pollfd p{fd_, POLLIN, 0};
            if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
                throw std::runtime_error("timed out waiting for supervisord");
            }
            char buf[65536];
            ssize_t n = read(fd_, buf, sizeof buf);
            if (n <= 0) throw std::runtime_error("connection to supervisord lost");
            buffer_.append(buf, static_cast<size_t>(n));
        }
        json reply = json::parse(buffer_.substr(0, nl));
        buffer_.erase(0, nl + 1);
        if (reply.contains("error")) throw std::runtime_error(reply["error"].get<std::string>());
        return reply;
    }

  private:
    int fd_ = -1;
    std::string buffer_;
};

struct Ctl {
    Connection& conn;
    int exit_code = 0;

    json infos() { return conn.call({{"cmd", "status"}})["processes"]; }

    static json find(const json& all, const json& r) {
        for (const auto& i : all)
            if (i["group"] == r["group"] && i["name"] == r["name"]) return i;
        return json();
    }

    // Polls status until none of `results` (the SUCCESS ones) is in `transient` state; then
    // rewrites their status the way supervisord's onwait callbacks decide.
    void wait_for(json& results, const std::string& transient, int max_secs) {
        auto deadline = Clock::now() + std::chrono::seconds(max_secs + 10);
        while (true) {
            json all = infos();
            bool pending = false;
            for (auto& r : results) {
                if (r.value("status", 0) != sup::fault::kSuccess) continue;
                json i = find(all, r);
                if (i.is_null()) continue;
                std::string state = i["statename"];
                if (state == transient) {
                    pending = true;
                } else if (transient == "STARTING" && state != "RUNNING") {
                    r["status"] = sup::fault::kAbnormalTermination;
                }
            }
            if (!pending) return;
            if (Clock::now() > deadline) throw std::runtime_error("timed out waiting for state");
            std::this_thread::sleep_for(kPollInterval);
        }
    }

    void start_stop(const std::vector<std::string>& names, bool start) {
        const char* verb = start ? "started" : "stopped";
        if (names.empty()) {
            std::cout << (start ? "Error: start requires a process name"
                                : "Error: stop requires a process name")
                      << "\n";
            exit_code = start ? ctl::kExitInvalidArgs : ctl::kExitGeneric;
            return;
        }
        json reply = conn.call({{"cmd", start ? "start" : "stop"}, {"names", names}});
        json results = reply["results"];
        int longest = 0;
        for (const auto& i : infos())
            longest = std::max(longest, i.value(start ? "startsecs" : "stopwaitsecs", 0));
        wait_for(results, start ? "STARTING" : "STOPPING", start ? longest : 2 * longest);
        int ignored = start ? sup::fault::kAlreadyStarted : sup::fault::kNotRunning;
        for (const auto& r : results) {
            std::cout << ctl::result_line(r, verb) << "\n";
            int code = ctl::exit_code_for_fault(r.value("status", 0), ignored);
            if (r.value("no_such_group", false)) code = start ? ctl::kExitInvalidArgs : 1;
            if (code != 0) exit_code = code;
        }
    }

    void status(const std::vector<std::string>& names) {
        ctl::Selection sel = ctl::select(infos(), names);
        for (const auto& e : sel.errors) std::cout << e << "\n";
        if (!sel.errors.empty()) exit_code = ctl::kExitStatusUnknown;
        for (const auto& line : ctl::status_lines(sel.infos)) std::cout << line << "\n";
        for (const auto& i : sel.infos) {
            std::string s = i["statename"];
            if (s == "STOPPED" || s == "EXITED" || s == "FATAL" || s == "UNKNOWN")
                exit_code = ctl::kExitStatusNotRunning;
        }
    }

    void pid(const std::vector<std::string>& names) {
        json reply = conn.call({{"cmd", "status"}});
        if (names.empty()) {
            std::cout << reply["pid"].get<int>() << "\n";
            return;
        }
        for (const auto& n : names) {
            ctl::Selection sel = ctl::select(reply["processes"], {n});
            if (n == "all" || (sel.errors.empty() && sel.infos.size() == 1)) {
                for (const auto& i : sel.infos) {
                    std::cout << i["pid"].get<int>() << "\n";
                    if (n != "all" && i["pid"].get<int>() == 0) exit_code = ctl::kExitNotRunning;
                }
            } else {
                std::cout << "No such process " << n << "\n";
                exit_code = ctl::kExitGeneric;
            }
        }
    }

    void tail(std::vector<std::string> args) {
        bool follow = false;
        long long length = 1600;
        std::vector<std::string> rest;
        for (const auto& a : args) {
            if (a == "-f") {
                follow = true;
            } else if (a.size() > 1 && a[0] == '-' &&
                       std::isdigit(static_cast<unsigned char>(a[1]))) {
                length = std::stoll(a.substr(1));
            } else {
                rest.push_back(a);
            }
        }
        if (rest.empty() || rest.size() > 2) {
            std::cout << (rest.empty() ? "Error: tail requires process name"
                                       : "Error: too many arguments")
                      << "\n";
            exit_code = ctl::kExitGeneric;
            return;
        }
        std::string channel = rest.size() == 2 ? rest[1] : "stdout";
        if (channel != "stdout" && channel != "stderr") {
            std::cout << "Error: bad channel '" << channel << "'\n";
            exit_code = ctl::kExitGeneric;
            return;
        }
        json req{{"cmd", "tail"}, {"name", rest[0]}, {"channel", channel}, {"length", length}};
        json reply = conn.call(req);
        int st = reply.value("status", 0);
        if (st != sup::fault::kSuccess) {
            std::cout << rest[0] << ": ERROR ("
                      << (st == sup::fault::kBadName ? "no such process name" : "no log file")
                      << ")\n";
            exit_code = ctl::kExitGeneric;
            return;
        }
        if (!follow) {
            std::cout << reply["data"].get<std::string>() << "\n";
            return;
        }
        std::cout << "==> Press Ctrl-C to exit <==\n"
                  << reply["data"].get<std::string>() << std::flush;
        while (true) {  // until interrupted or supervisord goes away, like supervisorctl tail -f
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            req["offset"] = reply["offset"];
            req["length"] = 1 << 20;
            reply = conn.call(req);
            if (reply.value("status", 0) != sup::fault::kSuccess) return;
            std::cout << reply["data"].get<std::string>() << std::flush;
        }
    }

    json reread_changes() {
        json r = conn.call({{"cmd", "reread"}});
        if (r.value("status", 0) != sup::fault::kSuccess) {
            std::string msg;
            for (const auto& e : r["errors"])
                msg += (msg.empty() ? "" : "; ") + e.get<std::string>();
            throw std::runtime_error("CANT_REREAD: " + msg);
        }
        return r;
    }

    void reread() {
        json r = reread_changes();
        for (const auto& n : r["removed"]) std::cout << n.get<std::string>() << ": disappeared\n";
        for (const auto& n : r["changed"]) std::cout << n.get<std::string>() << ": changed\n";
        for (const auto& n : r["added"]) std::cout << n.get<std::string>() << ": available\n";
        if (r["removed"].empty() && r["changed"].empty() && r["added"].empty())
            std::cout << "No config updates to processes\n";
    }

    void stop_group_quietly(const std::string& g) {
        json results = conn.call({{"cmd", "stop"}, {"names", {g + ":*"}}})["results"];
        wait_for(results, "STOPPING", 120);
        std::cout << g << ": stopped\n";
    }

    void update() {
        json r = reread_changes();
        for (const auto& n : r["removed"]) {
            std::string g = n;
            stop_group_quietly(g);
            conn.call({{"cmd", "remove_group"}, {"name", g}});
            std::cout << g << ": removed process group\n";
        }
        for (const auto& n : r["changed"]) {
            std::string g = n;
            stop_group_quietly(g);
            conn.call({{"cmd", "remove_group"}, {"name", g}});
            conn.call({{"cmd", "add_group"}, {"name", g}});
            std::cout << g << ": updated process group\n";
        }
        for (const auto& n : r["added"]) {
            conn.call({{"cmd", "add_group"}, {"name", n}});
            std::cout << n.get<std::string>() << ": added process group\n";
        }
    }
};

constexpr const char* kUsage =
    "usage: lampi-supervisorctl [-c FILE] [-s unix:///PATH] COMMAND [ARGS]\n"
    "commands: status [NAME...], start|stop|restart NAME|GROUP:*|all, pid [NAME|all],\n"
    "          tail [-f] [-BYTES] NAME [stdout|stderr], reread, update, shutdown\n";

}  // namespace

int main(int argc, char** argv) {
    std::string path = "/etc/supervisor/supervisord.conf";
    std::string url;
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (args.empty() && (a == "-c" || a == "--configuration") && i + 1 < argc) {
            path = argv[++i];
        } else if (args.empty() && (a == "-s" || a == "--serverurl") && i + 1 < argc) {
            url = argv[++i];
        } else if (args.empty() && (a == "-h" || a == "--help")) {
            std::cout << kUsage;
            return 0;
        } else {
            args.push_back(a);
        }
    }
    if (args.empty()) {
        std::cerr << kUsage;
        return ctl::kExitInvalidArgs;
    }
    if (url.empty()) {
        sup::ConfigResult loaded = sup::load_config(path, sup::default_load_options());
        if (!loaded.errors.empty()) {
            for (const auto& e : loaded.errors) std::cerr << "Error: " << e << "\n";
            return ctl::kExitInvalidArgs;
        }
        url = loaded.config.serverurl;
        if (url.empty() || url == "AUTO") url = "unix://" + loaded.config.socket_file;
    }
    if (url.rfind("unix://", 0) != 0) {
        std::cerr << "Error: only unix:// server URLs are supported\n";
        return ctl::kExitInvalidArgs;
    }
    std::string cmd = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    Connection conn;
    int connect_code = 0;
    std::string err = conn.connect_to(url.substr(7), connect_code);
    if (!err.empty()) {
        std::cout << err << "\n";
        return cmd == "status" ? ctl::kExitStatusUnknown : connect_code;
    }
    Ctl c{conn};
    try {
        if (cmd == "status")
            c.status(rest);
        else if (cmd == "start")
            c.start_stop(rest, true);
        else if (cmd == "stop")
            c.start_stop(rest, false);
        else if (cmd == "restart") {
            c.start_stop(rest, false);
            c.start_stop(rest, true);
        } else if (cmd == "pid")
            c.pid(rest);
        else if (cmd == "tail")
            c.tail(rest);
        else if (cmd == "reread")
            c.reread();
        else if (cmd == "update")
            c.update();
        else if (cmd == "shutdown") {
            conn.call({{"cmd", "shutdown"}});
            std::cout << "Shut down\n";
        } else {
            std::cout << "*** Unknown syntax: " << cmd << "\n";
            return ctl::kExitGeneric;
        }
    } catch (const std::exception& e) {
        std::cout << "ERROR: " << e.what() << "\n";
        return ctl::kExitGeneric;
    }
    return c.exit_code;
}
