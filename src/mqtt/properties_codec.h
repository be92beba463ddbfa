// Internal to the codec: MQTT 5 properties (spec 2.2.2) on the wire. Decoding checks the data
// types, which properties each packet may carry (table 2-4), duplicates and value ranges.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "mqtt/codec.h"
#include "mqtt/properties.h"
#include "mqtt/wire.h"

namespace lampi::mqtt::detail {

// Where a property list sits; the will properties of CONNECT have their own set.
enum class PropertyContext : std::uint8_t {
    Connect,
    Connack,
    Publish,
    PubResponse,  // PUBACK, PUBREC, PUBREL, PUBCOMP
    Subscribe,
    Suback,
    Unsubscribe,
    Unsuback,
    Disconnect,
    Auth,
    Will,
};

// Reads the property length and the properties it covers into `out`.
Fail decode_properties(Reader& reader, PropertyContext context, Side side, Properties& out);

// Bytes of the properties themselves, without the property length field.
std::size_t properties_size(const Properties& properties);

// Bytes of the property length field plus the properties.
inline std::size_t properties_field_size(std::size_t properties_size) {
    return variable_int_size(static_cast<std::uint32_t>(properties_size)) + properties_size;
}

// Writes the property length (`size` from properties_size) and the properties, in identifier
// order; user properties keep their order.
void encode_properties(std::string& out, const Properties& properties, std::size_t size);

bool properties_empty(const Properties& properties);

}  // namespace lampi::mqtt::detail
