// Internal to persist: a thin RAII layer over the SQLite C API (prepared statements, exec).
// Not thread-safe; a Statement belongs to the connection that prepared it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lampi::persist::detail {

// "<message>[ (<generic message>)][: <strerror of the OS error>]" for a failed call on `db`.
inline std::string describe(sqlite3* db, int rc) {
    std::string out = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (out != sqlite3_errstr(rc)) out += std::string(" (") + sqlite3_errstr(rc) + ")";
    // The OS error is only meaningful (not stale) for errors that come from the file system.
    const int primary = rc & 0xff;
    const bool from_os = primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR ||
                         primary == SQLITE_FULL || primary == SQLITE_PERM;
    const int system_errno = db != nullptr && from_os ? sqlite3_system_errno(db) : 0;
    if (system_errno != 0) out += std::string(": ") + std::strerror(system_errno);
    return out;
}

// Runs SQL without results. Returns the SQLite result code; fills *error on failure.
inline int exec(sqlite3* db, const char* sql, std::string* error) {
    char* msg = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
    if (rc != SQLITE_OK && error != nullptr) {
        *error = msg != nullptr ? std::string(msg) : std::string(sqlite3_errstr(rc));
    }
    sqlite3_free(msg);
    return rc;
}

// subscription_ids are stored as a blob of 4-byte little-endian integers.
inline std::string encode_u32_list(const std::vector<std::uint32_t>& values) {
    std::string out;
    out.reserve(values.size() * 4);
    for (std::uint32_t v : values) {
        for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(v >> shift));
    }
    return out;
}

inline std::vector<std::uint32_t> decode_u32_list(std::string_view bytes) {
    std::vector<std::uint32_t> out;
    out.reserve(bytes.size() / 4);
    for (std::size_t i = 0; i + 4 <= bytes.size(); i += 4) {
        std::uint32_t v = 0;
        for (int k = 3; k >= 0; --k) {
            v = (v << 8) | static_cast<unsigned char>(bytes[i + static_cast<std::size_t>(k)]);
        }
        out.push_back(v);
    }
    return out;
}

class Statement {
  public:
    Statement() = default;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
    Statement& operator=(Statement&& other) noexcept {
        std::swap(stmt_, other.stmt_);
        return *this;
    }
    ~Statement() { sqlite3_finalize(stmt_); }

    // `persistent` hints SQLite that the statement is cached for the life of the connection.
    int prepare(sqlite3* db, std::string_view sql, bool persistent) {
        sqlite3_finalize(stmt_);
        stmt_ = nullptr;
        return sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                  persistent ? SQLITE_PREPARE_PERSISTENT : 0, &stmt_, nullptr);
    }

    // Binding: indexes are 1-based as in SQLite. Text and blobs are copied only if needed
    // (SQLITE_STATIC): the caller keeps them alive until step() and reset().
    void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
    void bind(int i, std::uint64_t v) { bind(i, static_cast<std::int64_t>(v)); }
    void bind(int i, std::uint32_t v) { bind(i, static_cast<std::int64_t>(v)); }
    void bind(int i, std::uint16_t v) { bind(i, static_cast<std::int64_t>(v)); }
    void bind(int i, std::uint8_t v) { bind(i, static_cast<std::int64_t>(v)); }
    void bind(int i, bool v) { bind(i, static_cast<std::int64_t>(v ? 1 : 0)); }
    void bind(int i, const std::optional<std::int64_t>& v) {
        if (v) {
            bind(i, *v);
        } else {
            sqlite3_bind_null(stmt_, i);
        }
    }
    void bind_text(int i, std::string_view v) {
        sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
    }
    void bind_blob(int i, std::string_view v) {
        // A zero-length blob must not be bound as NULL: give it a non-null pointer.
        sqlite3_bind_blob64(stmt_, i, v.empty() ? "" : v.data(), v.size(), SQLITE_STATIC);
    }

    int step() { return sqlite3_step(stmt_); }
    // Runs a statement without result rows to completion and makes it reusable.
    int run() {
        int rc = sqlite3_step(stmt_);
        while (rc == SQLITE_ROW) rc = sqlite3_step(stmt_);
        reset();
        return rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    void reset() {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
    std::uint64_t uint64(int col) const { return static_cast<std::uint64_t>(int64(col)); }
    bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
    std::optional<std::int64_t> optional_int64(int col) const {
        if (is_null(col)) return std::nullopt;
        return int64(col);
    }
    std::string text(int col) const {
        // Blob access works for TEXT and BLOB columns and never converts encodings.
        const void* p = sqlite3_column_blob(stmt_, col);
        const int n = sqlite3_column_bytes(stmt_, col);
        return p != nullptr ? std::string(static_cast<const char*>(p), static_cast<size_t>(n))
                            : std::string();
    }

    explicit operator bool() const { return stmt_ != nullptr; }

  private:
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace lampi::persist::detail
