#include "persist/fault_vfs.h"

#include <sqlite3.h>

#include "base/check.h"

namespace lampi::persist {
namespace {

// The file object SQLite allocates for us: our header, then the real VFS's file object.
struct FaultFile {
    sqlite3_file base;
    sqlite3_file* real;
};

sqlite3_vfs* g_root = nullptr;

sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f)->real; }
const sqlite3_io_methods* m(sqlite3_file* f) { return real(f)->pMethods; }

// ---- io methods: forward everything; writes, syncs and truncations may fail. ----

int x_close(sqlite3_file* f) { return m(f)->xClose(real(f)); }
int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
    return m(f)->xRead(real(f), buf, n, off);
}
int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
    if (const int rc = FaultVfs::instance().next_error(SQLITE_IOERR_WRITE)) return rc;
    return m(f)->xWrite(real(f), buf, n, off);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (const int rc = FaultVfs::instance().next_error(SQLITE_IOERR_TRUNCATE)) return rc;
    return m(f)->xTruncate(real(f), size);
}
int x_sync(sqlite3_file* f, int flags) {
    if (const int rc = FaultVfs::instance().next_error(SQLITE_IOERR_FSYNC)) return rc;
    return m(f)->xSync(real(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return m(f)->xFileSize(real(f), size); }
int x_lock(sqlite3_file* f, int lock) { return m(f)->xLock(real(f), lock); }
int x_unlock(sqlite3_file* f, int lock) { return m(f)->xUnlock(real(f), lock); }
int x_check_reserved_lock(sqlite3_file* f, int* out) {
    return m(f)->xCheckReservedLock(real(f), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
    return m(f)->xFileControl(real(f), op, arg);
}
int x_sector_size(sqlite3_file* f) { return m(f)->xSectorSize(real(f)); }
int x_device_characteristics(sqlite3_file* f) { return m(f)->xDeviceCharacteristics(real(f)); }
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    return m(f)->xShmMap(real(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return m(f)->xShmLock(real(f), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* f) { m(f)->xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int delete_flag) { return m(f)->xShmUnmap(real(f), delete_flag); }
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
    return m(f)->xFetch(real(f), off, n, out);
}
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
    return m(f)->xUnfetch(real(f), off, p);
}

const sqlite3_io_methods kIoMethods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

// ---- vfs methods: forward to the root VFS (passing the root, whose pAppData it expects). ----

int v_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
    auto* f = reinterpret_cast<FaultFile*>(file);
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    const int rc = g_root->xOpen(g_root, name, f->real, flags, out_flags);
    // SQLite calls xClose only if pMethods is set; mirror whether the real file needs closing.
    f->base.pMethods = f->real->pMethods != nullptr ? &kIoMethods : nullptr;
    return rc;
}
int v_delete(sqlite3_vfs*, const char* name, int sync_dir) {
    return g_root->xDelete(g_root, name, sync_dir);
}
int v_access(sqlite3_vfs*, const char* name, int flags, int* out) {
    return g_root->xAccess(g_root, name, flags, out);
}
int v_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
    return g_root->xFullPathname(g_root, name, n, out);
}
void* v_dl_open(sqlite3_vfs*, const char* name) { return g_root->xDlOpen(g_root, name); }
void v_dl_error(sqlite3_vfs*, int n, char* out) { g_root->xDlError(g_root, n, out); }
void (*v_dl_sym(sqlite3_vfs*, void* lib, const char* sym))(void) {
    return g_root->xDlSym(g_root, lib, sym);
}
void v_dl_close(sqlite3_vfs*, void* lib) { g_root->xDlClose(g_root, lib); }
int v_randomness(sqlite3_vfs*, int n, char* out) { return g_root->xRandomness(g_root, n, out); }
int v_sleep(sqlite3_vfs*, int us) { return g_root->xSleep(g_root, us); }
int v_current_time(sqlite3_vfs*, double* out) { return g_root->xCurrentTime(g_root, out); }
int v_get_last_error(sqlite3_vfs*, int n, char* out) {
    return g_root->xGetLastError(g_root, n, out);
}
int v_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
    return g_root->xCurrentTimeInt64(g_root, out);
}

}  // namespace

FaultVfs& FaultVfs::instance() {
    static FaultVfs* const vfs = [] {
        g_root = sqlite3_vfs_find(nullptr);
        LAMPI_CHECK(g_root != nullptr && g_root->iVersion >= 2);
        static sqlite3_vfs shim{};
        shim.iVersion = 2;
        shim.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_root->szOsFile;
        shim.mxPathname = g_root->mxPathname;
        shim.zName = kName;
        shim.xOpen = v_open;
        shim.xDelete = v_delete;
        shim.xAccess = v_access;
        shim.xFullPathname = v_full_pathname;
        shim.xDlOpen = v_dl_open;
        shim.xDlError = v_dl_error;
        shim.xDlSym = v_dl_sym;
        shim.xDlClose = v_dl_close;
        shim.xRandomness = v_randomness;
        shim.xSleep = v_sleep;
        shim.xCurrentTime = v_current_time;
        shim.xGetLastError = v_get_last_error;
        shim.xCurrentTimeInt64 = v_current_time_int64;
        LAMPI_CHECK(sqlite3_vfs_register(&shim, 0) == SQLITE_OK);
        return new FaultVfs();
    }();
    return *vfs;
}

int FaultVfs::next_error(int io_error_code) {
    const Fault fault = fault_.load();
    if (fault == Fault::None || ok_writes_.fetch_sub(1) > 0) {
        writes_.fetch_add(1);
        return 0;
    }
    failures_.fetch_add(1);
    switch (fault) {
        case Fault::DiskFull:
            return SQLITE_FULL;
        case Fault::Corrupt:
            return SQLITE_CORRUPT;
        default:
            return io_error_code;
    }
}

}  // namespace lampi::persist
