#include "client/socks5.h"

#include <arpa/inet.h>

#include <array>

namespace lampi::client::socks5 {

namespace {

constexpr std::uint8_t kVersion = 5;
constexpr std::uint8_t kNoAuth = 0;
constexpr std::uint8_t kPassword = 2;
constexpr std::uint8_t kNoAcceptableMethod = 0xFF;
constexpr std::uint8_t kCommandConnect = 1;
constexpr std::uint8_t kAddressIpv4 = 1;
constexpr std::uint8_t kAddressDomain = 3;
constexpr std::uint8_t kAddressIpv6 = 4;

// RFC 1928 section 6.
const char* reply_text(std::uint8_t code) {
    switch (code) {
        case 1:
            return "general SOCKS server failure";
        case 2:
            return "connection not allowed by ruleset";
        case 3:
            return "network unreachable";
        case 4:
            return "host unreachable";
        case 5:
            return "connection refused";
        case 6:
            return "TTL expired";
        case 7:
            return "command not supported";
        case 8:
            return "address type not supported";
        default:
            return "unknown error";
    }
}

void put_port(std::string& out, std::uint16_t port) {
    out += static_cast<char>(port >> 8);
    out += static_cast<char>(port & 0xFF);
}

}  // namespace

std::string greeting(bool offer_password) {
    std::string out{static_cast<char>(kVersion)};
    if (offer_password) {
        out += {2, static_cast<char>(kNoAuth), static_cast<char>(kPassword)};
    } else {
        out += {1, static_cast<char>(kNoAuth)};
    }
    return out;
}

std::optional<std::uint8_t> check_method_reply(std::span<const std::uint8_t> reply,
                                               bool offered_password, std::string& error) {
    if (reply.size() != 2 || reply[0] != kVersion) {
        error = "Proxy error: not a SOCKS5 proxy";
        return std::nullopt;
    }
    if (reply[1] == kNoAuth || (reply[1] == kPassword && offered_password)) return reply[1];
    error = reply[1] == kNoAcceptableMethod ? "Proxy error: no acceptable authentication method"
                                            : "Proxy error: unexpected authentication method";
    return std::nullopt;
}

std::string password_request(const std::string& username, const std::string& password,
                             std::string& error) {
    if (username.size() > 255 || password.size() > 255) {
        error = "Proxy error: username or password longer than 255 bytes";
        return {};
    }
    std::string out{1, static_cast<char>(username.size())};
    out += username;
    out += static_cast<char>(password.size());
    out += password;
    return out;
}

bool check_password_reply(std::span<const std::uint8_t> reply, std::string& error) {
    if (reply.size() == 2 && reply[1] == 0) return true;
    error = "Proxy error: authentication failed";
    return false;
}

std::string connect_request(const std::string& host, std::uint16_t port, std::string& error) {
    std::string out{static_cast<char>(kVersion), static_cast<char>(kCommandConnect), 0};
    std::array<unsigned char, 16> addr{};
    if (inet_pton(AF_INET, host.c_str(), addr.data()) == 1) {
        out += static_cast<char>(kAddressIpv4);
        out.append(reinterpret_cast<const char*>(addr.data()), 4);
    } else if (inet_pton(AF_INET6, host.c_str(), addr.data()) == 1) {
        out += static_cast<char>(kAddressIpv6);
        out.append(reinterpret_cast<const char*>(addr.data()), 16);
    } else {
        if (host.empty() || host.size() > 255) {
            error = "Proxy error: invalid host name";
            return {};
        }
        out += static_cast<char>(kAddressDomain);
        out += static_cast<char>(host.size());
        out += host;
    }
    put_port(out, port);
    return out;
}

std::optional<std::size_t> connect_reply_length(std::span<const std::uint8_t> head,
                                                std::string& error) {
    if (head.size() < 5 || head[0] != kVersion) {
        error = "Proxy error: not a SOCKS5 proxy";
        return std::nullopt;
    }
    if (head[1] != 0) {
        error = std::string("Proxy error: ") + reply_text(head[1]);
        return std::nullopt;
    }
    switch (head[3]) {
        case kAddressIpv4:
            return 4 + 4 + 2;
        case kAddressIpv6:
            return 4 + 16 + 2;
        case kAddressDomain:
            return 4 + 1 + std::size_t{head[4]} + 2;
        default:
            error = "Proxy error: bad address type in reply";
            return std::nullopt;
    }
}

}  // namespace lampi::client::socks5
