#include "lamp/lamp_service.h"

#include <fmt/format.h>

namespace lampi::lamp {

namespace {

// Log lines hold the payload; keep them one short line.
std::string excerpt(const std::string& payload) {
    std::string out;
    for (char c : payload.substr(0, 120)) out += (c == '\n' || c == '\r') ? ' ' : c;
    if (payload.size() > 120) out += "...";
    return out;
}

}  // namespace

Topics::Topics(const std::string& root, const std::string& client_id)
    : set_config(root + "set_config"),
      changed(root + "changed"),
      associated(root + "associated"),
      connection_state(root + "connection/" + client_id + "/state") {}

LampService::LampService(const std::string& topic_root, const std::string& client_id,
                         LampState initial)
    : topics_(topic_root, client_id), client_id_(client_id), state_(std::move(initial)) {
    state_.client = client_id_;
}

Outgoing LampService::will() const { return {topics_.connection_state, "0", 1, true}; }

Outgoing LampService::goodbye() const { return will(); }

std::vector<std::string> LampService::subscriptions() const {
    return {topics_.set_config, topics_.associated};
}

Outgoing LampService::changed_message() const {
    return {topics_.changed, to_json(state_), 1, true};
}

std::vector<Outgoing> LampService::on_connected() const {
    return {{topics_.connection_state, "1", 1, true}, changed_message()};
}

Reaction LampService::on_message(const std::string& topic, const std::string& payload) {
    Reaction r;
    if (topic == topics_.set_config) {
        auto parsed = parse_set_config(payload);
        if (auto* bad = std::get_if<Rejection>(&parsed)) {
            r.warning = fmt::format("ignoring {}: {}: '{}'", topic, bad->reason, excerpt(payload));
            return r;
        }
        state_ = apply(state_, std::get<SetConfig>(parsed));
        r.state_changed = true;
        r.publish.push_back(changed_message());
        r.info =
            fmt::format("{} from '{}': h={:.2f} s={:.2f} brightness={:.2f} on={}", topic,
                        state_.client, state_.hue, state_.saturation, state_.brightness, state_.on);
    } else if (topic == topics_.associated) {
        auto parsed = parse_association(payload);
        if (auto* bad = std::get_if<Rejection>(&parsed)) {
            r.warning = fmt::format("ignoring {}: {}: '{}'", topic, bad->reason, excerpt(payload));
            return r;
        }
        state_.association = std::get<Association>(parsed);
        r.state_changed = true;
        r.publish.push_back(changed_message());
        r.info = fmt::format("association: associated={} code='{}'", state_.association->associated,
                             state_.association->code);
    }
    return r;
}

}  // namespace lampi::lamp
