#include "auth/acl_file.h"

#include "auth/text.h"
#include "topic/topic.h"

namespace lampi::auth {
namespace {

constexpr std::uint8_t kRead = static_cast<std::uint8_t>(Access::Read);
constexpr std::uint8_t kWrite = static_cast<std::uint8_t>(Access::Write);
constexpr std::uint8_t kDeny = 0;

// The next ' '-separated word from `pos` (strtok_r(…, " ")): leading spaces skipped; `pos` is
// left just past the space that ended the word, or at npos when the word ended the line.
std::optional<std::string_view> next_word(std::string_view line, std::size_t& pos) {
    if (pos == std::string_view::npos) return std::nullopt;
    std::size_t start = line.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) {
        pos = std::string_view::npos;
        return std::nullopt;
    }
    std::size_t end = line.find(' ', start);
    pos = end == std::string_view::npos ? end : end + 1;
    return line.substr(start, end == std::string_view::npos ? line.size() - start : end - start);
}

// strtok_r(NULL, "") after next_word: the rest of the line, or nothing if it is empty.
std::optional<std::string_view> rest_of_line(std::string_view line, std::size_t pos) {
    if (pos == std::string_view::npos || pos >= line.size()) return std::nullopt;
    return line.substr(pos);
}

std::optional<std::uint8_t> parse_access(std::string_view word) {
    if (word == "read") return kRead;
    if (word == "write") return kWrite;
    if (word == "readwrite") return static_cast<std::uint8_t>(kRead | kWrite);
    if (word == "deny") return kDeny;
    return std::nullopt;
}

// One level of `text` starting at `pos`; `next` is past the '/', or npos after the last level.
struct Level {
    std::string_view text;
    std::size_t next;
};
Level level_at(std::string_view text, std::size_t pos) {
    std::size_t slash = text.find('/', pos);
    if (slash == std::string_view::npos) {
        return {text.substr(pos), std::string_view::npos};
    }
    return {text.substr(pos, slash - pos), slash + 1};
}

// topic::matches with whole levels "%c" and "%u" standing for the client id and username.
bool pattern_matches(std::string_view filter, std::string_view name, const ClientInfo& client) {
    if (filter.empty() || name.empty()) return false;
    if ((name[0] == '$') != (filter[0] == '$')) return false;
    std::size_t fpos = 0;
    std::size_t npos = 0;
    while (fpos != std::string_view::npos) {
        Level f = level_at(filter, fpos);
        if (f.text == "#") return true;
        if (npos == std::string_view::npos) return false;
        Level n = level_at(name, npos);
        if (f.text == "%c") {
            if (client.client_id.empty() || n.text != client.client_id) return false;
        } else if (f.text == "%u") {
            if (!client.username || client.username->empty() || n.text != *client.username) {
                return false;
            }
        } else if (f.text != "+" && f.text != n.text) {
            return false;
        }
        fpos = f.next;
        npos = n.next;
    }
    return npos == std::string_view::npos;
}

}  // namespace

void AclFile::RuleList::add(Rule rule) {
    (rule.access == kDeny ? denies : allows).push_back(std::move(rule));
}

// Reads the file line by line into an AclFile (friend: fills its private lists).
class AclFileParser {
  public:
    AclFileParser(Loaded<AclFile>& result, const std::string& name)
        : result_(result), name_(name) {}

    void line(std::size_t number, std::string_view raw) {
        std::string_view line = trim_trailing_blanks(raw);
        if (line.empty() || line[0] == '#') return;
        where_ = name_ + ":" + std::to_string(number) + ": ";
        std::size_t pos = 0;
        auto keyword = next_word(line, pos);
        if (!keyword) return;  // only spaces
        if (*keyword == "topic" || *keyword == "pattern") {
            rule(line, pos, *keyword == "pattern");
        } else if (*keyword == "user") {
            auto rest = rest_of_line(line, pos);
            if (!rest || trim_blanks(*rest).empty()) {
                error("missing username");
                return;
            }
            user_ = std::string(trim_blanks(*rest));
            has_user_ = true;
        } else {
            error("invalid line (expected topic, pattern or user)");
        }
    }

