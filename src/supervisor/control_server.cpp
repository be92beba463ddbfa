#include "supervisor/control_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lampi::supervisor {
namespace {

constexpr size_t kMaxRequest = 1 << 20;

bool fill_address(const std::string& path, sockaddr_un& addr) {
    std::memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path.data(), path.size());
    return true;
}

}  // namespace

ControlServer::~ControlServer() { close_all(); }

std::string ControlServer::listen(const std::string& path) {
    sockaddr_un addr{};
    if (!fill_address(path, addr)) return "socket path too long: " + path;
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe >= 0) {
        bool taken = connect(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
        ::close(probe);
        if (taken) return "Another program is already listening on " + path;
    }
    ::unlink(path.c_str());
    listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (listen_fd_ < 0) return std::string("socket: ") + std::strerror(errno);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0) {
        std::string err = "cannot listen on " + path + ": " + std::strerror(errno);
        ::close(listen_fd_);
        listen_fd_ = -1;
        return err;
    }
    chmod(path.c_str(), 0700);
    path_ = path;
    return "";
}

void ControlServer::close_all() {
    for (auto& c : clients_) ::close(c.fd);
    clients_.clear();
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
        ::unlink(path_.c_str());
    }
    listen_fd_ = -1;
}

void ControlServer::add_poll_fds(std::vector<pollfd>& fds) const {
    if (listen_fd_ >= 0) fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& c : clients_) {
        short events = c.closing ? 0 : POLLIN;
        if (!c.out.empty()) events |= POLLOUT;
        fds.push_back({c.fd, events, 0});
    }
}

void ControlServer::accept_clients() {
    while (true) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) return;
        clients_.push_back(Client{fd, {}, {}, false});
    }
}

bool ControlServer::read_client(Client& c, const Handler& handler) {
    char buf[4096];
    while (true) {
        ssize_t n = ::read(c.fd, buf, sizeof buf);
        if (n == 0) {
            c.closing = true;
            break;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            return false;
        }
        c.in.append(buf, static_cast<size_t>(n));
        if (c.in.size() > kMaxRequest) return false;
    }
    size_t nl;
    while ((nl = c.in.find('\n')) != std::string::npos) {
        std::string line = c.in.substr(0, nl);
        c.in.erase(0, nl + 1);
        c.out += handler(line);
        c.out += '\n';
    }
    return !(c.closing && c.out.empty());
}

bool ControlServer::write_client(Client& c) {
    while (!c.out.empty()) {
        ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EINTR;
        c.out.erase(0, static_cast<size_t>(n));
    }
    return !c.closing;
}

void ControlServer::handle(const std::vector<pollfd>& fds, const Handler& handler) {
    std::vector<int> drop;
    bool accept_ready = false;
    for (const auto& p : fds) {
        if (p.revents == 0) continue;
        if (p.fd == listen_fd_) {
            accept_ready = true;
            continue;
        }
        auto it = std::find_if(clients_.begin(), clients_.end(),
                               [&](const Client& c) { return c.fd == p.fd; });
        if (it == clients_.end()) continue;
        bool keep = true;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) keep = read_client(*it, handler);
        if (keep && !it->out.empty()) keep = write_client(*it);
        if (!keep) drop.push_back(it->fd);
    }
    for (int fd : drop) {
        auto it = std::find_if(clients_.begin(), clients_.end(),
                               [&](const Client& c) { return c.fd == fd; });
        ::close(fd);
        clients_.erase(it);
    }
    if (accept_ready) accept_clients();
}

}  // namespace lampi::supervisor
