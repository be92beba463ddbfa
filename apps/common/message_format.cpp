#include "apps/common/message_format.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string_view>

namespace lampi::cli {

namespace {

bool known_code(char c) { return std::strchr("%ACDEFIlmPpqRSrtjJUxX", c) != nullptr; }

struct Now {
    std::tm tm{};
    long ns = 0;
};

Now get_time() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    Now n;
    localtime_r(&ts.tv_sec, &n.tm);
    n.ns = ts.tv_nsec;
    return n;
}

// Payload with optional width and hex, reproducing mosquitto_sub's arithmetic (a width shorter
// than the payload truncates it; hex halves the bytes shown; '-' pads by |padlen|).
void write_payload(std::string_view payload, int hex, char align, char pad, int field_width) {
    int len = static_cast<int>(payload.size());
    int padlen;
    if (field_width > 0) {
        if (len > field_width) len = field_width;
        if (hex > 0) {
            len /= 2;
            padlen = field_width - len * 2;
        } else {
            padlen = field_width - len;
        }
    } else {
        padlen = field_width - len;
    }
    if (align != '-') {
        for (int i = 0; i < padlen; ++i) std::putchar(pad);
    }
    const auto* p = reinterpret_cast<const unsigned char*>(payload.data());
    if (hex == 0) {
        std::fwrite(p, 1, static_cast<std::size_t>(len), stdout);
    } else {
        for (int i = 0; i < len; ++i) std::printf(hex == 1 ? "%02x" : "%02X", p[i]);
    }
    if (align == '-') std::printf("%*s", padlen, "");
}

void print_blank(char pad, int width) {
    for (int i = 0; i < width; ++i) std::putchar(pad);
}

void print_int(long long value, char align, char pad, int width) {
    if (width == 0) {
        std::printf("%lld", value);
    } else if (align == '-') {
        std::printf("%-*lld", width, value);
    } else if (pad == '0') {
        std::printf("%0*lld", width, value);
    } else {
        std::printf("%*lld", width, value);
    }
}

void print_str(const std::string& s, char align, int width, int precision) {
    const char* v = s.c_str();
    if (width == 0 && precision == -1) {
        std::fputs(v, stdout);
    } else if (precision == -1) {
        std::printf(align == '-' ? "%-*s" : "%*s", width, v);
    } else if (width == 0) {
        std::printf("%.*s", precision, v);
    } else {
        std::printf(align == '-' ? "%-*.*s" : "%*.*s", width, precision, v);
    }
}

// ---- JSON in cJSON's layout (cJSON_Print / cJSON_PrintUnformatted). ----

void json_string(std::string& out, std::string_view s) {
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 32) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

void json_number(std::string& out, double d) {
    char buf[32];
    if (std::isnan(d) || std::isinf(d)) {
        out += "null";
        return;
    }
    // cJSON keeps an int copy saturated to INT_MAX/INT_MIN and prints it when it is exact.
    const double clamped =
        d >= 2147483647.0 ? 2147483647.0 : (d <= -2147483648.0 ? -2147483648.0 : d);
    const int as_int = static_cast<int>(clamped);
    if (d == static_cast<double>(as_int)) {
        std::snprintf(buf, sizeof buf, "%d", as_int);
    } else {
        std::snprintf(buf, sizeof buf, "%1.15g", d);
        if (std::strtod(buf, nullptr) != d) std::snprintf(buf, sizeof buf, "%1.17g", d);
    }
    out += buf;
}

using Json = nlohmann::ordered_json;

void json_value(std::string& out, const Json& v, bool pretty, int depth);

void json_object_open(std::string& out, bool pretty) {
    out += '{';
    if (pretty) out += '\n';
}

void json_key(std::string& out, std::string_view key, bool pretty, int depth) {
    if (pretty) out.append(static_cast<std::size_t>(depth), '\t');
    json_string(out, key);
    out += ':';
    if (pretty) out += '\t';
}

void json_object_close(std::string& out, bool pretty, int depth) {
    if (pretty) out.append(static_cast<std::size_t>(depth - 1), '\t');
    out += '}';
}

void json_next(std::string& out, bool more, bool pretty) {
    if (more) out += ',';
    if (pretty) out += '\n';
}

void json_value(std::string& out, const Json& v, bool pretty, int depth) {
    switch (v.type()) {
        case Json::value_t::null:
            out += "null";
            break;
        case Json::value_t::boolean:
            out += v.get<bool>() ? "true" : "false";
            break;
        case Json::value_t::string:
            json_string(out, v.get_ref<const std::string&>());
            break;
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned:
        case Json::value_t::number_float:
            json_number(out, v.get<double>());
            break;
        case Json::value_t::array: {
            out += '[';
            std::size_t i = 0;
            for (const auto& e : v) {
                json_value(out, e, pretty, depth + 1);
                if (++i < v.size()) out += pretty ? ", " : ",";
            }
            out += ']';
            break;
        }
        case Json::value_t::object: {
            json_object_open(out, pretty);
            std::size_t i = 0;
            for (const auto& [k, e] : v.items()) {
                json_key(out, k, pretty, depth + 1);
                json_value(out, e, pretty, depth + 1);
                json_next(out, ++i < v.size(), pretty);
            }
            json_object_close(out, pretty, depth + 1);
            break;
        }
        default:
            out += "null";
            break;
    }
}

// The message as cJSON would print it. escaped: payload as a string (%j); else parsed (%J).
// Returns false when %J's payload is not JSON.
bool json_print(const mqtt::Publish& m, const Now& now, bool escaped, bool pretty) {
    char ts[100];
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S.000000Z%z", &now.tm);
    char us[32];
    std::snprintf(us, sizeof us, "%06ld", now.ns / 1000);
    std::memcpy(ts + std::strlen("2020-05-06T21:48:00."), us, 6);

    std::optional<Json> parsed;
    if (!escaped && !m.payload.empty()) {
        parsed = Json::parse(m.payload, nullptr, false);
        if (parsed->is_discarded()) return false;
    }
    std::string out;
    const int depth = 1;
    auto field = [&](std::string_view key, auto&& write_value, bool more = true) {
        json_key(out, key, pretty, depth);
        write_value();
        json_next(out, more, pretty);
    };
    auto num = [&](double d) { return [&out, d] { json_number(out, d); }; };
    json_object_open(out, pretty);
    field("tst", [&] { json_string(out, ts); });
    field("topic", [&] { json_string(out, m.topic); });
    field("qos", num(m.qos));
    field("retain", num(m.retain ? 1 : 0));
    field("payloadlen", num(static_cast<double>(m.payload.size())));
    if (m.qos > 0) field("mid", num(m.packet_id));
    const mqtt::Properties& p = m.properties;
    const bool has_props = p.payload_format_indicator || p.message_expiry_interval ||
                           p.content_type || p.response_topic || p.correlation_data ||
                           !p.subscription_identifiers.empty() || p.topic_alias ||
                           !p.user_properties.empty();
    if (has_props) {
        json_key(out, "properties", pretty, depth);
        json_object_open(out, pretty);
        std::vector<std::function<void(bool)>> items;
        const int d2 = depth + 1;
        auto prop = [&](std::string_view key, std::function<void()> value) {
            items.push_back([&out, key, value, pretty, d2](bool more) {
                json_key(out, key, pretty, d2);
                value();
                json_next(out, more, pretty);
            });
        };
        if (p.payload_format_indicator)
            prop("payload-format-indicator", num(*p.payload_format_indicator));
        if (p.message_expiry_interval)
            prop("message-expiry-interval", num(*p.message_expiry_interval));
        if (p.content_type) prop("content-type", [&] { json_string(out, *p.content_type); });
        if (p.response_topic) prop("response-topic", [&] { json_string(out, *p.response_topic); });
        if (p.correlation_data) {
            const std::string c = p.correlation_data->substr(0, p.correlation_data->find('\0'));
            prop("correlation-data", [&out, c] { json_string(out, c); });
        }
        for (std::uint32_t id : p.subscription_identifiers)
            prop("subscription-identifier", num(id));
        if (p.topic_alias) prop("topic-alias", num(*p.topic_alias));
        if (!p.user_properties.empty()) {
            prop("user-properties", [&] {
                json_object_open(out, pretty);
                std::size_t i = 0;
                for (const auto& [k, v] : p.user_properties) {
                    json_key(out, k, pretty, d2 + 1);
                    json_string(out, v);
                    json_next(out, ++i < p.user_properties.size(), pretty);
                }
                json_object_close(out, pretty, d2 + 1);
            });
        }
        for (std::size_t i = 0; i < items.size(); ++i) items[i](i + 1 < items.size());
        json_object_close(out, pretty, d2);
        json_next(out, true, pretty);
    }
    json_key(out, "payload", pretty, depth);
    if (m.payload.empty()) {
        out += "null";
    } else if (escaped) {
        json_string(out, std::string_view(m.payload).substr(0, m.payload.find('\0')));
    } else {
        json_value(out, *parsed, pretty, depth);
    }
    json_next(out, false, pretty);
    json_object_close(out, pretty, depth);
    std::fputs(out.c_str(), stdout);
    return true;
}

void print_percent(const Config& cfg, const mqtt::Publish& m, char code, char align, char pad,
                   int width, int precision) {
    const mqtt::Properties& p = m.properties;
    switch (code) {
        case '%':
            std::putchar('%');
            break;
        case 'A':
            if (p.topic_alias)
                print_int(*p.topic_alias, align, pad, width);
            else
                print_blank(pad, width);
            break;
        case 'C':
            if (p.content_type)
                print_str(*p.content_type, align, width, precision);
            else
                print_blank(' ', width);
            break;
        case 'D':
            if (p.correlation_data) {
                std::fwrite(p.correlation_data->data(), 1, p.correlation_data->size(), stdout);
            }
            break;
        case 'E':
            if (p.message_expiry_interval) {
                print_int(static_cast<int>(*p.message_expiry_interval), align, pad, width);
            } else {
                print_blank(pad, width);
            }
            break;
        case 'F':
            if (p.payload_format_indicator)
                print_int(*p.payload_format_indicator, align, pad, width);
            else
                print_blank(pad, width);
            break;
        case 'I': {
            const Now now = get_time();
            char buf[100];
            if (std::strftime(buf, sizeof buf, "%FT%T%z", &now.tm) != 0) {
                print_str(buf, align, width, precision);
            } else {
                print_blank(' ', width);
            }
            break;
        }
        case 'j':
        case 'J':
            if (!json_print(m, get_time(), code == 'j', cfg.pretty)) {
                err_printf(cfg, "Error: Message payload is not valid JSON on topic %s.\n",
                           m.topic.c_str());
            }
            break;
        case 'l':
            print_int(static_cast<long long>(m.payload.size()), align, pad, width);
            break;
        case 'm':
            print_int(m.packet_id, align, pad, width);
            break;
        case 'P': {
            std::size_t i = 0;
            for (const auto& [k, v] : p.user_properties) {
                if (i++ > 0) std::putchar(' ');
                std::printf("%s:%s", k.c_str(), v.c_str());
            }
            break;
        }
        case 'p':
            write_payload(m.payload, 0, align, pad, width);
            break;
        case 'q':
            std::putchar('0' + m.qos);
            break;
        case 'R':
            if (p.response_topic) print_str(*p.response_topic, align, width, precision);
            break;
        case 'r':
            std::putchar(m.retain ? '1' : '0');
            break;
        case 'S':
            if (!p.subscription_identifiers.empty()) {
                print_int(static_cast<int>(p.subscription_identifiers.front()), align, pad, width);
            } else {
                print_blank(pad, width);
            }
            break;
        case 't':
            print_str(m.topic, align, width, precision);
            break;
        case 'U': {
            const Now now = get_time();
            std::printf("%lld.%09ld",
                        static_cast<long long>(std::mktime(const_cast<std::tm*>(&now.tm))), now.ns);
            break;
        }
        case 'x':
            write_payload(m.payload, 1, align, pad, width);
            break;
        case 'X':
            write_payload(m.payload, 2, align, pad, width);
            break;
        default:
            break;
    }
}

void formatted_print(const Config& cfg, const mqtt::Publish& m) {
    const std::string& f = *cfg.format;
    const std::size_t len = f.size();
    std::optional<Now> now;
    for (std::size_t i = 0; i < len; ++i) {
        if (f[i] == '%') {
            char align = 0;
            char pad = ' ';
            int width = 0;
            int precision = -1;
            if (i < len - 1) {
                ++i;
                if (f[i] == '-') {
                    align = '-';
                    if (i < len - 1) ++i;
                }
                if (f[i] == '0') {
                    pad = '0';
                    if (i < len - 1) ++i;
                }
                while (i < len - 1 && f[i] >= '0' && f[i] <= '9')
                    width = width * 10 + (f[i++] - '0');
                if (f[i] == '.' && i < len - 1) {
                    ++i;
                    precision = 0;
                    while (i < len - 1 && f[i] >= '0' && f[i] <= '9') {
                        precision = precision * 10 + (f[i++] - '0');
                    }
                }
                if (i < len) print_percent(cfg, m, f[i], align, pad, width, precision);
            }
        } else if (f[i] == '@') {
            if (i < len - 1) {
                ++i;
                if (f[i] == '@') {
                    std::putchar('@');
                } else {
                    if (!now) now = get_time();
                    if (f[i] == 'N') {
                        std::printf("%09ld", now->ns);
                    } else {
                        const char strf[3] = {'%', f[i], 0};
                        char buf[100];
                        if (std::strftime(buf, sizeof buf, strf, &now->tm) != 0)
                            std::fputs(buf, stdout);
                    }
                }
            }
        } else if (f[i] == '\\') {
            if (i < len - 1) {
                ++i;
                switch (f[i]) {
                    case '\\':
                        std::putchar('\\');
                        break;
                    case '0':
                        std::putchar('\0');
                        break;
                    case 'a':
                        std::putchar('\a');
                        break;
                    case 'e':
                        std::putchar('\033');
                        break;
                    case 'n':
                        std::putchar('\n');
                        break;
                    case 'r':
                        std::putchar('\r');
                        break;
                    case 't':
                        std::putchar('\t');
                        break;
                    case 'v':
                        std::putchar('\v');
                        break;
                    default:
                        break;
                }
            }
        } else {
            std::putchar(f[i]);
        }
    }
    if (cfg.eol) std::putchar('\n');
    std::fflush(stdout);
}

}  // namespace

