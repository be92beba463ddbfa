#include "supervisor/ini_file.h"

#include <algorithm>
#include <cctype>

namespace lampi::supervisor {
namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// Python 3 configparser: an inline comment prefix counts only after whitespace.
std::string_view strip_inline_comment(std::string_view s) {
    for (size_t i = 1; i < s.size(); ++i) {
        if ((s[i] == ';' || s[i] == '#') && std::isspace(static_cast<unsigned char>(s[i - 1]))) {
            return s.substr(0, i);
        }
    }
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

const IniEntry* IniSection::find(std::string_view key) const {
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        if (it->key == key) return &*it;
    }
    return nullptr;
}

void parse_ini(std::string_view text, const std::string& file, std::vector<IniSection>& sections,
               std::vector<std::string>& errors) {
    IniSection* current = nullptr;
    IniEntry* last_entry = nullptr;
    int line_no = 0;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        ++line_no;
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        std::string_view line = trim(raw);
        if (line.empty() || line.front() == ';' || line.front() == '#') {
            if (line.empty()) last_entry = nullptr;
            continue;
        }
        line = trim(strip_inline_comment(line));
        bool indented = std::isspace(static_cast<unsigned char>(raw.front())) != 0;
        if (indented && last_entry != nullptr) {
            last_entry->value += '\n';
            last_entry->value += line;
            continue;
        }
        if (line.front() == '[') {
            size_t close = line.find(']');
            if (close == std::string_view::npos) {
                errors.push_back(file + ":" + std::to_string(line_no) +
                                 ": section header without closing ']'");
                current = nullptr;
                last_entry = nullptr;
                continue;
            }
            sections.push_back(
                IniSection{std::string(trim(line.substr(1, close - 1))), file, line_no, {}});
            current = &sections.back();
            last_entry = nullptr;
            continue;
        }
        size_t sep = line.find_first_of("=:");
        if (current == nullptr) {
            errors.push_back(file + ":" + std::to_string(line_no) +
                             ": key outside of any [section]");
            continue;
        }
        if (sep == std::string_view::npos || trim(line.substr(0, sep)).empty()) {
            errors.push_back(file + ":" + std::to_string(line_no) + ": [" + current->name +
                             "] expected 'key = value', got '" + std::string(line) + "'");
            last_entry = nullptr;
            continue;
        }
        current->entries.push_back(IniEntry{lower(trim(line.substr(0, sep))),
                                            std::string(trim(line.substr(sep + 1))), line_no});
        last_entry = &current->entries.back();
    }
}

}  // namespace lampi::supervisor
