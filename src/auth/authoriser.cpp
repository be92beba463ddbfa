#include "auth/authoriser.h"

#include <utility>

namespace lampi::auth {

std::uint8_t connack_code(AuthResult result, bool mqtt5) {
    if (result == AuthResult::Accepted) return 0;
    return mqtt5 ? 0x87 : 5;
}

Authoriser::Authoriser(bool allow_anonymous, std::optional<PasswordFile> passwords,
                       std::optional<AclFile> acl)
    : allow_anonymous_(allow_anonymous), passwords_(std::move(passwords)), acl_(std::move(acl)) {}

Loaded<std::shared_ptr<const Authoriser>> Authoriser::load(const AuthSettings& settings) {
    Loaded<std::shared_ptr<const Authoriser>> result;
    std::optional<PasswordFile> passwords;
    std::optional<AclFile> acl;
    auto collect = [&](auto& loaded) {
        result.errors.insert(result.errors.end(), loaded.errors.begin(), loaded.errors.end());
        result.warnings.insert(result.warnings.end(), loaded.warnings.begin(),
                               loaded.warnings.end());
    };
    if (!settings.password_file.empty()) {
        auto loaded = PasswordFile::load(settings.password_file);
        collect(loaded);
        passwords = std::move(loaded.value);
    }
    if (!settings.acl_file.empty()) {
        auto loaded = AclFile::load(settings.acl_file);
        collect(loaded);
        acl = std::move(loaded.value);
    }
    if (result.ok()) {
        result.value = std::make_shared<const Authoriser>(settings.allow_anonymous,
                                                          std::move(passwords), std::move(acl));
    }
    return result;
}

AuthResult Authoriser::authenticate(std::optional<std::string_view> username,
                                    std::optional<std::string_view> password) const {
    if (!username || !passwords_) {
        return allow_anonymous_ ? AuthResult::Accepted : AuthResult::AnonymousRefused;
    }
    if (!passwords_->has_user(*username)) {
        (void)passwords_->check(*username, password.value_or(""));  // same cost as a known user
        return AuthResult::UnknownUser;
    }
    if (!password || !passwords_->check(*username, *password)) {
        return AuthResult::WrongPassword;
    }
    return AuthResult::Accepted;
}

bool Authoriser::authorise(const ClientInfo& client, std::string_view topic, Access access) const {
    return !acl_ || acl_->allowed(client, topic, access);
}

}  // namespace lampi::auth
