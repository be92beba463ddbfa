// The lamp's state and the LAMPi JSON messages that change it (pure logic, no I/O).
// `lamp/set_config` is parsed into a SetConfig (any subset of fields, a required `client`);
// a message that is not valid as a whole is rejected with a reason and changes nothing.
// Values are kept rounded to 2 decimals, as the course's lamp_service does. Plain values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace lampi::lamp {

// What the cloud told the lamp on `lamp/associated`.
struct Association {
    bool associated = false;
    std::string code;

    bool operator==(const Association&) const = default;
};

struct LampState {
    double hue = 1.0;         // color.h, 0..1
    double saturation = 1.0;  // color.s, 0..1
    double brightness = 1.0;  // 0..1
    bool on = true;
    std::string client;  // who asked for the last change
    std::optional<Association> association;

    bool operator==(const LampState&) const = default;
};

// A validated `lamp/set_config`: the fields present in the message.
struct SetConfig {
    std::optional<double> hue;
    std::optional<double> saturation;
    std::optional<double> brightness;
    std::optional<bool> on;
    std::string client;
};

// Why a message was rejected, for the one warning line.
struct Rejection {
    std::string reason;
};

template <class T>
using ParseResult = std::variant<T, Rejection>;

// Rounds to 2 decimals (half away from zero).
double round2(double value);

// Validates a `lamp/set_config` payload: a JSON object with a string `client`; `color` an object
// whose `h` and `s` are numbers in [0, 1]; `brightness` a number in [0, 1]; `on` a boolean.
// Unknown keys are ignored. Never throws.
ParseResult<SetConfig> parse_set_config(std::string_view payload);

// Validates a `lamp/associated` payload: {"associated": bool, "code": string (optional)}.
ParseResult<Association> parse_association(std::string_view payload);

// Applies the fields present in `update`, rounded to 2 decimals, and records the client.
LampState apply(const LampState& state, const SetConfig& update);

// The `lamp/changed` payload: {"color": {"h", "s"}, "brightness", "on", "client"} and, once
// known, "associated": {"associated", "code"}.
std::string to_json(const LampState& state);

// Reads back what to_json() wrote (the state file). Values are re-validated and rounded.
ParseResult<LampState> state_from_json(std::string_view text);

}  // namespace lampi::lamp
