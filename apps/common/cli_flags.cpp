// The argument loop over the flag tables: look the flag up, check the tool, consume the value.
#include "apps/common/cli_flags.h"

#include <cstdio>

namespace lampi::cli {

namespace {

unsigned tool_bit(Tool tool) {
    switch (tool) {
        case Tool::Pub:
            return kPub;
        case Tool::Sub:
            return kSub;
        default:
            return kRr;
    }
}

const FlagSpec* find_in(std::span<const FlagSpec> table, const std::string& arg) {
    for (const FlagSpec& spec : table) {
        if (arg == spec.name || (spec.alias != nullptr && arg == spec.alias)) return &spec;
    }
    return nullptr;
}

const FlagSpec* find_flag(const std::string& arg) {
    for (auto table : {connection_flags(), tls_flags(), publish_flags(), subscribe_flags()}) {
        if (const FlagSpec* spec = find_in(table, arg)) return spec;
    }
    return nullptr;
}

// One flag at args[i]; on success `i` indexes the last word it consumed.
bool parse_flag(Config& cfg, const Args& args, std::size_t& i, ParseStatus& stop) {
    const FlagSpec* spec = find_flag(args[i]);
    if (spec == nullptr || (spec->tools & tool_bit(cfg.tool)) == 0) {
        std::fprintf(stderr, "Error: Unknown option '%s'.\n", args[i].c_str());
        return false;
    }
    if (spec->check != nullptr && !spec->check(cfg)) return false;
    static const std::string kNoValue;
    const std::string* value = &kNoValue;
    if (spec->value_name != nullptr) {
        if (i + 1 >= args.size()) {
            std::fprintf(stderr, "Error: %s argument given but no %s specified.\n\n", spec->name,
                         spec->value_name);
            return false;
        }
        value = &args[++i];
    }
    FlagCall call{cfg, *value, args, i, stop};
    return spec->handle(call);
}

}  // namespace

bool parse_flags(Config& cfg, const Args& args, ParseStatus& stop) {
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (!parse_flag(cfg, args, i, stop)) return false;
    }
    return true;
}

}  // namespace lampi::cli
