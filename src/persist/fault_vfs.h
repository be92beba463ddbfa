// FaultVfs: the store's Env-style seam. A SQLite VFS shim over the default (unix) VFS that makes
// writes, syncs and truncations fail on demand, as a full disk or a failing device would, so
// tests can prove that a failed batch leaves nothing behind and that the store recovers when the
// fault clears. Select it with StoreOptions::vfs = FaultVfs::kName. Reads never fail.
// Thread-safe: the fault settings are atomics; any thread may change them at any time.
#pragma once

#include <atomic>
#include <cstdint>

namespace lampi::persist {

class FaultVfs {
  public:
    static constexpr const char* kName = "lampi-fault";

    enum class Fault {
        None,
        DiskFull,  // SQLITE_FULL, as from ENOSPC
        IoError,   // SQLITE_IOERR_WRITE / _FSYNC / _TRUNCATE, as from EIO
        Corrupt,   // SQLITE_CORRUPT: an error a retry cannot fix (ApplyError::Permanent)
    };

    // Registers the shim with SQLite on first use (never as the default VFS).
    static FaultVfs& instance();

    // From now on, let `ok_writes` more writes through, then fail every write, sync and
    // truncate with `fault` until clear().
    void inject(Fault fault, std::int64_t ok_writes = 0) {
        ok_writes_.store(ok_writes);
        fault_.store(fault);
    }
    void clear() { fault_.store(Fault::None); }

    std::uint64_t writes() const { return writes_.load(); }      // writes/syncs let through so far
    std::uint64_t failures() const { return failures_.load(); }  // calls failed so far

    // Internal, for the shim's callbacks: the error to return for this call, or 0.
    int next_error(int io_error_code);

  private:
    FaultVfs() = default;

    std::atomic<Fault> fault_{Fault::None};
    std::atomic<std::int64_t> ok_writes_{0};
    std::atomic<std::uint64_t> writes_{0};
    std::atomic<std::uint64_t> failures_{0};
};

}  // namespace lampi::persist
