#include "auth/password_file.h"

#include "auth/text.h"

namespace lampi::auth {
namespace {

// A fixed salt for the dummy check that keeps unknown users as slow as known ones.
const PasswordHash& dummy_hash() {
    static const PasswordHash h = [] {
        PasswordHash d;
        d.type = HashType::Sha512Pbkdf2;
        d.iterations = kDefaultIterations;
        d.salt.assign(kSaltLength, 0x5a);
        d.hash.assign(kHashLength, 0);
        return d;
    }();
    return h;
}

}  // namespace

Loaded<PasswordFile> PasswordFile::load(const std::string& path) {
    return load_text_file<PasswordFile>(path);
}

Loaded<PasswordFile> PasswordFile::load_from_string(std::string_view text,
                                                    const std::string& name) {
    Loaded<PasswordFile> result;
    for_each_colon_entry(
        text, name, result.warnings,
        [&](const std::string& where, std::string_view user,
            std::optional<std::string_view> stored) {
            if (user.size() > kMaxField) {
                result.warnings.push_back(where + "username too long, entry ignored");
                return;
            }
            if (!stored) {
                result.warnings.push_back(where + "missing password hash for user " +
                                          std::string(user) + ", entry ignored");
                return;
            }
            if (stored->size() > kMaxField) {
                result.warnings.push_back(where + "password too long, entry ignored");
                return;
            }
            ParsedHash parsed = parse_password_hash(*stored);
            if (!parsed.hash) {
                result.warnings.push_back(where + parsed.error + " for user " + std::string(user) +
                                          ", entry ignored");
                return;
            }
            result.value.users_.insert_or_assign(std::string(user), std::move(*parsed.hash));
        });
    return result;
}

bool PasswordFile::check(std::string_view username, std::string_view password) const {
    auto it = users_.find(username);
    if (it == users_.end()) {
        (void)dummy_hash().verify(password);
        return false;
    }
    return it->second.verify(password);
}

bool PasswordFile::has_user(std::string_view username) const {
    return users_.find(username) != users_.end();
}

}  // namespace lampi::auth
