// Logging with Mosquitto's log types and destinations, on spdlog.
// configure() is called at start-up and on reload; log() is thread-safe and cheap when the
// type is masked out (one relaxed atomic load).
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace lampi {

// Mosquitto's `log_type` values, as bits.
enum class LogType : std::uint32_t {
    Error = 1u << 0,
    Warning = 1u << 1,
    Notice = 1u << 2,
    Information = 1u << 3,
    Debug = 1u << 4,
    Subscribe = 1u << 5,
    Unsubscribe = 1u << 6,
    Websockets = 1u << 7,
};

inline constexpr std::uint32_t kLogDefaultTypes = 0xF;  // error, warning, notice, information
inline constexpr std::uint32_t kLogAllTypes = 0xFF;

struct LogSettings {
    std::uint32_t types = kLogDefaultTypes;
    bool to_stdout = false;
    bool to_stderr = true;
    bool to_syslog = false;
    std::vector<std::string> files;
    bool timestamp = true;
    std::string timestamp_format;  // strftime format; empty = unix seconds as Mosquitto
    bool to_topic = false;         // log_dest topic: $SYS/broker/log/<type letter>
};

// log_dest topic: lines wait here until the broker publishes them (from its housekeeping tick,
// so logging never takes broker locks). Bounded: the oldest lines go first.
struct TopicLogLine {
    LogType type;
    std::string text;
};
std::vector<TopicLogLine> take_topic_log_lines();

// Parses one `log_type` word ("error", "all", "none", ...); returns 0 if unknown... and false.
bool parse_log_type(const std::string& word, std::uint32_t& bits);

void configure_logging(const LogSettings& settings);
void reopen_log_files();

namespace detail {
extern std::atomic<std::uint32_t> g_log_mask;
void write_log(LogType type, std::string_view message);
}  // namespace detail

inline bool log_enabled(LogType t) {
    return (detail::g_log_mask.load(std::memory_order_relaxed) & static_cast<std::uint32_t>(t)) !=
           0;
}

template <class... Args>
void log(LogType t, fmt::format_string<Args...> f, Args&&... args) {
    if (!log_enabled(t)) return;
    detail::write_log(t, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace lampi
