#include "mqtt/properties_codec.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace lampi::mqtt::detail {
namespace {

using Id = PropertyId;

constexpr std::uint16_t bit(PropertyContext c) {
    return static_cast<std::uint16_t>(1u << static_cast<unsigned>(c));
}

constexpr std::uint16_t kConnect = bit(PropertyContext::Connect);
constexpr std::uint16_t kConnack = bit(PropertyContext::Connack);
constexpr std::uint16_t kPublish = bit(PropertyContext::Publish);
constexpr std::uint16_t kPubResponse = bit(PropertyContext::PubResponse);
constexpr std::uint16_t kSubscribe = bit(PropertyContext::Subscribe);
constexpr std::uint16_t kSuback = bit(PropertyContext::Suback);
constexpr std::uint16_t kUnsubscribe = bit(PropertyContext::Unsubscribe);
constexpr std::uint16_t kUnsuback = bit(PropertyContext::Unsuback);
constexpr std::uint16_t kDisconnect = bit(PropertyContext::Disconnect);
constexpr std::uint16_t kAuth = bit(PropertyContext::Auth);
constexpr std::uint16_t kWill = bit(PropertyContext::Will);
constexpr std::uint16_t kEverywhere = kConnect | kConnack | kPublish | kPubResponse | kSubscribe |
                                      kSuback | kUnsubscribe | kUnsuback | kDisconnect | kAuth |
                                      kWill;

// MQTT 5 section 2.2.2.2, table 2-4: the packets each property may appear in. 0 = unknown id.
constexpr std::uint16_t allowed_in(std::uint32_t id) {
    switch (static_cast<Id>(id)) {
        case Id::PayloadFormatIndicator:
        case Id::MessageExpiryInterval:
        case Id::ContentType:
        case Id::ResponseTopic:
        case Id::CorrelationData:
            return kPublish | kWill;
        case Id::SubscriptionIdentifier:
            return kPublish | kSubscribe;
        case Id::SessionExpiryInterval:
            return kConnect | kConnack | kDisconnect;
        case Id::AssignedClientIdentifier:
        case Id::ServerKeepAlive:
        case Id::ResponseInformation:
        case Id::MaximumQos:
        case Id::RetainAvailable:
        case Id::WildcardSubscriptionAvailable:
        case Id::SubscriptionIdentifierAvailable:
        case Id::SharedSubscriptionAvailable:
            return kConnack;
        case Id::AuthenticationMethod:
        case Id::AuthenticationData:
            return kConnect | kConnack | kAuth;
        case Id::RequestProblemInformation:
        case Id::RequestResponseInformation:
            return kConnect;
        case Id::WillDelayInterval:
            return kWill;
        case Id::ServerReference:
            return kConnack | kDisconnect;
        case Id::ReasonString:
            return kConnack | kPubResponse | kSuback | kUnsuback | kDisconnect | kAuth;
        case Id::ReceiveMaximum:
        case Id::TopicAliasMaximum:
        case Id::MaximumPacketSize:
            return kConnect | kConnack;
        case Id::TopicAlias:
            return kPublish;
        case Id::UserProperty:
            return kEverywhere;
    }
    return 0;
}

Fail read_byte(Reader& r, std::optional<std::uint8_t>& out) {
    std::uint8_t v = 0;
    LAMPI_MQTT_TRY(r.read_u8(v));
    out = v;
    return {};
}

// A byte property whose only legal values are 0 and 1 (spec 3.1.2.11.*, 3.2.2.3.*, 3.3.2.3.2).
Fail read_flag(Reader& r, std::optional<std::uint8_t>& out) {
    LAMPI_MQTT_TRY(read_byte(r, out));
    return *out <= 1 ? Fail{} : protocol_error("property value must be 0 or 1");
}

Fail read_two(Reader& r, std::optional<std::uint16_t>& out) {
    std::uint16_t v = 0;
    LAMPI_MQTT_TRY(r.read_u16(v));
    out = v;
    return {};
}

Fail read_four(Reader& r, std::optional<std::uint32_t>& out) {
    std::uint32_t v = 0;
    LAMPI_MQTT_TRY(r.read_u32(v));
    out = v;
    return {};
}

Fail read_utf8(Reader& r, std::optional<std::string>& out) {
    LAMPI_MQTT_TRY(r.read_utf8(out.emplace()));
    return {};
}

Fail read_binary(Reader& r, std::optional<std::string>& out) {
    LAMPI_MQTT_TRY(r.read_binary(out.emplace()));
    return {};
}

Fail read_nonzero_two(Reader& r, std::optional<std::uint16_t>& out, const char* message) {
    LAMPI_MQTT_TRY(read_two(r, out));
    return *out != 0 ? Fail{} : protocol_error(message);
}

// One property value, after its identifier has been checked against the packet.
Fail read_value(Reader& r, Id id, PropertyContext context, Side side, Properties& p) {
    switch (id) {
        case Id::PayloadFormatIndicator:
            return read_flag(r, p.payload_format_indicator);
        case Id::MessageExpiryInterval:
            return read_four(r, p.message_expiry_interval);
        case Id::ContentType:
            return read_utf8(r, p.content_type);
        case Id::ResponseTopic:
            return read_utf8(r, p.response_topic);
        case Id::CorrelationData:
            return read_binary(r, p.correlation_data);
        case Id::SubscriptionIdentifier: {
            // Spec 3.3.4-6: a client never sends it in PUBLISH.
            if (context == PropertyContext::Publish && side == Side::FromClient) {
                return protocol_error("subscription identifier in PUBLISH from a client");
            }
            std::uint32_t v = 0;
            LAMPI_MQTT_TRY(r.read_variable_int(v));
            if (v == 0) return protocol_error("subscription identifier 0");
            p.subscription_identifiers.push_back(v);
            return {};
        }
        case Id::SessionExpiryInterval:
            return read_four(r, p.session_expiry_interval);
        case Id::AssignedClientIdentifier:
            return read_utf8(r, p.assigned_client_identifier);
        case Id::ServerKeepAlive:
            return read_two(r, p.server_keep_alive);
        case Id::AuthenticationMethod:
            return read_utf8(r, p.authentication_method);
        case Id::AuthenticationData:
            return read_binary(r, p.authentication_data);
        case Id::RequestProblemInformation:
            return read_flag(r, p.request_problem_information);
        case Id::WillDelayInterval:
            return read_four(r, p.will_delay_interval);
        case Id::RequestResponseInformation:
            return read_flag(r, p.request_response_information);
        case Id::ResponseInformation:
            return read_utf8(r, p.response_information);
        case Id::ServerReference:
            return read_utf8(r, p.server_reference);
        case Id::ReasonString:
            return read_utf8(r, p.reason_string);
        case Id::ReceiveMaximum:
            return read_nonzero_two(r, p.receive_maximum, "receive maximum 0");
        case Id::TopicAliasMaximum:
            return read_two(r, p.topic_alias_maximum);
        case Id::TopicAlias:
            LAMPI_MQTT_TRY(read_two(r, p.topic_alias));
            // Spec 3.3.2.3.4: 0 is not a topic alias.
            return *p.topic_alias != 0 ? Fail{} : Fail{reason::kTopicAliasInvalid, "topic alias 0"};
        case Id::MaximumQos:
            return read_flag(r, p.maximum_qos);
        case Id::RetainAvailable:
            return read_flag(r, p.retain_available);
        case Id::UserProperty: {
            auto& [key, value] = p.user_properties.emplace_back();
            LAMPI_MQTT_TRY(r.read_utf8(key));
            return r.read_utf8(value);
        }
        case Id::MaximumPacketSize: {
            LAMPI_MQTT_TRY(read_four(r, p.maximum_packet_size));
            return *p.maximum_packet_size != 0 ? Fail{} : protocol_error("maximum packet size 0");
        }
        case Id::WildcardSubscriptionAvailable:
            return read_flag(r, p.wildcard_subscription_available);
        case Id::SubscriptionIdentifierAvailable:
            return read_flag(r, p.subscription_identifier_available);
        case Id::SharedSubscriptionAvailable:
            return read_flag(r, p.shared_subscription_available);
    }
    return malformed("unknown property");  // unreachable: ids are checked first
}

// Calls `v` for each present property in identifier order, with the value's wire type:
// uint8_t, uint16_t, uint32_t, VarInt, std::string_view (string or binary) or a string pair.
struct VarInt {
    std::uint32_t value;
};

template <typename Visitor>
void for_each_property(const Properties& p, Visitor&& v) {
    auto opt = [&v](Id id, const auto& field) {
        if (field) v(id, *field);
    };
    auto str = [&v](Id id, const std::optional<std::string>& field) {
        if (field) v(id, std::string_view(*field));
    };
    opt(Id::PayloadFormatIndicator, p.payload_format_indicator);
    opt(Id::MessageExpiryInterval, p.message_expiry_interval);
    str(Id::ContentType, p.content_type);
    str(Id::ResponseTopic, p.response_topic);
    str(Id::CorrelationData, p.correlation_data);
    for (std::uint32_t id : p.subscription_identifiers) v(Id::SubscriptionIdentifier, VarInt{id});
    opt(Id::SessionExpiryInterval, p.session_expiry_interval);
    str(Id::AssignedClientIdentifier, p.assigned_client_identifier);
    opt(Id::ServerKeepAlive, p.server_keep_alive);
    str(Id::AuthenticationMethod, p.authentication_method);
    str(Id::AuthenticationData, p.authentication_data);
    opt(Id::RequestProblemInformation, p.request_problem_information);
    opt(Id::WillDelayInterval, p.will_delay_interval);
    opt(Id::RequestResponseInformation, p.request_response_information);
    str(Id::ResponseInformation, p.response_information);
    str(Id::ServerReference, p.server_reference);
    str(Id::ReasonString, p.reason_string);
    opt(Id::ReceiveMaximum, p.receive_maximum);
    opt(Id::TopicAliasMaximum, p.topic_alias_maximum);
    opt(Id::TopicAlias, p.topic_alias);
    opt(Id::MaximumQos, p.maximum_qos);
    opt(Id::RetainAvailable, p.retain_available);
    for (const auto& pair : p.user_properties) v(Id::UserProperty, pair);
    opt(Id::MaximumPacketSize, p.maximum_packet_size);
    opt(Id::WildcardSubscriptionAvailable, p.wildcard_subscription_available);
    opt(Id::SubscriptionIdentifierAvailable, p.subscription_identifier_available);
    opt(Id::SharedSubscriptionAvailable, p.shared_subscription_available);
}

struct SizeVisitor {
    std::size_t total = 0;

