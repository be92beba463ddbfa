// Flags about the messages lampi-pub and lampi-rr send, plus -t and -q, which lampi-sub shares
// (for lampi-sub, -t adds a subscription).
#include <cstdio>
#include <cstdlib>

#include "apps/common/cli_flags.h"
#include "mqtt/codec.h"

namespace lampi::cli {

namespace {

// -f, -l, -m, -n and -s each choose where the message comes from; Mosquitto refuses a second one
// before reading the flag's value.
template <PubMode Mode>
bool claim_pub_mode(Config& cfg) {
    if (cfg.pub_mode != PubMode::None) {
        std::fprintf(stderr, "Error: Only one type of message can be sent at once.\n\n");
        return false;
    }
    cfg.pub_mode = Mode;
    return true;
}

bool set_topic(FlagCall& call) { return add_topic(call.cfg, call.value, "-t"); }

bool set_qos(FlagCall& call) {
    call.cfg.qos = std::atoi(call.value.c_str());
    if (call.cfg.qos < 0 || call.cfg.qos > 2) {
        std::fprintf(stderr, "Error: Invalid QoS given: %d\n", call.cfg.qos);
        return false;
    }
    return true;
}

bool set_repeat_count(FlagCall& call) {
    call.cfg.repeat_count = std::atoi(call.value.c_str());
    if (call.cfg.repeat_count < 1) {
        std::fprintf(stderr, "Error: --repeat argument must be >0.\n\n");
        return false;
    }
    return true;
}

bool set_repeat_delay(FlagCall& call) {
    call.cfg.repeat_delay = std::atof(call.value.c_str());
    if (call.cfg.repeat_delay < 0) {
        std::fprintf(stderr, "Error: --repeat-delay argument must be >=0.0.\n\n");
        return false;
    }
    return true;
}

bool set_response_topic(FlagCall& call) {
    if (!valid_publish_topic(call.value)) {
        std::fprintf(stderr, "Error: Invalid response topic '%s', does it contain '+' or '#'?\n",
                     call.value.c_str());
        return false;
    }
    call.cfg.response_topic = call.value;
    return true;
}

constexpr unsigned kSenders = kPub | kRr;

constexpr FlagSpec kPublishFlags[] = {
    {"-t", "--topic", kAllTools, "topic", nullptr, set_topic},
    {"-q", "--qos", kAllTools, "QoS", nullptr, set_qos},
    // Where the message comes from.
    {"-m", "--message", kSenders, "message", claim_pub_mode<PubMode::Message>,
     store<&Config::message>},
    {"-f", "--file", kSenders, "file", claim_pub_mode<PubMode::File>, store<&Config::file_input>},
    {"-s", "--stdin-file", kSenders, nullptr, claim_pub_mode<PubMode::StdinFile>, nothing_more},
    {"-n", "--null-message", kSenders, nullptr, claim_pub_mode<PubMode::Null>, nothing_more},
    {"-l", "--stdin-line", kPub, nullptr, claim_pub_mode<PubMode::StdinLine>, nothing_more},
    // How lampi-pub sends it.
    {"-r", "--retain", kPub, nullptr, nullptr, enable<&Config::retain>},
    {"--repeat", nullptr, kPub, "count", nullptr, set_repeat_count},
    {"--repeat-delay", nullptr, kPub, "time", nullptr, set_repeat_delay},
    // Where lampi-rr waits for the response.
    {"-e", nullptr, kRr, "response topic", nullptr, set_response_topic},
};

}  // namespace

std::span<const FlagSpec> publish_flags() { return kPublishFlags; }

bool add_topic(Config& cfg, const std::string& topic, const char* flag) {
    if (!mqtt::is_valid_utf8(topic)) {
        std::fprintf(stderr, "Error: Malformed UTF-8 in %s argument.\n\n", flag);
        return false;
    }
    if (cfg.tool == Tool::Sub) {
        if (!valid_subscribe_topic(topic)) {
            std::fprintf(stderr,
                         "Error: Invalid subscription topic '%s', are all '+' and '#' wildcards "
                         "correct?\n",
                         topic.c_str());
            return false;
        }
        cfg.topics.push_back(topic);
        return true;
    }
    if (!valid_publish_topic(topic)) {
        std::fprintf(stderr, "Error: Invalid publish topic '%s', does it contain '+' or '#'?\n",
                     topic.c_str());
        return false;
    }
    cfg.topic = topic;
    return true;
}

}  // namespace lampi::cli
