#include "lamp/service_config.h"

#include <ini.h>

#include <charconv>
#include <functional>
#include <map>
#include <vector>

namespace lampi::lamp {

namespace {

// Each option is one row: a setter that returns an error message (empty: accepted).
using Setter = std::function<std::string(ServiceConfig&, const std::string&)>;

template <class Int>
std::string to_int(const std::string& v, Int& out, long long lo, long long hi) {
    long long n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || end != v.data() + v.size() || n < lo || n > hi) {
        return "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    }
    out = static_cast<Int>(n);
    return {};
}

std::string to_bool(const std::string& v, bool& out) {
    if (v == "true" || v == "yes" || v == "on" || v == "1") {
        out = true;
    } else if (v == "false" || v == "no" || v == "off" || v == "0") {
        out = false;
    } else {
        return "expected true or false";
    }
    return {};
}

std::string to_double(const std::string& v, double& out, double lo, double hi) {
    try {
        std::size_t used = 0;
        const double d = std::stod(v, &used);
        if (used == v.size() && d >= lo && d <= hi) {
            out = d;
            return {};
        }
    } catch (const std::exception&) {
    }
    return "expected a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
}

// Row builders: `field` maps the config to the value the option sets.
template <class Field>
Setter text(Field field) {
    return [field](ServiceConfig& c, const std::string& v) {
        field(c) = v;
        return std::string();
    };
}

template <class Field>
Setter integer(Field field, long long lo, long long hi) {
    return [field, lo, hi](ServiceConfig& c, const std::string& v) {
        return to_int(v, field(c), lo, hi);
    };
}

template <class Field>
Setter boolean(Field field) {
    return [field](ServiceConfig& c, const std::string& v) { return to_bool(v, field(c)); };
}

template <class Field>
Setter choice(Field field, std::vector<std::string> allowed) {
    return [field, allowed](ServiceConfig& c, const std::string& v) {
        std::string list;
        for (const auto& a : allowed) {
            if (a == v) {
                field(c) = v;
                return std::string();
            }
            list += (list.empty() ? "" : ", ") + a;
        }
        return "expected one of " + list;
    };
}

const std::map<std::string, Setter>& option_table() {
    using C = ServiceConfig;
    static const std::map<std::string, Setter> table = {
        {"broker.host", text([](C & c) -> auto& { return c.broker.host; })},
        {"broker.port", integer(
                            [](C & c) -> auto& { return c.broker.port; }, 1, 65535)},
        {"broker.username", text([](C & c) -> auto& { return c.broker.username; })},
        {"broker.password", text([](C & c) -> auto& { return c.broker.password; })},
        {"broker.client_id",
         [](C& c, const std::string& v) {
             if (v.empty()) return std::string("must not be empty");
             c.broker.client_id = v;
             return std::string();
         }},
        {"broker.keepalive", integer(
                                 [](C & c) -> auto& { return c.broker.keepalive; }, 0, 65535)},
        {"broker.tls", boolean([](C & c) -> auto& { return c.broker.tls; })},
        {"broker.cafile", text([](C & c) -> auto& { return c.broker.cafile; })},
        {"broker.capath", text([](C & c) -> auto& { return c.broker.capath; })},
        {"broker.certfile", text([](C & c) -> auto& { return c.broker.certfile; })},
        {"broker.keyfile", text([](C & c) -> auto& { return c.broker.keyfile; })},
        {"broker.tls_version", choice([](C & c) -> auto& { return c.broker.tls_version; },
                                      {"tlsv1.3", "tlsv1.2", "tlsv1.1"})},
        {"broker.tls_insecure", boolean([](C & c) -> auto& { return c.broker.tls_insecure; })},
        {"lamp.topic_root",
         [](C& c, const std::string& v) {
             c.topic_root = normalize_topic_root(v);
             return std::string();
         }},
        {"lamp.device_id", text([](C & c) -> auto& { return c.device_id; })},
        {"lamp.state_file", text([](C & c) -> auto& { return c.state_file; })},
        {"lamp.gamma", [](C& c, const std::string& v) { return to_double(v, c.gamma, 0.1, 5.0); }},
        {"hardware.backend", choice([](C & c) -> auto& { return c.hardware.backend; },
                                    {"sim", "sysfs-pwm", "pigpiod"})},
        {"hardware.sysfs_root", text([](C & c) -> auto& { return c.hardware.sysfs_root; })},
        {"hardware.pwm_chip", integer(
                                  [](C & c) -> auto& { return c.hardware.chip; }, 0, 1023)},
        {"hardware.red_channel",
         integer(
             [](C & c) -> auto& { return c.hardware.channels[0]; }, 0, 1023)},
        {"hardware.green_channel",
         integer(
             [](C & c) -> auto& { return c.hardware.channels[1]; }, 0, 1023)},
        {"hardware.blue_channel",
         integer(
             [](C & c) -> auto& { return c.hardware.channels[2]; }, 0, 1023)},
        {"hardware.period_ns",
         integer(
             [](C & c) -> auto& { return c.hardware.period_ns; }, 1000, 1000000000)},
        {"hardware.pigpiod_host", text([](C & c) -> auto& { return c.hardware.pigpiod_host; })},
        {"hardware.pigpiod_port",
         integer(
             [](C & c) -> auto& { return c.hardware.pigpiod_port; }, 1, 65535)},
        {"hardware.red_pin", integer(
                                 [](C & c) -> auto& { return c.hardware.pins[0]; }, 0, 53)},
        {"hardware.green_pin", integer(
                                   [](C & c) -> auto& { return c.hardware.pins[1]; }, 0, 53)},
        {"hardware.blue_pin", integer(
                                  [](C & c) -> auto& { return c.hardware.pins[2]; }, 0, 53)},
    };
    return table;
}

struct ParseContext {
    ServiceConfig* config;
    const std::string* filename;
    std::vector<std::string>* errors;
};

int on_value(void* user, const char* section, const char* name, const char* value) {
    auto* ctx = static_cast<ParseContext*>(user);
    const std::string key = std::string(section) + "." + name;
    const std::string where = *ctx->filename + ": [" + section + "] " + name + ": ";
    const auto& table = option_table();
    auto it = table.find(key);
    if (it == table.end()) {
        ctx->errors->push_back(where + "unknown option");
    } else if (std::string e = it->second(*ctx->config, value); !e.empty()) {
        ctx->errors->push_back(where + e + " (got '" + value + "')");
    }
    return 1;  // keep going: report every problem
}

}  // namespace

std::string normalize_topic_root(std::string root) {
    if (!root.empty() && root.back() != '/') root += '/';
    return root;
}

void parse_service_config(std::string_view text, const std::string& filename, ServiceConfig& config,
                          std::vector<std::string>& errors) {
    ParseContext ctx{&config, &filename, &errors};
    const std::string copy(text);  // ini_parse_string wants a NUL-terminated string
    const int rc = ini_parse_string(copy.c_str(), on_value, &ctx);
    if (rc > 0) errors.push_back(filename + ":" + std::to_string(rc) + ": syntax error");
}

}  // namespace lampi::lamp