    // Every identifier is below 128, so it takes one byte.
    void operator()(Id, std::uint8_t) { total += 1 + 1; }
    void operator()(Id, std::uint16_t) { total += 1 + 2; }
    void operator()(Id, std::uint32_t) { total += 1 + 4; }
    void operator()(Id, VarInt v) { total += 1 + variable_int_size(v.value); }
    void operator()(Id, std::string_view s) { total += 1 + string_size(s); }
    void operator()(Id, const std::pair<std::string, std::string>& kv) {
        total += 1 + string_size(kv.first) + string_size(kv.second);
    }
};

struct EncodeVisitor {
    std::string& out;

    void operator()(Id id, std::uint8_t v) {
        put_u8(out, static_cast<std::uint8_t>(id));
        put_u8(out, v);
    }
    void operator()(Id id, std::uint16_t v) {
        put_u8(out, static_cast<std::uint8_t>(id));
        put_u16(out, v);
    }
    void operator()(Id id, std::uint32_t v) {
        put_u8(out, static_cast<std::uint8_t>(id));
        put_u32(out, v);
    }
    void operator()(Id id, VarInt v) {
        put_u8(out, static_cast<std::uint8_t>(id));
        append_variable_int(out, v.value);
    }
    void operator()(Id id, std::string_view s) {
        put_u8(out, static_cast<std::uint8_t>(id));
        put_string(out, s);
    }
    void operator()(Id id, const std::pair<std::string, std::string>& kv) {
        put_u8(out, static_cast<std::uint8_t>(id));
        put_string(out, kv.first);
        put_string(out, kv.second);
    }
};

}  // namespace

