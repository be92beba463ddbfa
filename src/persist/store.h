// The durable store: broker state in one SQLite file in WAL mode. Ops are applied in batches,
// one transaction per batch; once apply() returns true the batch survives a kill -9 of the
// process (and, with Synchronous::Full, a power loss). Messages nothing refers to any more are
// deleted by the store itself (reference counts kept by SQL triggers, collected per batch).
// Thread-safety: none. One Store has one user at a time (the GroupCommitter thread once it
// runs); a second process opening the same file is not supported.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <variant>

#include "persist/records.h"

struct sqlite3;

namespace lampi::persist {

// The schema this build writes. Older files are upgraded on open; newer ones are refused.
inline constexpr int kSchemaVersion = 1;

enum class Synchronous {
    Normal,  // WAL default: a committed batch survives a process crash (kill -9), not power loss
    Full,    // fsync on every commit: also survives power loss / kernel panic, slower
};

struct StoreOptions {
    Synchronous synchronous = Synchronous::Normal;
    int busy_timeout_ms = 5000;
    // Checkpoint the WAL into the main file once it holds this many pages (4 KiB each). The
    // default lets the WAL grow to ~32 MB: fewer checkpoints (and fsyncs) at high message rates.
    int wal_autocheckpoint_pages = 8000;
    bool quick_check = true;  // PRAGMA quick_check on open: O(file size), refuses a corrupt file
    // Name of a registered SQLite VFS to use (empty = the default). Tests pass FaultVfs's name
    // to make writes fail on demand; see fault_vfs.h.
    std::string vfs;
};

// Why apply() failed. Transient errors (disk full, I/O error, read-only file, busy) may go
// away; the caller can retry the same batch. Anything else is unlikely to succeed on retry.
enum class ApplyError { None, Transient, Permanent };

class Store {
  public:
    // Opens the store at `path`, creating it if absent. Returns an error message (never throws)
    // when the file cannot be opened, is not a SQLite database, fails quick_check, is not a lampi
    // store, or has a schema newer than kSchemaVersion ("<path>: store version N is newer than
    // this lampi (M)"). On error the file is left exactly as it was: nothing is written before
    // these checks pass.
    static std::variant<std::unique_ptr<Store>, std::string> open(const std::string& path,
                                                                  const StoreOptions& options);

    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    // Everything, for start-up restore. Error message on I/O failure.
    std::variant<Snapshot, std::string> load();

    // Applies `batch` in order in one transaction. Returns true once it is committed. On failure
    // nothing of the batch is kept (rolled back), `*error` (if not null) says why and
    // last_error_kind() whether a retry may help. The store stays usable after a failure.
    bool apply(std::span<const Op> batch, std::string* error);
    ApplyError last_error_kind() const { return last_error_kind_; }

    const std::string& path() const { return path_; }

    class Statements;  // the cached prepared statements (store.cpp)

  private:
    Store(std::string path, sqlite3* db);

    std::string path_;
    sqlite3* db_;
    std::unique_ptr<Statements> statements_;
    ApplyError last_error_kind_ = ApplyError::None;
};

// Moves a store that cannot be opened out of the way, with its -wal and -shm files, to
// "<path>.corrupt-<unix seconds>" (plus "-N" if taken), so the broker can start with a fresh
// store (the broker's --fresh-store style option). Never deletes anything. Returns the new
// path of the main file, or an error message.
std::variant<std::filesystem::path, std::string> move_aside(const std::string& path);

}  // namespace lampi::persist
