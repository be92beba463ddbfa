// Topic names and filters: validation and matching (MQTT 3.1.1 section 4.7, MQTT 5 section 4.7).
// Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace lampi::topic {

// A topic name for PUBLISH: non-empty, no '+' or '#', at most 65535 bytes, valid UTF-8.
bool is_valid_topic_name(std::string_view name);

// A topic filter for SUBSCRIBE: non-empty; '#' only as the whole last level; '+' only as a whole
// level; valid UTF-8. `$share/` filters are validated by parse_shared_filter.
bool is_valid_topic_filter(std::string_view filter);

// True when `name` matches `filter`. Names starting with '$' are not matched by a filter whose
// first level is a wildcard (section 4.7.2).
bool matches(std::string_view filter, std::string_view name);

// `$share/<group>/<filter>` (MQTT 5 section 4.8.2). On success fills group and filter.
// Returns false for a non-shared filter; `valid` says whether a shared one is well-formed
// (group non-empty, no wildcards in it, filter present and valid).
struct SharedFilter {
    bool is_shared = false;
    bool valid = false;
    std::string_view group;
    std::string_view filter;
};
SharedFilter parse_shared_filter(std::string_view filter);

}  // namespace lampi::topic
