#include "bench/summary.h"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

namespace lampi::bench {

const Summary::Value* Summary::find(const std::string& key) const {
    for (const auto& [k, v] : fields_) {
        if (k == key) return &v;
    }
    return nullptr;
}

std::string Summary::text() const {
    std::string out;
    for (const auto& [key, value] : fields_) {
        if (!out.empty()) out += ' ';
        out += key;
        out += '=';
        if (const auto* i = std::get_if<std::int64_t>(&value)) {
            out += std::to_string(*i);
        } else if (const auto* d = std::get_if<double>(&value)) {
            out += std::abs(*d) >= 1000 ? fmt::format("{:.0f}", *d) : fmt::format("{:.3f}", *d);
        } else if (const auto* s = std::get_if<std::string>(&value)) {
            std::string v = s->empty() ? "-" : *s;
            for (char& c : v) {
                if (c == ' ' || c == '\t' || c == '\n') c = '_';
            }
            out += v;
        } else {
            out += std::get<bool>(value) ? '1' : '0';
        }
    }
    return out;
}

std::string Summary::json() const {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& [key, value] : fields_) {
        std::visit([&j, &k = key](const auto& v) { j[k] = v; }, value);
    }
    return j.dump();
}

}  // namespace lampi::bench
