#include "persist/store_schema.h"

#include <sqlite3.h>

#include <string>

#include "persist/sqlite_util.h"

namespace lampi::persist::detail {
namespace {

// Schema version 1.
//
// Messages are stored once and referenced by id from deliveries, retained, wills and
// bridge_queue. message_refs counts the references; triggers on the four referencing tables keep
// it current, so the count is right whatever op changed a reference (including the cascades of
// DeleteSession). Each batch ends by deleting the messages whose count is 0 (Store::apply), found
// through a partial index. The counts live in their own table so that changing one does not
// rewrite a message row with its payload.
//
// Tables keyed by (owner, seq) are WITHOUT ROWID: the primary key is the clustered b-tree, so a
// session's deliveries are contiguous and read in seq order without a separate index.
constexpr const char* kCreateTables = R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value ANY NOT NULL) WITHOUT ROWID;
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    properties BLOB NOT NULL,
    expires_at_ms INTEGER,
    origin_client_id TEXT NOT NULL);
CREATE TABLE message_refs (message_id INTEGER PRIMARY KEY, refs INTEGER NOT NULL);
CREATE INDEX message_refs_unreferenced ON message_refs (message_id) WHERE refs <= 0;
CREATE TABLE retained (topic TEXT PRIMARY KEY, message_id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE sessions (
    client_id TEXT PRIMARY KEY,
    expiry_interval INTEGER NOT NULL,
    disconnected_at_ms INTEGER,
    protocol_version INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE subscriptions (
    client_id TEXT NOT NULL,
    filter TEXT NOT NULL,
    options INTEGER NOT NULL,
    subscription_id INTEGER NOT NULL,
    PRIMARY KEY (client_id, filter)) WITHOUT ROWID;
CREATE TABLE deliveries (
    client_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    qos INTEGER NOT NULL,
    retain INTEGER NOT NULL,
    packet_id INTEGER NOT NULL,
    state INTEGER NOT NULL,
    subscription_ids BLOB NOT NULL,
    PRIMARY KEY (client_id, seq)) WITHOUT ROWID;
CREATE TABLE incoming_qos2 (
    client_id TEXT NOT NULL,
    packet_id INTEGER NOT NULL,
    PRIMARY KEY (client_id, packet_id)) WITHOUT ROWID;
CREATE TABLE wills (
    client_id TEXT PRIMARY KEY,
    message_id INTEGER NOT NULL,
    publish_at_ms INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE bridge_queue (
    bridge TEXT NOT NULL,
    seq INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    qos INTEGER NOT NULL,
    PRIMARY KEY (bridge, seq)) WITHOUT ROWID;
)sql";

constexpr const char* kReferencingTables[] = {"deliveries", "retained", "wills", "bridge_queue"};

std::string reference_triggers(const std::string& table) {
    const std::string add =
        "INSERT INTO message_refs (message_id, refs) VALUES (NEW.message_id, 1) "
        "ON CONFLICT (message_id) DO UPDATE SET refs = refs + 1;";
    const std::string drop =
        "UPDATE message_refs SET refs = refs - 1 WHERE message_id = OLD.message_id;";
    return "CREATE TRIGGER " + table + "_ref_insert AFTER INSERT ON " + table + " BEGIN " + add +
           " END;\n" + "CREATE TRIGGER " + table + "_ref_delete AFTER DELETE ON " + table +
           " BEGIN " + drop + " END;\n" + "CREATE TRIGGER " + table +
           "_ref_update AFTER UPDATE OF message_id ON " + table +
           " WHEN OLD.message_id IS NOT NEW.message_id BEGIN " + drop + " " + add + " END;\n";
}

bool create_schema(sqlite3* db, std::string* error) {
    std::string sql = "BEGIN IMMEDIATE;\n";
    sql += kCreateTables;
    for (const char* table : kReferencingTables) sql += reference_triggers(table);
    sql += "INSERT INTO meta (key, value) VALUES ('schema_version', " +
           std::to_string(kSchemaVersion) + ");\nCOMMIT;";
    if (exec(db, sql.c_str(), error) != SQLITE_OK) {
        exec(db, "ROLLBACK", nullptr);
        return false;
    }
    return true;
}

// Returns the first row of a single-column query as text, or nullopt (error set) on failure.
std::optional<std::string> query_text(sqlite3* db, const char* sql, std::string* error) {
    Statement s;
    int rc = s.prepare(db, sql, false);
    if (rc == SQLITE_OK) rc = s.step();
    if (rc == SQLITE_ROW) return s.text(0);
    if (rc == SQLITE_DONE) return std::string();
    *error = describe(db, rc);
    return std::nullopt;
}

// Reads the schema version without writing: 0 for an empty file, -1 (error set) if the file is
// not a lampi store or cannot be read.
int read_version(sqlite3* db, const std::string& path, std::string* error) {
    std::string e;
    const auto tables = query_text(db, "SELECT count(*) FROM sqlite_schema", &e);
    if (!tables) {
        *error = path + ": cannot read store: " + e;
        return -1;
    }
    if (*tables == "0") return 0;
    const auto has_meta = query_text(
        db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'", &e);
    if (!has_meta || *has_meta != "1") {
        *error = path + ": not a lampi store (no meta table)" + (has_meta ? "" : ": " + e);
        return -1;
    }
    Statement s;
    int rc = s.prepare(db, "SELECT value FROM meta WHERE key = 'schema_version'", false);
    if (rc == SQLITE_OK) rc = s.step();
    if (rc != SQLITE_ROW || s.is_null(0) || s.int64(0) <= 0) {
        *error = path + ": not a lampi store (no schema version)";
        return -1;
    }
    return static_cast<int>(std::min<std::int64_t>(s.int64(0), 1 << 30));
}

bool quick_check(sqlite3* db, const std::string& path, std::string* error) {
    std::string e;
    const auto result = query_text(db, "PRAGMA quick_check(1)", &e);
    if (!result) {
        *error = path + ": store is corrupt or unreadable: " + e;
        return false;
    }
    if (*result != "ok") {
        *error = path + ": store is corrupt (quick_check: " + *result + ")";
        return false;
    }
    return true;
}

bool set_pragmas(sqlite3* db, const std::string& path, const StoreOptions& options,
                 std::string* error) {
    std::string e;
    const auto mode = query_text(db, "PRAGMA journal_mode = WAL", &e);
    if (!mode || *mode != "wal") {
        *error = path + ": cannot switch the store to WAL mode: " + (mode ? *mode : e);
        return false;
    }
    const char* sync = options.synchronous == Synchronous::Full ? "PRAGMA synchronous = FULL"
                                                                : "PRAGMA synchronous = NORMAL";
    // A larger page cache keeps the delivery and message b-trees hot. SQLite checkpoints the WAL
    // into the main file after a commit that grows it past wal_autocheckpoint pages; with
    // synchronous=NORMAL that checkpoint is the only fsync, so fewer, larger ones are cheaper.
    const std::string checkpoint =
        "PRAGMA wal_autocheckpoint = " + std::to_string(options.wal_autocheckpoint_pages);
    if (exec(db, sync, &e) != SQLITE_OK ||
        exec(db, "PRAGMA cache_size = -16384", &e) != SQLITE_OK ||
        exec(db, "PRAGMA temp_store = MEMORY", &e) != SQLITE_OK ||
        exec(db, checkpoint.c_str(), &e) != SQLITE_OK) {
        *error = path + ": " + e;
        return false;
    }
    return true;
}

}  // namespace

bool prepare_schema(sqlite3* db, const std::string& path, const StoreOptions& options,
                    std::string* error) {
    // Reading first: a file that is not a database fails here, before anything is written.
    const int version = read_version(db, path, error);
    if (version < 0) return false;
    if (options.quick_check && !quick_check(db, path, error)) return false;
    if (version > kSchemaVersion) {
        *error = path + ": store version " + std::to_string(version) +
                 " is newer than this lampi (" + std::to_string(kSchemaVersion) + ")";
        return false;
    }
    if (!set_pragmas(db, path, options, error)) return false;
    std::string e;
    if (version == 0 && !create_schema(db, &e)) {
        *error = path + ": cannot create the store schema: " + e;
        return false;
    }
    // Upgrades from older versions go here, one step per version, each in its own transaction.
    return true;
}

bool purge_dangling_references(sqlite3* db, std::string* error) {
    const auto needed =
        query_text(db, "SELECT count(*) FROM meta WHERE key = 'purge_on_open'", error);
    if (!needed) return false;
    if (*needed == "0") return true;
    std::string sql = "BEGIN IMMEDIATE;\n";
    for (const char* table : kReferencingTables) {
        sql += std::string("DELETE FROM ") + table +
               " WHERE message_id NOT IN (SELECT id FROM messages);\n";
    }
    sql += "DELETE FROM message_refs WHERE message_id NOT IN (SELECT id FROM messages);\n";
    sql += "DELETE FROM meta WHERE key = 'purge_on_open';\n";
    sql += "COMMIT;";
    if (exec(db, sql.c_str(), error) != SQLITE_OK) {
        exec(db, "ROLLBACK", nullptr);
        return false;
    }
    return true;
}

}  // namespace lampi::persist::detail
