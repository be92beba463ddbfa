// SOCKS5 client messages (RFC 1928, username/password auth RFC 1929) as plain bytes, no I/O:
// transport.cpp writes them and feeds the proxy's replies back here. Stateless functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace lampi::client::socks5 {

// The method-selection message: "no authentication", plus "username/password" when offered.
std::string greeting(bool offer_password);

// Checks the server's 2-byte method choice. Returns the chosen method (0 none, 2 password),
// or nullopt with `error` set.
std::optional<std::uint8_t> check_method_reply(std::span<const std::uint8_t> reply,
                                               bool offered_password, std::string& error);

// RFC 1929 sub-negotiation. Empty string (with `error` set) when a field exceeds 255 bytes.
std::string password_request(const std::string& username, const std::string& password,
                             std::string& error);
bool check_password_reply(std::span<const std::uint8_t> reply, std::string& error);

// CONNECT to host:port: an IPv4/IPv6 literal is sent as an address, anything else as a domain
// name for the proxy to resolve. Empty string (with `error` set) if the name is too long.
std::string connect_request(const std::string& host, std::uint16_t port, std::string& error);

// The reply to CONNECT has a variable length. Given its first 5 bytes, returns its total
// length, or nullopt with `error` set (refused, bad version, unknown address type).
std::optional<std::size_t> connect_reply_length(std::span<const std::uint8_t> head,
                                                std::string& error);

}  // namespace lampi::client::socks5
