// libFuzzer target: lampi-supervisord's config reader (ini parser, expansions, value parsers)
// from an arbitrary string. Includes are read from an empty in-memory file system, so the
// fuzzer never touches real files. Seed with any supervisord.conf.
#include <cstddef>
#include <cstdint>
#include <string>

#include "supervisor/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace lampi::supervisor;
    static const LoadOptions options = [] {
        LoadOptions o;
        o.read_file = [](const std::string&) { return std::optional<std::string>{}; };
        o.glob = [](const std::string& pattern) { return std::vector<std::string>{pattern}; };
        o.env = {{"HOME", "/home/pi"}, {"USER", "pi"}};
        o.host_node_name = "lamp";
        return o;
    }();
    std::string text(reinterpret_cast<const char*>(data), size);
    ConfigResult r = parse_config(text, "/fuzz/supervisord.conf", options);
    // Invariants: every error is located in a file; a valid config has named, grouped processes.
    for (const auto& e : r.errors)
        if (e.rfind("/fuzz/", 0) != 0) __builtin_trap();
    if (!r.errors.empty()) return 0;
    for (const auto& g : r.config.groups)
        for (const auto& p : g.processes)
            if (p.name.empty() || p.group != g.name) __builtin_trap();
    return 0;
}
