#include "server/auth_access.h"

#include "mqtt/reason_code.h"
#include "topic/topic.h"

namespace lampi::server {

std::uint8_t AuthAccess::authenticate(const std::optional<std::string>& username,
                                      const std::optional<std::string>& password) const {
    std::optional<std::string_view> user;
    std::optional<std::string_view> pass;
    if (username) user = *username;
    if (password) pass = *password;
    const auto result = authoriser_->authenticate(user, pass);
    return auth::connack_code(result, true);  // the v5 code; mapped down for 3.x clients
}

bool AuthAccess::allowed(const broker::ClientIdentity& who, std::string_view topic,
                         broker::AccessKind kind) const {
    auth::ClientInfo client;
    client.client_id = who.client_id;
    if (who.username != nullptr && *who.username) client.username = **who.username;
    client.bridge = who.bridge;
    switch (kind) {
        case broker::AccessKind::Read:
            return authoriser_->authorise(client, topic, auth::Access::Read);
        case broker::AccessKind::Write:
            return authoriser_->authorise(client, topic, auth::Access::Write);
        case broker::AccessKind::Subscribe: {
            const auto shared = topic::parse_shared_filter(topic);
            if (shared.is_shared) topic = shared.filter;
            // Mosquitto 2.0 grants every SUBSCRIBE and checks each delivery instead; lampi
            // also refuses a plain (wildcard-free) filter the client could never read, so the
            // client learns at once (SUBACK 0x80 / 0x87).
            if (topic.find_first_of("+#") != std::string_view::npos) return true;
            return authoriser_->authorise(client, topic, auth::Access::Read);
        }
    }
    return false;
}

}  // namespace lampi::server
