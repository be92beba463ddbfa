#include "lamp/pigpiod_backend.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lampi::lamp::pigpio {

namespace {

void put_u32(std::uint8_t* out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t get_u32(const std::uint8_t* in) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | in[i];
    return v;
}

}  // namespace

Frame encode(std::uint32_t cmd, std::uint32_t p1, std::uint32_t p2, std::uint32_t p3) {
    Frame f{};
    put_u32(&f[0], cmd);
    put_u32(&f[4], p1);
    put_u32(&f[8], p2);
    put_u32(&f[12], p3);
    return f;
}

Response decode(const Frame& frame) {
    return {get_u32(&frame[0]), static_cast<std::int32_t>(get_u32(&frame[12]))};
}

}  // namespace lampi::lamp::pigpio

namespace lampi::lamp {

namespace {

constexpr int kTimeoutSeconds = 2;

bool io_all(int fd, std::uint8_t* data, std::size_t size, bool sending) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = sending ? ::send(fd, data + done, size - done, MSG_NOSIGNAL)
                                  : ::recv(fd, data + done, size - done, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

PigpiodBackend::~PigpiodBackend() { close_socket(); }

void PigpiodBackend::close_socket() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    modes_set_ = false;
}

std::string PigpiodBackend::connect_socket() {
    const std::string where =
        "pigpiod " + options_.pigpiod_host + ":" + std::to_string(options_.pigpiod_port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(options_.pigpiod_port);
    if (int rc = ::getaddrinfo(options_.pigpiod_host.c_str(), port.c_str(), &hints, &found);
        rc != 0) {
        return where + ": " + ::gai_strerror(rc);
    }
    std::string error = where + ": no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) continue;
        // SO_SNDTIMEO also bounds connect() on Linux.
        timeval tv{kTimeoutSeconds, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
            fd_ = fd;
            error.clear();
            break;
        }
        error = where + ": " + std::strerror(errno);
        ::close(fd);
    }
    ::freeaddrinfo(found);
    return error;
}

std::string PigpiodBackend::command(std::uint32_t cmd, std::uint32_t p1, std::uint32_t p2) {
    pigpio::Frame frame = pigpio::encode(cmd, p1, p2);
    if (!io_all(fd_, frame.data(), frame.size(), true) ||
        !io_all(fd_, frame.data(), frame.size(), false)) {
        close_socket();
        return "pigpiod: connection lost";
    }
    const pigpio::Response r = pigpio::decode(frame);
    if (r.cmd != cmd) {
        close_socket();
        return "pigpiod: answer out of step (cmd " + std::to_string(r.cmd) + ")";
    }
    if (r.result < 0) {
        return "pigpiod: command " + std::to_string(cmd) + " on gpio " + std::to_string(p1) +
               " failed with " + std::to_string(r.result);
    }
    return {};
}

std::string PigpiodBackend::open() {
    if (fd_ < 0) {
        if (auto e = connect_socket(); !e.empty()) return e;
    }
    for (int pin : options_.pins) {
        if (auto e =
                command(pigpio::kCmdModes, static_cast<std::uint32_t>(pin), pigpio::kModeOutput);
            !e.empty()) {
            return e;
        }
    }
    modes_set_ = true;
    return {};
}

std::string PigpiodBackend::set(const Rgb& duty) {
    if (fd_ < 0 || !modes_set_) {
        if (auto e = open(); !e.empty()) return e;
    }
    const std::array<double, 3> values{duty.red, duty.green, duty.blue};
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (auto e = command(pigpio::kCmdPwm, static_cast<std::uint32_t>(options_.pins[i]),
                             scale_duty(values[i], pigpio::kDefaultRange));
            !e.empty()) {
            return e;
        }
    }
    return {};
}

}  // namespace lampi::lamp