  private:
    void rule(std::string_view line, std::size_t pos, bool is_pattern) {
        auto access_word = next_word(line, pos);
        if (!access_word) {
            error("empty topic");
            return;
        }
        std::string_view filter;
        std::uint8_t access = kRead | kWrite;
        if (auto rest = rest_of_line(line, pos)) {
            filter = trim_blanks(*rest);
            auto parsed = parse_access(*access_word);
            if (!parsed) {
                error("invalid topic access type \"" + std::string(*access_word) +
                      "\" (expected read, write, readwrite or deny)");
                return;
            }
            access = *parsed;
        } else {
            filter = *access_word;  // "topic foo": the one word is the topic
        }
        if (!topic::is_valid_topic_filter(filter)) {
            error("invalid ACL topic \"" + std::string(filter) + "\"");
            return;
        }
        AclFile::Rule r{std::string(filter), access, filter.find("%u") != std::string_view::npos};
        if (is_pattern) {
            if (!r.mentions_username && filter.find("%c") == std::string_view::npos) {
                result_.warnings.push_back(where_ + "ACL pattern \"" + r.filter +
                                           "\" does not contain %c or %u");
            }
            result_.value.patterns_.add(std::move(r));
        } else if (has_user_) {
            result_.value.users_[user_].add(std::move(r));
        } else {
            result_.value.anonymous_.add(std::move(r));
        }
    }

    void error(const std::string& message) { result_.errors.push_back(where_ + message); }

    Loaded<AclFile>& result_;
    const std::string& name_;
    std::string where_;
    std::string user_;
    bool has_user_ = false;
};

Loaded<AclFile> AclFile::load(const std::string& path) { return load_text_file<AclFile>(path); }

Loaded<AclFile> AclFile::load_from_string(std::string_view text, const std::string& name) {
    Loaded<AclFile> result;
    AclFileParser parser(result, name);
    for_each_line(text,
                  [&](std::size_t number, std::string_view line) { parser.line(number, line); });
    return result;
}

AclFile::Verdict AclFile::check_topics(const RuleList& list, std::string_view topic,
                                       std::uint8_t access) {
    for (const Rule& rule : list.denies) {
        if (topic::matches(rule.filter, topic)) return Verdict::Deny;
    }
    for (const Rule& rule : list.allows) {
        if ((rule.access & access) != 0 && topic::matches(rule.filter, topic)) {
            return Verdict::Allow;
        }
    }
    return Verdict::NoMatch;
}

AclFile::Verdict AclFile::check_patterns(const ClientInfo& client, std::string_view topic,
                                         std::uint8_t access) const {
    if (patterns_.empty()) return Verdict::NoMatch;
    // Mosquitto 2: a '+' or '#' in the id or username could widen a pattern; refuse outright.
    if ((client.username && client.username->find_first_of("+#") != std::string_view::npos) ||
        client.client_id.find_first_of("+#") != std::string_view::npos) {
        return Verdict::Deny;
    }
    auto applies = [&](const Rule& rule) { return !rule.mentions_username || client.username; };
    for (const Rule& rule : patterns_.denies) {
        if (applies(rule) && pattern_matches(rule.filter, topic, client)) return Verdict::Deny;
    }
    for (const Rule& rule : patterns_.allows) {
        if ((rule.access & access) != 0 && applies(rule) &&
            pattern_matches(rule.filter, topic, client)) {
            return Verdict::Allow;
        }
    }
    return Verdict::NoMatch;
}

bool AclFile::allowed(const ClientInfo& client, std::string_view topic, Access access) const {
    if (client.bridge) return true;
    if (access == Access::Subscribe || access == Access::Unsubscribe) return true;
    const auto bits = static_cast<std::uint8_t>(access);
    const RuleList* own = &anonymous_;
    if (client.username) {
        auto it = users_.find(*client.username);
        own = it == users_.end() ? nullptr : &it->second;
    }
    if (own != nullptr) {
        Verdict v = check_topics(*own, topic, bits);
        if (v != Verdict::NoMatch) return v == Verdict::Allow;
    }
    return check_patterns(client, topic, bits) == Verdict::Allow;
}

}  // namespace lampi::auth
