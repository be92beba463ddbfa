// Mosquitto's acl_file (mosquitto.conf(5) "acl_file"; Mosquitto 2.0.11 security_default.c).
// Immutable after load; allowed() is const and safe from any number of threads; it does not
// allocate.
//
// File format, read exactly as Mosquitto reads it (a file Mosquitto rejects is an error here):
//   # comment                     only when '#' is the first character of the line
//   topic [read|write|readwrite|deny] <filter>   access defaults to readwrite
//   user <username>               following `topic` lines apply to this user
//   pattern [read|write|readwrite|deny] <filter> applies to every client; whole levels "%c"
//                                 and "%u" stand for the client id and the username
// Words are separated by single spaces (a tab after a keyword makes an invalid line); the
// filter is the rest of the line, trimmed, and may contain spaces. `topic` lines before any
// `user` line apply to clients without a username. Errors are "file:line: message", all of them.
//
// Decisions (Mosquitto 2.0.11 behaviour unless said otherwise):
//   - A client's own list (its `user` section, or the anonymous section) is tried first, then
//     the patterns. In each list a matching `deny` wins over any allow in that same list, so a
//     user's `topic readwrite a/#` still beats a `pattern deny a/%c`.
//   - Read and Write are checked against the topic name of the message (PUBLISH in: Write;
//     each delivery, retained messages included: Read), with the ACL entry used as a
//     subscription filter (lampi::topic::matches). A name starting with '$' ($SYS/...) only
//     matches entries that start with '$' too.
//   - Subscribe and Unsubscribe are always allowed: Mosquitto 2.0.11's acl_file does not check
//     subscriptions (verified against /usr/sbin/mosquitto: SUBACK grants any filter), and the
//     Read check at delivery is what protects messages. So `$share/<group>/<filter>` needs no
//     special case: its messages are checked by their topic names, like any other.
//   - With patterns present, a client whose id or username contains '+' or '#' is refused by
//     the patterns (its own list still applies).
//   - A "%c"/"%u" level must equal the whole client id / username. Lampi does not copy
//     Mosquitto's partial compare, which lets username "a/b" match the level "a" of "a/b/...".
//   - A pattern mentioning "%u" anywhere is skipped for clients without a username; an empty
//     client id or username never matches "%c"/"%u".
//   - Bridge connections (ClientInfo::bridge) are not checked at all, as in Mosquitto.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/loaded.h"

namespace lampi::auth {

// Mosquitto 2's MOSQ_ACL_* values.
enum class Access : std::uint8_t { Read = 1, Write = 2, Subscribe = 4, Unsubscribe = 8 };

// Who asks. Views must stay valid for the duration of the call only.
struct ClientInfo {
    std::string_view client_id;
    std::optional<std::string_view> username;  // nullopt: connected without a username
    bool bridge = false;                       // a bridge's local connection: never checked
};

class AclFile {
  public:
    AclFile() = default;

    static Loaded<AclFile> load(const std::string& path);
    // Parses `text` as if it were the file `name` (tests, fuzzing).
    static Loaded<AclFile> load_from_string(std::string_view text, const std::string& name);

    // Whether `client` may do `access` on `topic` (a topic name for Read/Write).
    bool allowed(const ClientInfo& client, std::string_view topic, Access access) const;

  private:
    struct Rule {
        std::string filter;
        std::uint8_t access = 0;  // Access bits; 0 = deny
        bool mentions_username = false;
    };
    struct RuleList {
        std::vector<Rule> denies;  // tried first: Mosquitto puts `deny` lines at the front
        std::vector<Rule> allows;
        bool empty() const { return denies.empty() && allows.empty(); }
        void add(Rule rule);
    };
    enum class Verdict { Allow, Deny, NoMatch };

    static Verdict check_topics(const RuleList& list, std::string_view topic, std::uint8_t access);
    Verdict check_patterns(const ClientInfo& client, std::string_view topic,
                           std::uint8_t access) const;

    RuleList anonymous_;
    std::map<std::string, RuleList, std::less<>> users_;
    RuleList patterns_;

    friend class AclFileParser;
};

}  // namespace lampi::auth
