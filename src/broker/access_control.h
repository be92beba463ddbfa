// What the broker asks of authentication and authorisation (implemented over Mosquitto's
// password and ACL files by auth/, adapted in server/). Implementations are immutable and
// thread-safe; a reload builds a new one and swaps it into the AccessControlSlot that the
// listener's connections share, so a tightened ACL applies to clients already connected.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace lampi::broker {

enum class AccessKind { Read, Write, Subscribe };

struct ClientIdentity {
    std::string_view client_id;
    const std::optional<std::string>* username = nullptr;
    bool bridge = false;
};

class AccessControl {
  public:
    virtual ~AccessControl() = default;
    // CONNECT credentials: an MQTT 5 reason code, 0 when accepted.
    virtual std::uint8_t authenticate(const std::optional<std::string>& username,
                                      const std::optional<std::string>& password) const = 0;
    virtual bool has_acl() const = 0;
    // True when the client may read, write or subscribe to `topic` (a filter for Subscribe).
    virtual bool allowed(const ClientIdentity& who, std::string_view topic,
                         AccessKind kind) const = 0;
};

class AccessControlSlot {
  public:
    std::shared_ptr<const AccessControl> get() const {
        std::lock_guard lock(mutex_);
        return current_;
    }
    void set(std::shared_ptr<const AccessControl> next) {
        std::lock_guard lock(mutex_);
        current_ = std::move(next);
    }

  private:
    mutable std::mutex mutex_;
    std::shared_ptr<const AccessControl> current_;
};

}  // namespace lampi::broker
