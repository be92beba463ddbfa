// A small reader for supervisord's ini dialect (Python's RawConfigParser as supervisor configures
// it): `key = value` or `key: value`, keys lower-cased, `;`/`#` comment lines, inline comments
// after whitespace, indented continuation lines. Every section and entry keeps its file and line
// so configuration errors can be reported as `file:line`. Pure functions; thread-compatible.
//
// Why not inih: Debian's libinih is built without INI_HANDLER_LINENO, so its handler never sees
// the line of a key (only the first syntax error's line is returned), and it does not strip `#`
// inline comments the way supervisor does. Both matter for `file:line: [section] key` errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace lampi::supervisor {

struct IniEntry {
    std::string key;  // lower-cased
    std::string value;
    int line = 0;
};

struct IniSection {
    std::string name;  // as written between the brackets, trimmed
    std::string file;
    int line = 0;
    std::vector<IniEntry> entries;

    // The last entry named `key` (supervisor lets later duplicates win), or nullptr.
    const IniEntry* find(std::string_view key) const;
};

// Appends the sections of `text` to `sections`; syntax errors go to `errors` as
// "file:line: message". Sections of the same name are kept separately (the caller merges).
void parse_ini(std::string_view text, const std::string& file, std::vector<IniSection>& sections,
               std::vector<std::string>& errors);

}  // namespace lampi::supervisor
