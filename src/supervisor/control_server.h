// The control socket of lampi-supervisord: a unix stream socket speaking one JSON object per
// line each way (see docs/supervisor.md). This class only does the socket I/O for a poll loop:
// accept, split lines, queue replies without blocking. Single-threaded; owns its descriptors.
#pragma once

#include <poll.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lampi::supervisor {

class ControlServer {
  public:
    using Handler = std::function<std::string(const std::string& request_line)>;

    ControlServer() = default;
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Binds `path` (mode 0700 directory not required; the file is chmod 0700). Refuses when
    // another server answers on it; removes a stale socket file. Returns an error or "".
    std::string listen(const std::string& path);
    void close_all();

    // Appends the descriptors to watch; then handle() with the poll results.
    void add_poll_fds(std::vector<pollfd>& fds) const;
    void handle(const std::vector<pollfd>& fds, const Handler& handler);

  private:
    struct Client {
        int fd = -1;
        std::string in;
        std::string out;
        bool closing = false;
    };
    void accept_clients();
    bool read_client(Client& c, const Handler& handler);  // false: drop the client
    bool write_client(Client& c);

    std::string path_;
    int listen_fd_ = -1;
    std::vector<Client> clients_;
};

}  // namespace lampi::supervisor
