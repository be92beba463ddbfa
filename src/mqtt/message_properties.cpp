#include "mqtt/codec.h"
#include "mqtt/properties_codec.h"

namespace lampi::mqtt {

std::string encode_message_properties(const Properties& properties) {
    std::string out;
    detail::encode_properties(out, properties, detail::properties_size(properties));
    return out;
}

bool decode_message_properties(std::string_view bytes, Properties& out) {
    detail::Reader reader(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    // Stored as a server-to-client PUBLISH would carry them.
    return !detail::decode_properties(reader, detail::PropertyContext::Publish, Side::FromServer,
                                      out);
}

}  // namespace lampi::mqtt
