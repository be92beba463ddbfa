// A log file with supervisord's size-based rotation (loggers.RotatingFileHandler): when a write
// would pass `maxbytes`, path.N-1 -> path.N ... path -> path.1 and a fresh file is opened; with
// backups == 0 the file is truncated instead; maxbytes == 0 never rotates. An empty path
// discards everything. Owns its descriptor; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lampi::supervisor {

class LogFile {
  public:
    LogFile() = default;
    LogFile(std::string path, int64_t maxbytes, int backups);
    ~LogFile();
    LogFile(const LogFile&) = delete;
    LogFile& operator=(const LogFile&) = delete;
    LogFile(LogFile&& other) noexcept;
    LogFile& operator=(LogFile&& other) noexcept;

    // False (and errno set) if the file could not be opened.
    bool open();
    void write(std::string_view data);
    void reopen();  // after external rotation (SIGUSR2)
    const std::string& path() const { return path_; }

  private:
    void rotate();
    void close();

    std::string path_;
    int64_t maxbytes_ = 0;
    int backups_ = 0;
    int fd_ = -1;
    int64_t size_ = 0;
};

}  // namespace lampi::supervisor