bool check_format(const std::string& s) {
    const std::size_t len = s.size();
    auto incomplete = [] {
        std::fprintf(stderr, "Error: Incomplete format specifier.\n");
        return false;
    };
    for (std::size_t i = 0; i < len; ++i) {
        if (s[i] == '%') {
            if (i == len - 1) return incomplete();
            if (s[i + 1] == '0' || s[i + 1] == '-') {
                if (++i == len - 1) return incomplete();
            }
            while (s[i + 1] >= '0' && s[i + 1] <= '9') {
                if (++i == len - 1) return incomplete();
            }
            if (s[i + 1] == '.') {
                if (++i == len - 1) return incomplete();
                while (s[i + 1] >= '0' && s[i + 1] <= '9') {
                    if (++i == len - 1) return incomplete();
                }
            }
            if (!known_code(s[i + 1])) {
                std::fprintf(stderr, "Error: Invalid format specifier '%c'.\n", s[i + 1]);
                return false;
            }
            ++i;
        } else if (s[i] == '@') {
            if (i == len - 1) return incomplete();
            ++i;
        } else if (s[i] == '\\') {
            if (i == len - 1) {
                std::fprintf(stderr, "Error: Incomplete escape specifier.\n");
                return false;
            }
            if (std::strchr("\\0aenrtv", s[i + 1]) == nullptr) {
                std::fprintf(stderr, "Error: Invalid escape specifier '%c'.\n", s[i + 1]);
                return false;
            }
            ++i;
        }
    }
    return true;
}

void print_message(const Config& cfg, const mqtt::Publish& m) {
    if (cfg.random_filter < 10000 && std::rand() % 10000 >= cfg.random_filter) return;
    if (cfg.format) {
        formatted_print(cfg, m);
        return;
    }
    if (cfg.verbose) {
        if (!m.payload.empty()) {
            std::printf("%s ", m.topic.c_str());
            write_payload(m.payload, 0, 0, 0, 0);
            if (cfg.eol) std::putchar('\n');
        } else if (cfg.eol) {
            std::printf("%s (null)\n", m.topic.c_str());
        }
    } else if (!m.payload.empty()) {
        write_payload(m.payload, 0, 0, 0, 0);
        if (cfg.eol) std::putchar('\n');
    }
    std::fflush(stdout);
}

}  // namespace lampi::cli
