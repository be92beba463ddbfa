#include "lamp/device_id.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <vector>

namespace lampi::lamp {

std::string mac_to_device_id(std::string_view address) {
    std::string id;
    bool nonzero = false;
    for (char c : address) {
        if (c == ':' || c == '\n' || c == ' ') continue;
        if (!std::isxdigit(static_cast<unsigned char>(c))) return {};
        const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower != '0') nonzero = true;
        id += lower;
    }
    if (id.size() != 12 || !nonzero) return {};
    return id;
}

std::string find_device_id(const std::string& net_root) {
    namespace fs = std::filesystem;
    std::vector<std::tuple<int, std::string>> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(net_root, ec)) {
        const std::string name = entry.path().filename().string();
        if (name == "lo") continue;
        const int rank = name.starts_with("eth") ? 0 : name.starts_with("en") ? 1 : 2;
        names.emplace_back(rank, name);
    }
    std::sort(names.begin(), names.end());
    for (const auto& [rank, name] : names) {
        std::ifstream in(net_root + "/" + name + "/address");
        std::string address;
        if (!std::getline(in, address)) continue;
        if (std::string id = mac_to_device_id(address); !id.empty()) return id;
    }
    return {};
}

}  // namespace lampi::lamp
