#include "auth/passwd_edit.h"

#include <optional>
#include <vector>

#include "auth/text.h"

namespace lampi::auth::passwd {
namespace {

// One line as mosquitto_passwd's pwfile_iterate sees it.
struct Line {
    std::string_view raw;  // including its '\n' when it has one
    std::string_view username;
    std::string_view password;  // up to the next ':', trimmed
};

// strtok(buf, ":") twice, then trim both; nullopt when either part is missing or empty.
std::optional<Line> parse_line(std::string_view raw) {
    std::string_view s = raw;
    std::size_t pos = s.find_first_not_of(':');
    if (pos == std::string_view::npos) return std::nullopt;
    std::size_t end = s.find(':', pos);
    if (end == std::string_view::npos) return std::nullopt;
    std::string_view user = s.substr(pos, end - pos);
    pos = s.find_first_not_of(':', end);
    if (pos == std::string_view::npos) return std::nullopt;
    end = s.find(':', pos);
    std::string_view password =
        s.substr(pos, end == std::string_view::npos ? s.size() - pos : end - pos);
    Line line{raw, trim_blanks(user), trim_blanks(password)};
    if (line.username.empty() || line.password.empty()) return std::nullopt;
    return line;
}

// Splits into lines that keep their '\n'. An empty text has no lines.
std::vector<std::string_view> raw_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::size_t len = end == std::string_view::npos ? text.size() : end + 1;
        lines.push_back(text.substr(0, len));
        text.remove_prefix(len);
    }
    return lines;
}

std::string corrupt(std::size_t number) {
    return "Error: Corrupt password file at line " + std::to_string(number) + ".";
}

// "user:hash\n", or nullopt when hashing failed.
std::optional<std::string> new_line(std::string_view username, std::string_view password,
                                    const Hasher& hasher) {
    std::string hash = hasher(password);
    if (hash.empty()) return std::nullopt;
    return std::string(username) + ":" + hash + "\n";
}

void append_line(std::string& text, const std::string& line) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += line;
}

EditResult failure(std::string message) {
    EditResult r;
    r.error = std::move(message);
    return r;
}

const char* const kHashError = "Error: Unable to hash password.";

}  // namespace

EditResult set_password(std::string_view text, std::string_view username, std::string_view password,
                        const Hasher& hasher) {
    EditResult result;
    bool found = false;
    std::size_t number = 0;
    for (std::string_view raw : raw_lines(text)) {
        ++number;
        auto line = parse_line(raw);
        // mosquitto_passwd 2.0.11 here drops this line and all after it, appends the user and
        // exits 0; lampi refuses instead, leaving the file as it was.
        if (!line) return failure(corrupt(number));
        if (line->username != username) {
            result.text += raw;
            continue;
        }
        found = true;
        auto replacement = new_line(username, password, hasher);
        if (!replacement) return failure(kHashError);
        append_line(result.text, *replacement);
    }
    if (!found) {
        auto added = new_line(username, password, hasher);
        if (!added) return failure(kHashError);
        append_line(result.text, *added);
    }
    result.ok = true;
    return result;
}

EditResult delete_user(std::string_view text, std::string_view username) {
    EditResult result;
    bool found = false;
    std::size_t number = 0;
    for (std::string_view raw : raw_lines(text)) {
        ++number;
        auto line = parse_line(raw);
        if (!line) {
            std::string message = corrupt(number);
            if (!found) {
                message +=
                    "\nWarning: User " + std::string(username) + " not found in password file.";
            }
            return failure(message);
        }
        if (line->username == username) {
            found = true;
        } else {
            result.text += raw;
        }
    }
    if (!found) {
        return failure("Warning: User " + std::string(username) + " not found in password file.");
    }
    result.ok = true;
    return result;
}

EditResult upgrade_plaintext(std::string_view text, const Hasher& hasher) {
    EditResult result;
    std::size_t number = 0;
    for (std::string_view raw : raw_lines(text)) {
        ++number;
        auto line = parse_line(raw);
        if (!line) return failure(corrupt(number));
        auto replacement = new_line(line->username, line->password, hasher);
        if (!replacement) return failure(kHashError);
        result.text += *replacement;
    }
    if (number == 0) return failure("");  // mosquitto_passwd: exit 1, nothing printed
    result.ok = true;
    return result;
}

}  // namespace lampi::auth::passwd
