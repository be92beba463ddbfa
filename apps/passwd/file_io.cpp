#include "passwd/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace lampi::passwd {
namespace {

bool write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        done += static_cast<std::size_t>(n);
    }
    return true;
}

bool fail(std::string& why) {
    why = std::strerror(errno);
    return false;
}

bool rewrite_in_place(const std::string& path, const std::string& text, std::string& why) {
    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return fail(why);
    bool ok = write_all(fd, text) && ::fsync(fd) == 0;
    int saved = errno;
    ::close(fd);
    errno = saved;
    return ok || fail(why);
}

// fopen(path, "w") as mosquitto_passwd 2.0.11 creates files: 0666 minus the umask. Not 0600: the
// broker reads the file after dropping root privileges (to user "mosquitto"), so a root-owned
// 0600 file written by `sudo lampi-passwd -c` would lock it out. Use `umask 077` for private.
mode_t new_file_mode() {
    mode_t mask = ::umask(0);
    ::umask(mask);
    return 0666 & ~mask;
}

}  // namespace

bool resolve_path(const std::string& path, std::string& resolved) {
    char* real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr) {
        if (errno != ENOENT) return false;
        resolved = path;
        return true;
    }
    resolved = real;
    std::free(real);
    return true;
}

bool read_for_update(const std::string& path, std::string& text, std::string& why) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return fail(why);
    text.clear();
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int saved = errno;
            ::close(fd);
            errno = saved;
            return fail(why);
        }
        if (n == 0) break;
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return true;
}

bool replace_file(const std::string& path, const std::string& text, bool must_exist,
                  std::string& why) {
    struct stat old {};
    bool exists = ::stat(path.c_str(), &old) == 0;
    if (!exists && must_exist) return fail(why);

    std::vector<char> tmp(path.begin(), path.end());
    const char suffix[] = ".XXXXXX";
    tmp.insert(tmp.end(), suffix, suffix + sizeof suffix);  // includes the '\0'
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) {
        if (exists && S_ISREG(old.st_mode) && (errno == EACCES || errno == EROFS)) {
            return rewrite_in_place(path, text, why);
        }
        return fail(why);
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    mode_t mode = exists && S_ISREG(old.st_mode) ? (old.st_mode & 07777) : new_file_mode();
    bool ok = ::fchmod(fd, mode) == 0;
    if (ok && exists && S_ISREG(old.st_mode) && (old.st_uid != ::geteuid())) {
        (void)!::fchown(fd, old.st_uid, old.st_gid);  // best effort: only root may
    }
    ok = ok && write_all(fd, text) && ::fsync(fd) == 0;
    int saved = errno;
    ::close(fd);
    if (ok && ::rename(tmp.data(), path.c_str()) == 0) return true;
    if (ok) saved = errno;
    ::unlink(tmp.data());
    errno = saved;
    return fail(why);
}

}  // namespace lampi::passwd
