// The lamp's device id: the first Ethernet MAC address without colons (the course's eth0 MAC,
// e.g. "b827eb08451e"), read from /sys/class/net. Reads the file system; no state.
#pragma once

#include <string>
#include <string_view>

namespace lampi::lamp {

// "B8:27:EB:08:45:1E" -> "b827eb08451e"; "" for an all-zero or malformed address.
std::string mac_to_device_id(std::string_view address);

// Scans <net_root>/*/address, skipping lo and all-zero addresses; eth* first, then en*, then
// the rest, each in name order. "" if none.
std::string find_device_id(const std::string& net_root = "/sys/class/net");

}  // namespace lampi::lamp
