#include "apps/common/property_arg.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lampi::cli {

namespace {

enum class Type { Byte, Int16, Int32, VarInt, String, Binary, Pair };

// Commands a client may name; bits for the property table below.
enum Command : unsigned {
    kConnect = 1u << 0,
    kPublish = 1u << 1,
    kSubscribe = 1u << 2,
    kUnsubscribe = 1u << 3,
    kDisconnect = 1u << 4,
    kWill = 1u << 5,
    kAuth = 1u << 6,
    kOther = 1u << 7,  // puback, connack, ...: valid names, but the tools never send them
};

struct CommandName {
    const char* name;
    unsigned bit;
};

constexpr CommandName kCommands[] = {
    {"connect", kConnect},
    {"publish", kPublish},
    {"subscribe", kSubscribe},
    {"unsubscribe", kUnsubscribe},
    {"disconnect", kDisconnect},
    {"will", kWill},
    {"auth", kAuth},
    {"connack", kOther},
    {"puback", kOther},
    {"pubrec", kOther},
    {"pubrel", kOther},
    {"pubcomp", kOther},
    {"suback", kOther},
    {"unsuback", kOther},
};

struct PropertyName {
    const char* name;
    Type type;
    unsigned allowed;  // commands that may carry it (MQTT 5 table 2-4)
};

constexpr unsigned kAll =
    kConnect | kPublish | kSubscribe | kUnsubscribe | kDisconnect | kWill | kAuth;

constexpr PropertyName kProperties[] = {
    {"payload-format-indicator", Type::Byte, kPublish | kWill},
    {"message-expiry-interval", Type::Int32, kPublish | kWill},
    {"content-type", Type::String, kPublish | kWill},
    {"response-topic", Type::String, kPublish | kWill},
    {"correlation-data", Type::Binary, kPublish | kWill},
    {"subscription-identifier", Type::VarInt, kPublish | kSubscribe},
    {"session-expiry-interval", Type::Int32, kConnect | kDisconnect},
    {"assigned-client-identifier", Type::String, 0},
    {"server-keep-alive", Type::Int16, 0},
    {"authentication-method", Type::String, kConnect | kAuth},
    {"authentication-data", Type::Binary, kConnect | kAuth},
    {"request-problem-information", Type::Byte, kConnect},
    {"will-delay-interval", Type::Int32, kWill},
    {"request-response-information", Type::Byte, kConnect},
    {"response-information", Type::String, 0},
    {"server-reference", Type::String, kDisconnect},
    {"reason-string", Type::String, kDisconnect | kAuth},
    {"receive-maximum", Type::Int16, kConnect},
    {"topic-alias-maximum", Type::Int16, kConnect},
    {"topic-alias", Type::Int16, kPublish},
    {"maximum-qos", Type::Byte, 0},
    {"retain-available", Type::Byte, 0},
    {"user-property", Type::Pair, kAll},
    {"maximum-packet-size", Type::Int32, kConnect},
    {"wildcard-subscription-available", Type::Byte, 0},
    {"subscription-identifier-available", Type::Byte, 0},
    {"shared-subscription-available", Type::Byte, 0},
};

mqtt::Properties* target(Config& cfg, unsigned command) {
    switch (command) {
        case kConnect:
            return &cfg.connect_props;
        case kPublish:
            return &cfg.publish_props;
        case kSubscribe:
            return &cfg.subscribe_props;
        case kUnsubscribe:
            return &cfg.unsubscribe_props;
        case kDisconnect:
            return &cfg.disconnect_props;
        case kWill:
            return &cfg.will_props;
        default:
            return nullptr;
    }
}

bool parse_number(const std::string& s, unsigned long max, const char* name, unsigned long& out) {
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, 0);
    if (end == s.c_str() || *end != '\0' || v < 0 || static_cast<unsigned long long>(v) > max) {
        std::fprintf(stderr, "Error: Property value (%s) out of range for property %s.\n\n",
                     s.c_str(), name);
        return false;
    }
    out = static_cast<unsigned long>(v);
    return true;
}

