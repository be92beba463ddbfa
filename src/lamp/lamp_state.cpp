#include "lamp/lamp_state.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace lampi::lamp {

namespace {

using Json = nlohmann::json;

Json parse_object(std::string_view text) {
    // allow_exceptions=false: a parse error yields a discarded value instead of throwing.
    return Json::parse(text.begin(), text.end(), nullptr, false);
}

// Reads an optional number in [0, 1] from `object[key]`; false with `why` set if invalid.
bool read_unit(const Json& object, const char* key, const char* name, std::optional<double>& out,
               std::string& why) {
    auto it = object.find(key);
    if (it == object.end()) return true;
    if (!it->is_number()) {
        why = std::string(name) + " is not a number";
        return false;
    }
    const double v = it->get<double>();
    if (!(v >= 0.0 && v <= 1.0)) {
        why = std::string(name) + " is out of range [0, 1]";
        return false;
    }
    out = v;
    return true;
}

bool read_bool(const Json& object, const char* key, std::optional<bool>& out, std::string& why) {
    auto it = object.find(key);
    if (it == object.end()) return true;
    if (!it->is_boolean()) {
        why = std::string(key) + " is not a boolean";
        return false;
    }
    out = it->get<bool>();
    return true;
}

}  // namespace

double round2(double value) { return std::round(value * 100.0) / 100.0; }

ParseResult<SetConfig> parse_set_config(std::string_view payload) {
    const Json j = parse_object(payload);
    if (j.is_discarded()) return Rejection{"not valid JSON"};
    if (!j.is_object()) return Rejection{"not a JSON object"};
    SetConfig c;
    auto client = j.find("client");
    if (client == j.end()) return Rejection{"no client"};
    if (!client->is_string()) return Rejection{"client is not a string"};
    c.client = client->get<std::string>();
    std::string why;
    if (auto color = j.find("color"); color != j.end()) {
        if (!color->is_object()) return Rejection{"color is not an object"};
        if (!read_unit(*color, "h", "color.h", c.hue, why)) return Rejection{why};
        if (!read_unit(*color, "s", "color.s", c.saturation, why)) return Rejection{why};
    }
    if (!read_unit(j, "brightness", "brightness", c.brightness, why)) return Rejection{why};
    if (!read_bool(j, "on", c.on, why)) return Rejection{why};
    return c;
}

ParseResult<Association> parse_association(std::string_view payload) {
    const Json j = parse_object(payload);
    if (j.is_discarded()) return Rejection{"not valid JSON"};
    if (!j.is_object()) return Rejection{"not a JSON object"};
    Association a;
    auto associated = j.find("associated");
    if (associated == j.end() || !associated->is_boolean()) {
        return Rejection{"associated is missing or not a boolean"};
    }
    a.associated = associated->get<bool>();
    if (auto code = j.find("code"); code != j.end() && !code->is_null()) {
        if (!code->is_string()) return Rejection{"code is not a string"};
        a.code = code->get<std::string>();
    }
    return a;
}

LampState apply(const LampState& state, const SetConfig& update) {
    LampState next = state;
    if (update.hue) next.hue = round2(*update.hue);
    if (update.saturation) next.saturation = round2(*update.saturation);
    if (update.brightness) next.brightness = round2(*update.brightness);
    if (update.on) next.on = *update.on;
    next.client = update.client;
    return next;
}

std::string to_json(const LampState& state) {
    Json j = {{"color", {{"h", round2(state.hue)}, {"s", round2(state.saturation)}}},
              {"brightness", round2(state.brightness)},
              {"on", state.on},
              {"client", state.client}};
    if (state.association) {
        j["associated"] = {{"associated", state.association->associated},
                           {"code", state.association->code}};
    }
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

ParseResult<LampState> state_from_json(std::string_view text) {
    // The saved state has the shape of a set_config with every field, plus the association.
    auto parsed = parse_set_config(text);
    if (auto* r = std::get_if<Rejection>(&parsed)) return *r;
    const SetConfig& c = std::get<SetConfig>(parsed);
    if (!c.hue || !c.saturation || !c.brightness || !c.on) return Rejection{"incomplete state"};
    LampState s = apply(LampState{}, c);
    const Json j = parse_object(text);
    if (auto a = j.find("associated"); a != j.end() && a->is_object()) {
        auto assoc = parse_association(a->dump());
        if (auto* ok = std::get_if<Association>(&assoc)) s.association = *ok;
    }
    return s;
}

}  // namespace lampi::lamp
