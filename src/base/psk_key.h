// TLS-PSK keys as Mosquitto writes them: hexadecimal text (`--psk`, `bridge_psk`, the lines of a
// `psk_file`). Shared by the client side (transport.cpp) and the broker's PSK listeners.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lampi {

// The key bytes of a hex PSK, exactly as Mosquitto's mosquitto__hex2bin makes them, so a key
// works the same against Mosquitto and lampi on either side: each "00" pair at the start is a
// zero byte, and the rest is read as one big number in its shortest big-endian form
// (BN_hex2bn + BN_bn2bin). So "abc" is 0a bc, "00abc" is 00 0a bc, "0" is no bytes at all.
// nullopt when `hex` is empty or not hexadecimal; an empty key (which the TLS handshake
// refuses, as with Mosquitto) when it decodes to no bytes.
std::optional<std::string> psk_from_hex(std::string_view hex);

// True when `hex` is a non-empty string of hexadecimal digits (what Mosquitto accepts).
bool is_hex_key(std::string_view hex);

}  // namespace lampi
