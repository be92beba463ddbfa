// TLS-PSK keys on the client side (Mosquitto's `--psk` and a bridge's `bridge_psk`); the
// handshake side is in transport.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lampi::client {

// The key bytes of a hex PSK, read as Mosquitto does (an odd length has a leading 0 nibble);
// nullopt when it is empty or not hexadecimal.
std::optional<std::string> psk_from_hex(std::string_view hex);

}  // namespace lampi::client
