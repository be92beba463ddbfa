// broker::AccessControl over Mosquitto's password and ACL files (auth::Authoriser).
#pragma once

#include <memory>

#include "auth/authoriser.h"
#include "broker/access_control.h"

namespace lampi::server {

class AuthAccess final : public broker::AccessControl {
  public:
    explicit AuthAccess(std::shared_ptr<const auth::Authoriser> authoriser)
        : authoriser_(std::move(authoriser)) {}

    std::uint8_t authenticate(const std::optional<std::string>& username,
                              const std::optional<std::string>& password) const override;
    bool has_acl() const override { return authoriser_->acl_file().has_value(); }
    bool allowed(const broker::ClientIdentity& who, std::string_view topic,
                 broker::AccessKind kind) const override;

  private:
    std::shared_ptr<const auth::Authoriser> authoriser_;
};

}  // namespace lampi::server
