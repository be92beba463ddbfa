// Private to apps/common: the table of Mosquitto's client flags that cli.cpp's load_config parses.
// Each concern (connection, TLS, publish, subscribe) owns one table of FlagSpec rows in its own
// cli_flags_*.cpp; parse_flags looks every argument up in them. Tables are constant; parsing is
// single-threaded and writes only the Config it is given.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "apps/common/cli.h"

namespace lampi::cli {

using Args = std::vector<std::string>;

// -x value (and -c in v5) for a session that never expires (MQTT 5 3.1.2.11.2).
inline constexpr long long kSessionNeverExpires = 4294967295LL;

// Which tools accept a flag; a flag given to another tool is an "Unknown option".
enum ToolMask : unsigned {
    kPub = 1U << 0,
    kSub = 1U << 1,
    kRr = 1U << 2,
    kAllTools = kPub | kSub | kRr,
};

// What a handler works on. `value` is the word after the flag (empty for flags without one).
struct FlagCall {
    Config& cfg;
    const std::string& value;
    const Args& args;    // for -D, which reads several words
    std::size_t& index;  // indexes the flag's value (or the flag); -D moves it past its words
    ParseStatus& stop;   // --help / --version set it and return false to end the parse
};

// Returns false after printing the error (or setting `stop`).
using FlagHandler = bool (*)(FlagCall& call);
// Runs before the value is consumed, for checks Mosquitto makes first (-i with -I, -m with -f).
using FlagCheck = bool (*)(Config& cfg);

struct FlagSpec {
    const char* name;        // as "Error: NAME argument given but no ..." spells it
    const char* alias;       // the other spelling, or nullptr
    unsigned tools;          // ToolMask bits
    const char* value_name;  // "... but no VALUE_NAME specified."; nullptr: the flag takes no value
    FlagCheck check;         // nullptr: nothing to check before the value
    FlagHandler handle;
};

// The tables, one per concern.
std::span<const FlagSpec> connection_flags();  // broker address, identity, will, transport
std::span<const FlagSpec> tls_flags();         // TLS and TLS-PSK
std::span<const FlagSpec> publish_flags();     // what lampi-pub / lampi-rr send
std::span<const FlagSpec> subscribe_flags();   // what lampi-sub / lampi-rr receive and print

// Parses argv, or one options-file line split as {"", flag, rest-of-line}, into `cfg`. Returns
// false after printing an error, or with `stop` set to Help / Version.
bool parse_flags(Config& cfg, const Args& args, ParseStatus& stop);

// Handler building blocks for flags that just store their value or switch a setting.
template <auto Member>
bool store(FlagCall& call) {
    call.cfg.*Member = call.value;
    return true;
}
template <auto Member>
bool enable(FlagCall& call) {
    call.cfg.*Member = true;
    return true;
}
template <auto Member>
bool disable(FlagCall& call) {
    call.cfg.*Member = false;
    return true;
}
// For flags whose work is done by their FlagCheck or before the parse (-o).
inline bool nothing_more(FlagCall&) { return true; }

// Shared by -t and -L: a topic to publish to (pub, rr) or subscribe to (sub). `flag` names the
// argument in the UTF-8 error ("-t", "-L topic").
bool add_topic(Config& cfg, const std::string& topic, const char* flag);

}  // namespace lampi::cli
