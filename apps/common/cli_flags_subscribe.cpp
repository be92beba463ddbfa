// Flags about what lampi-sub and lampi-rr receive: subscription options, when to stop, and how
// to print each message.
#include <cstdio>
#include <cstdlib>

#include "apps/common/cli_flags.h"
#include "apps/common/message_format.h"

namespace lampi::cli {

namespace {

bool set_msg_count(FlagCall& call) {
    call.cfg.msg_count = std::atoi(call.value.c_str());
    if (call.cfg.msg_count < 1) {
        std::fprintf(stderr, "Error: Invalid message count \"%d\".\n\n", call.cfg.msg_count);
        return false;
    }
    return true;
}

bool set_timeout(FlagCall& call) {
    const int seconds = std::atoi(call.value.c_str());
    if (seconds < 1) {
        std::fprintf(stderr, "Error: Invalid timeout \"%d\".\n\n", seconds);
        return false;
    }
    call.cfg.timeout = static_cast<unsigned>(seconds);
    return true;
}

bool add_filter_out(FlagCall& call) {
    if (!valid_subscribe_topic(call.value)) {
        std::fprintf(stderr,
                     "Error: Invalid filter topic '%s', are all '+' and '#' wildcards correct?\n",
                     call.value.c_str());
        return false;
    }
    call.cfg.filter_outs.push_back(call.value);
    return true;
}

bool add_unsubscribe(FlagCall& call) {
    if (!valid_subscribe_topic(call.value)) {
        std::fprintf(stderr,
                     "Error: Invalid unsubscribe topic '%s', are all '+' and '#' wildcards "
                     "correct?\n",
                     call.value.c_str());
        return false;
    }
    call.cfg.unsub_topics.push_back(call.value);
    return true;
}

// --random-filter PERCENT, stored as ten times the percentage, the scale mosquitto_sub's parser
// uses; print_message compares it with rand() % 10000.
bool set_random_filter(FlagCall& call) {
    call.cfg.random_filter = static_cast<int>(10.0 * std::atof(call.value.c_str()));
    if (call.cfg.random_filter > 10000 || call.cfg.random_filter < 1) {
        std::fprintf(stderr, "Error: --random-filter chance must be between 0.1-100.0\n\n");
        return false;
    }
    return true;
}

bool set_format(FlagCall& call) {
    if (!check_format(call.value)) return false;
    call.cfg.format = call.value;
    return true;
}

constexpr unsigned kReceivers = kSub | kRr;

constexpr FlagSpec kSubscribeFlags[] = {
    // Subscription options.
    {"-U", "--unsubscribe", kSub, "unsubscribe topic", nullptr, add_unsubscribe},
    {"-R", nullptr, kReceivers, nullptr, nullptr, enable<&Config::no_retain>},
    {"--retain-as-published", nullptr, kReceivers, nullptr, nullptr,
     enable<&Config::retain_as_published>},
    {"--retained-only", nullptr, kSub, nullptr, nullptr, enable<&Config::retained_only>},
    {"--remove-retained", nullptr, kSub, nullptr, nullptr, enable<&Config::remove_retained>},
    // When to stop.
    {"-C", nullptr, kSub, "count", nullptr, set_msg_count},
    {"-W", nullptr, kReceivers, "timeout", nullptr, set_timeout},
    {"-E", nullptr, kSub, nullptr, nullptr, enable<&Config::exit_after_sub>},
    // Which messages to print, and how.
    {"-T", "--filter-out", kSub, "topic filter", nullptr, add_filter_out},
    {"--random-filter", nullptr, kSub, "chance", nullptr, set_random_filter},
    {"-v", "--verbose", kReceivers, nullptr, nullptr, enable<&Config::verbose>},
    {"-F", nullptr, kReceivers, "format", nullptr, set_format},
    {"-N", nullptr, kReceivers, nullptr, nullptr, disable<&Config::eol>},
    {"--pretty", nullptr, kReceivers, nullptr, nullptr, enable<&Config::pretty>},
};

}  // namespace

std::span<const FlagSpec> subscribe_flags() { return kSubscribeFlags; }

}  // namespace lampi::cli
