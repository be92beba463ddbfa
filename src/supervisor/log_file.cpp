#include "supervisor/log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <utility>

namespace lampi::supervisor {

LogFile::LogFile(std::string path, int64_t maxbytes, int backups)
    : path_(std::move(path)), maxbytes_(maxbytes), backups_(backups) {}

LogFile::~LogFile() { close(); }

LogFile::LogFile(LogFile&& other) noexcept { *this = std::move(other); }

LogFile& LogFile::operator=(LogFile&& other) noexcept {
    if (this != &other) {
        close();
        path_ = std::move(other.path_);
        maxbytes_ = other.maxbytes_;
        backups_ = other.backups_;
        fd_ = std::exchange(other.fd_, -1);
        size_ = other.size_;
    }
    return *this;
}

bool LogFile::open() {
    if (path_.empty() || fd_ >= 0) return true;
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return false;
    struct stat st {};
    size_ = fstat(fd_, &st) == 0 ? st.st_size : 0;
    return true;
}

void LogFile::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void LogFile::reopen() {
    close();
    open();
}

void LogFile::rotate() {
    close();
    if (backups_ > 0) {
        for (int i = backups_ - 1; i >= 1; --i) {
            std::string from = path_ + "." + std::to_string(i);
            std::rename(from.c_str(), (path_ + "." + std::to_string(i + 1)).c_str());
        }
        std::rename(path_.c_str(), (path_ + ".1").c_str());
    } else {
        ::truncate(path_.c_str(), 0);
    }
    size_ = 0;
    open();
}

void LogFile::write(std::string_view data) {
    if (path_.empty()) return;
    if (fd_ < 0 && !open()) return;
    if (maxbytes_ > 0 && size_ > 0 && size_ + static_cast<int64_t>(data.size()) > maxbytes_) {
        rotate();
        if (fd_ < 0) return;
    }
    while (!data.empty()) {
        ssize_t n = ::write(fd_, data.data(), data.size());
        if (n <= 0) return;  // a full disk must not stop supervision; drop the log data
        data.remove_prefix(static_cast<size_t>(n));
        size_ += n;
    }
}

}  // namespace lampi::supervisor