Fail decode_properties(Reader& reader, PropertyContext context, Side side, Properties& out) {
    std::uint32_t length = 0;
    LAMPI_MQTT_TRY(reader.read_variable_int(length));
    Reader r({});
    LAMPI_MQTT_TRY(reader.read_sub(length, r));
    std::uint64_t seen = 0;  // bit per identifier; all identifiers are below 64
    while (!r.empty()) {
        // Spec 2.2.2.2: the identifier is a variable byte integer.
        std::uint32_t raw = 0;
        LAMPI_MQTT_TRY(r.read_variable_int(raw));
        const std::uint16_t allowed = raw < 64 ? allowed_in(raw) : 0;
        if (allowed == 0) return malformed("unknown property identifier");
        if ((allowed & bit(context)) == 0) return protocol_error("property not allowed in packet");
        const Id id = static_cast<Id>(raw);
        // User properties repeat anywhere; subscription identifiers only in PUBLISH (3.3.2.3.8).
        const bool repeatable = id == Id::UserProperty || (id == Id::SubscriptionIdentifier &&
                                                           context == PropertyContext::Publish);
        const std::uint64_t mask = std::uint64_t{1} << raw;
        if (!repeatable && (seen & mask) != 0) return protocol_error("duplicate property");
        seen |= mask;
        LAMPI_MQTT_TRY(read_value(r, id, context, side, out));
    }
    // Spec 3.1.2.11.10 / 3.15.2.2.3: authentication data needs a method.
    if (out.authentication_data && !out.authentication_method) {
        return protocol_error("authentication data without authentication method");
    }
    return {};
}

std::size_t properties_size(const Properties& properties) {
    SizeVisitor v;
    for_each_property(properties, v);
    return v.total;
}

bool properties_empty(const Properties& properties) { return properties_size(properties) == 0; }

void encode_properties(std::string& out, const Properties& properties, std::size_t size) {
    append_variable_int(out, static_cast<std::uint32_t>(size));
    for_each_property(properties, EncodeVisitor{out});
}

}  // namespace lampi::mqtt::detail
