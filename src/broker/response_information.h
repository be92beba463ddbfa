// MQTT 5 request/response (3.1.2.11.7, 3.2.2.3.15): a client that sets Request Response
// Information in CONNECT gets a Response Information string in CONNACK, which lampi defines as
// a topic prefix reserved for that client's responses. Built from the `response_information`
// template: "%c" becomes the client id, "%u" the username (as in Mosquitto's ACL patterns).
// Pure function, no state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lampi::broker {

// The Response Information for one client, or nothing (the spec lets the server omit it) when
// the template is empty, names %u for a client without a username, would put a client id or
// username holding '/', '+' or '#' in it, or gives a string that is not a valid topic name.
std::optional<std::string> response_information_for(std::string_view template_text,
                                                    std::string_view client_id,
                                                    const std::optional<std::string>& username);

}  // namespace lampi::broker
