// Turns a read mosquitto.conf (config::Config) into the server's options, loading the password
// and ACL files of each listener.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "broker/access_control.h"
#include "config/config.h"
#include "server/server.h"

namespace lampi::apps {

// One access-control slot per listener, kept across reloads so that connected clients see the
// reloaded password and ACL files.
using AccessSlots = std::map<std::string, std::shared_ptr<broker::AccessControlSlot>>;

struct OptionsResult {
    server::ServerOptions options;
    std::vector<std::string> errors;  // "file:line: message"
    std::vector<std::string> warnings;
    // Applied only when there are no errors: the new access controls for each slot.
    std::vector<std::pair<std::shared_ptr<broker::AccessControlSlot>,
                          std::shared_ptr<const broker::AccessControl>>>
        access;
    void commit_access() const;
};

OptionsResult server_options_from(const config::Config& config, AccessSlots& slots);

}  // namespace lampi::apps
