// Internal to config/: the option table and the parse state its handlers write into.
// One row per option: name, scope, implemented flag, handler. The dispatcher (config_reader.cpp)
// checks the scope and resolves the target (listener, bridge, security options) before the
// handler runs, so handlers only parse arguments and store values.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "config/config.h"

namespace lampi::config::detail {

enum class Scope {
    Global,        // Config
    Listener,      // most recent `listener`, else the default listener
    ListenerOnly,  // most recent `listener`; an error before any
    Security,      // Config::security, or the listener's when per_listener_settings is true
    Bridge,        // most recent `connection`; an error before any
};

// The words of one line after the option name. `rest` is the trimmed remainder of the line
// (string options take it whole, spaces included, as Mosquitto does).
struct Args {
    std::string_view name;
    std::string_view rest;
    std::vector<std::string_view> words;  // split on blanks; a trailing "#..." word and all
                                          // after it are dropped as a comment
};

class Reader;
using Handler = void (*)(Reader&, const Args&);

// Table shorthands: the `implemented` column and the scopes.
inline constexpr bool kYes = true;  // lampi implements it
inline constexpr bool kNo = false;  // valid Mosquitto option lampi ignores (with a warning)
inline constexpr Scope G = Scope::Global;
inline constexpr Scope L = Scope::Listener;
inline constexpr Scope B = Scope::Bridge;

struct Option {
    std::string_view name;  // ends with '*' for prefix options (auth_opt_*)
    Scope scope;
    bool implemented;  // false: parsed and validated, then a "not supported" warning
    Handler handler;
};

std::span<const Option> global_options();
std::span<const Option> listener_options();
std::span<const Option> bridge_options();

// Parse state shared by the handlers. Owned by config_reader.cpp.
class Reader {
  public:
    explicit Reader(Config& config, std::vector<std::string>& errors,
                    std::vector<std::string>& warnings)
        : config_(config), errors_(errors), warnings_(warnings) {}

    Config& config() { return config_; }
    Listener& listener() { return *listener_; }
    Bridge& bridge() { return *bridge_; }
    SecurityOptions& security() { return *security_; }

    template <class T>
    T& target() {
        if constexpr (std::is_same_v<T, Config>) return config_;
        if constexpr (std::is_same_v<T, Listener>) return *listener_;
        if constexpr (std::is_same_v<T, Bridge>) return *bridge_;
        if constexpr (std::is_same_v<T, SecurityOptions>) return *security_;
    }

    void error(std::string_view message);
    void warning(std::string_view message);
    const std::string& origin() const { return origin_; }

    // Argument parsers: each reports its own error and returns nullopt on failure.
    std::optional<bool> bool_arg(const Args& a);
    std::optional<std::int64_t> int_arg(const Args& a, std::int64_t min, std::int64_t max);
    std::optional<std::int64_t> parse_int(const Args& a, std::string_view word, std::int64_t min,
                                          std::int64_t max);
    std::optional<std::string> string_arg(const Args& a);
    std::optional<std::string_view> word_arg(const Args& a);  // exactly one word
    // One of `choices` (case-sensitive); index into choices.
    std::optional<std::size_t> choice_arg(const Args& a,
                                          std::initializer_list<std::string_view> choices);
    bool check_word_count(const Args& a, std::size_t min, std::size_t max);

    // Structural operations used by a few handlers.
    void begin_listener(Listener listener);
    void begin_bridge(Bridge bridge);
    Listener& default_listener(std::string_view option);  // creates it if needed
    void mark_default_listener_explicit() { default_listener_explicit_ = true; }
    bool security_seen() const { return security_seen_; }
    bool& log_type_seen() { return log_type_seen_; }
    bool& log_dest_seen() { return log_dest_seen_; }
    void include_dir(const std::string& dir);

    // Reads one file's text (name is used in messages); include_dir recurses with depth + 1.
    void read_text(std::string_view text, const std::string& name, int depth);
    // End-of-input checks and defaults: default listener, bridge client ids, TLS pairs.
    void finish();

  private:
    void read_line(std::string_view line);
    bool resolve_scope(const Option& option, const Args& args);
    void finish_default_listener();
    void finish_listeners();
    void finish_bridges();

    Config& config_;
    std::vector<std::string>& errors_;
    std::vector<std::string>& warnings_;
    std::string origin_;  // "file:line" of the line being read

    Listener* listener_ = nullptr;  // resolved target for the current line
    Bridge* bridge_ = nullptr;
    SecurityOptions* security_ = nullptr;

    // Per file (Mosquitto starts each included file with no current listener or bridge).
    int current_listener_ = -1;  // index into config_.listeners
    int current_bridge_ = -1;
    int depth_ = 0;

    std::optional<Listener> default_listener_;  // materialised at the end when used
    bool default_listener_explicit_ = false;    // `port` or `bind_address` seen
    std::string default_listener_reason_;       // the option that created it
    bool security_seen_ = false;
    bool log_type_seen_ = false;
    bool log_dest_seen_ = false;
};

// Member-pointer helpers so that most rows are one line: set_bool<&Listener::require_certificate>.
template <class M>
struct MemberOf;
template <class C, class T>
struct MemberOf<T C::*> {
    using Owner = C;
    using Type = T;
};

template <auto Field>
void set_bool(Reader& r, const Args& a) {
    using Owner = typename MemberOf<decltype(Field)>::Owner;
    if (auto v = r.bool_arg(a)) r.target<Owner>().*Field = *v;
}

template <auto Field>
void set_optional_bool(Reader& r, const Args& a) {
    using Owner = typename MemberOf<decltype(Field)>::Owner;
    if (auto v = r.bool_arg(a)) r.target<Owner>().*Field = *v;
}

template <auto Field, std::int64_t Min, std::int64_t Max>
void set_int(Reader& r, const Args& a) {
    using Owner = typename MemberOf<decltype(Field)>::Owner;
    using T = typename MemberOf<decltype(Field)>::Type;
    if (auto v = r.int_arg(a, Min, Max)) r.target<Owner>().*Field = static_cast<T>(*v);
}

template <auto Field>
void set_string(Reader& r, const Args& a) {
    using Owner = typename MemberOf<decltype(Field)>::Owner;
    if (auto v = r.string_arg(a)) r.target<Owner>().*Field = std::move(*v);
}

// Topic helpers (topic_check.cpp): MQTT 3.1.1 section 4.7 rules, kept local to avoid a link
// dependency on lampi_topic.
bool is_valid_utf8(std::string_view s);
bool is_valid_publish_topic(std::string_view topic);
bool is_valid_subscription_filter(std::string_view filter);

}  // namespace lampi::config::detail
