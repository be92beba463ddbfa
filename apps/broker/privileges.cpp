#include "privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include "base/log.h"

namespace lampi::apps {

bool drop_privileges(const std::string& user) {
    if (::geteuid() != 0 || user.empty()) return true;
    const passwd* pw = ::getpwnam(user.c_str());
    if (pw == nullptr) {
        log(LogType::Warning,
            "Warning: Unable to drop privileges to '{}' because this user does not exist. "
            "Running as root.",
            user);
        return true;
    }
    if (::initgroups(pw->pw_name, pw->pw_gid) != 0 || ::setgid(pw->pw_gid) != 0 ||
        ::setuid(pw->pw_uid) != 0) {
        log(LogType::Error, "Error: Unable to drop privileges to '{}'.", user);
        return false;
    }
    return true;
}

}  // namespace lampi::apps