bool store(mqtt::Properties& p, const std::string& name, unsigned long n, const std::string& s) {
    auto u8 = [n] { return static_cast<std::uint8_t>(n); };
    auto u16 = [n] { return static_cast<std::uint16_t>(n); };
    auto u32 = [n] { return static_cast<std::uint32_t>(n); };
    if (name == "payload-format-indicator")
        p.payload_format_indicator = u8();
    else if (name == "message-expiry-interval")
        p.message_expiry_interval = u32();
    else if (name == "content-type")
        p.content_type = s;
    else if (name == "response-topic")
        p.response_topic = s;
    else if (name == "correlation-data")
        p.correlation_data = s;
    else if (name == "subscription-identifier")
        p.subscription_identifiers.push_back(u32());
    else if (name == "session-expiry-interval")
        p.session_expiry_interval = u32();
    else if (name == "authentication-method")
        p.authentication_method = s;
    else if (name == "authentication-data")
        p.authentication_data = s;
    else if (name == "request-problem-information")
        p.request_problem_information = u8();
    else if (name == "will-delay-interval")
        p.will_delay_interval = u32();
    else if (name == "request-response-information")
        p.request_response_information = u8();
    else if (name == "server-reference")
        p.server_reference = s;
    else if (name == "reason-string")
        p.reason_string = s;
    else if (name == "receive-maximum")
        p.receive_maximum = u16();
    else if (name == "topic-alias-maximum")
        p.topic_alias_maximum = u16();
    else if (name == "topic-alias")
        p.topic_alias = u16();
    else if (name == "maximum-packet-size")
        p.maximum_packet_size = u32();
    else
        return false;
    return true;
}

}  // namespace

bool parse_property_arg(Config& cfg, const std::vector<std::string>& args, std::size_t& i) {
    if (i + 3 >= args.size()) {
        std::fprintf(stderr,
                     "Error: --property argument given but not enough arguments specified.\n\n");
        return false;
    }
    const std::string& command_name = args[i + 1];
    const std::string& property_name = args[i + 2];
    unsigned command = 0;
    for (const auto& c : kCommands) {
        if (command_name == c.name) command = c.bit;
    }
    if (command == 0) {
        std::fprintf(stderr, "Error: Invalid command given in --property argument.\n\n");
        return false;
    }
    const PropertyName* prop = nullptr;
    for (const auto& p : kProperties) {
        if (property_name == p.name) prop = &p;
    }
    if (prop == nullptr) {
        std::fprintf(stderr, "Error: Invalid property name given in --property argument.\n\n");
        return false;
    }
    if ((prop->allowed & command) == 0) {
        std::fprintf(stderr, "Error: %s property not %s for %s in --property argument.\n\n",
                     property_name.c_str(), command == kOther ? "supported" : "allowed",
                     command_name.c_str());
        return false;
    }
    mqtt::Properties* props = target(cfg, command);
    if (prop->type == Type::Pair) {
        if (i + 4 >= args.size()) {
            std::fprintf(
                stderr, "Error: --property argument given but not enough arguments specified.\n\n");
            return false;
        }
        if (props != nullptr) props->user_properties.emplace_back(args[i + 3], args[i + 4]);
        i += 4;
        return true;
    }
    const std::string& value = args[i + 3];
    unsigned long n = 0;
    switch (prop->type) {
        case Type::Byte:
            if (!parse_number(value, 255, prop->name, n)) return false;
            break;
        case Type::Int16:
            if (!parse_number(value, 65535, prop->name, n)) return false;
            break;
        case Type::Int32:
            if (!parse_number(value, 4294967295UL, prop->name, n)) return false;
            break;
        case Type::VarInt:
            if (!parse_number(value, 268435455UL, prop->name, n)) return false;
            break;
        default:
            break;
    }
    if (props != nullptr) store(*props, property_name, n, value);
    i += 3;
    return true;
}

}  // namespace lampi::cli
