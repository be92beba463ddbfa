#include "lamp/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace lampi::lamp {

namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

bool write_all(int fd, const std::string& content) {
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

}  // namespace

std::string write_file_atomically(const std::string& path, const std::string& content) {
    const std::filesystem::path target(path);
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return errno_text(tmp);
    if (!write_all(fd, content) || ::fsync(fd) != 0) {
        std::string e = errno_text(tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return e;
    }
    if (::close(fd) != 0) {
        std::string e = errno_text(tmp);
        ::unlink(tmp.c_str());
        return e;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string e = errno_text(path);
        ::unlink(tmp.c_str());
        return e;
    }
    // Make the rename itself durable.
    std::string dir = target.parent_path().string();
    if (dir.empty()) dir = ".";
    if (const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return {};
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream out;
    out << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return out.str();
}

std::string state_file_json(const LampState& state, const Rgb& duty, const std::string& backend,
                            const std::string& device_id) {
    nlohmann::json j = nlohmann::json::parse(to_json(state));
    j["output"] = {{"backend", backend},
                   {"red", round3(duty.red)},
                   {"green", round3(duty.green)},
                   {"blue", round3(duty.blue)}};
    j["device_id"] = device_id;
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<LampState> load_state_file(const std::string& path, std::string& why) {
    auto text = read_file(path);
    if (!text) {
        why = path + ": " + std::strerror(errno);
        return std::nullopt;
    }
    auto parsed = state_from_json(*text);
    if (auto* r = std::get_if<Rejection>(&parsed)) {
        why = path + ": " + r->reason;
        return std::nullopt;
    }
    return std::get<LampState>(parsed);
}

}  // namespace lampi::lamp
