#include "base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <syslog.h>

#include <deque>
#include <memory>
#include <mutex>

namespace lampi {
namespace detail {
std::atomic<std::uint32_t> g_log_mask{kLogDefaultTypes};
}

namespace {

struct LogState {
    std::mutex mutex;
    LogSettings settings;
    std::shared_ptr<spdlog::logger> logger;
    std::deque<TopicLogLine> topic_lines;
};
constexpr std::size_t kMaxTopicLines = 1000;

LogState& state() {
    static LogState s;
    return s;
}

std::string pattern_for(const LogSettings& s) {
    if (!s.timestamp) return "%v";
    if (s.timestamp_format.empty()) return "%E: %v";
    return s.timestamp_format + ": %v";
}

std::shared_ptr<spdlog::logger> make_logger(const LogSettings& s) {
    std::vector<spdlog::sink_ptr> sinks;
    if (s.to_stdout) sinks.push_back(std::make_shared<spdlog::sinks::stdout_sink_mt>());
    if (s.to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_sink_mt>());
    for (const auto& f : s.files) {
        try {
            sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(f));
        } catch (const spdlog::spdlog_ex& e) {
            std::fprintf(stderr, "Error: Unable to open log file %s: %s\n", f.c_str(), e.what());
        }
    }
    auto logger = std::make_shared<spdlog::logger>("lampi", sinks.begin(), sinks.end());
    logger->set_pattern(pattern_for(s));
    logger->set_level(spdlog::level::trace);
    logger->flush_on(spdlog::level::trace);
    return logger;
}

int syslog_priority(LogType t) {
    switch (t) {
        case LogType::Error:
            return LOG_ERR;
        case LogType::Warning:
            return LOG_WARNING;
        case LogType::Notice:
            return LOG_NOTICE;
        case LogType::Debug:
            return LOG_DEBUG;
        default:
            return LOG_INFO;
    }
}

}  // namespace

bool parse_log_type(const std::string& word, std::uint32_t& bits) {
    static const std::pair<const char*, std::uint32_t> kTypes[] = {
        {"error", static_cast<std::uint32_t>(LogType::Error)},
        {"warning", static_cast<std::uint32_t>(LogType::Warning)},
        {"notice", static_cast<std::uint32_t>(LogType::Notice)},
        {"information", static_cast<std::uint32_t>(LogType::Information)},
        {"debug", static_cast<std::uint32_t>(LogType::Debug)},
        {"subscribe", static_cast<std::uint32_t>(LogType::Subscribe)},
        {"unsubscribe", static_cast<std::uint32_t>(LogType::Unsubscribe)},
        {"websockets", static_cast<std::uint32_t>(LogType::Websockets)},
        {"all", kLogAllTypes},
        {"none", 0},
    };
    for (const auto& [name, value] : kTypes) {
        if (word == name) {
            bits |= value;
            return true;
        }
    }
    return false;
}

void configure_logging(const LogSettings& settings) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.settings = settings;
    s.logger = make_logger(settings);
    if (settings.to_syslog) openlog("lampi-broker", LOG_PID, LOG_DAEMON);
    detail::g_log_mask.store(settings.types, std::memory_order_relaxed);
}

void reopen_log_files() {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.logger = make_logger(s.settings);
}

std::vector<TopicLogLine> take_topic_log_lines() {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    std::vector<TopicLogLine> out(std::make_move_iterator(s.topic_lines.begin()),
                                  std::make_move_iterator(s.topic_lines.end()));
    s.topic_lines.clear();
    return out;
}

namespace detail {
void write_log(LogType type, std::string_view message) {
    auto& s = state();
    std::shared_ptr<spdlog::logger> logger;
    bool to_syslog = false;
    {
        std::lock_guard lock(s.mutex);
        if (!s.logger) s.logger = make_logger(s.settings);
        logger = s.logger;
        to_syslog = s.settings.to_syslog;
        if (s.settings.to_topic) {
            if (s.topic_lines.size() >= kMaxTopicLines) s.topic_lines.pop_front();
            s.topic_lines.push_back({type, std::string(message)});
        }
    }
    logger->info(message);
    if (to_syslog) {
        syslog(syslog_priority(type), "%.*s", static_cast<int>(message.size()), message.data());
    }
}
}  // namespace detail

}  // namespace lampi
