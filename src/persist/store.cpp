#include "persist/store.h"

#include <sqlite3.h>

#include <array>
#include <chrono>
#include <system_error>
#include <type_traits>

#include "persist/sqlite_util.h"
#include "persist/store_schema.h"

namespace lampi::persist {

using detail::Statement;

// Every statement apply() runs, prepared once at open (SQLITE_PREPARE_PERSISTENT).
class Store::Statements {
  public:
    enum Id {
        kBegin,
        kCommit,
        kRollback,
        kPutMessage,
        kPutMessageRef,
        kDeleteMessage,
        kDeleteMessageRef,
        kMarkPurge,
        kSetRetained,
        kClearRetained,
        kPutSession,
        kDeleteSession,
        kDeleteSessionSubscriptions,
        kDeleteSessionDeliveries,
        kDeleteSessionIncoming,
        kPutSubscription,
        kDeleteSubscription,
        kPutDelivery,
        kUpdateDelivery,
        kDeleteDelivery,
        kAddIncoming,
        kDeleteIncoming,
        kPutWill,
        kDeleteWill,
        kPutBridgeQueue,
        kDeleteBridgeQueue,
        kCollectMessages,
        kCollectRefs,
        kCount
    };

    int prepare(sqlite3* db) {
        for (int i = 0; i < kCount; ++i) {
            const int rc = statements_[static_cast<size_t>(i)].prepare(db, kSql[i], true);
            if (rc != SQLITE_OK) return rc;
        }
        return SQLITE_OK;
    }

    Statement& operator[](Id id) { return statements_[static_cast<size_t>(id)]; }

  private:
    static constexpr const char* kSql[kCount] = {
        "BEGIN IMMEDIATE",
        "COMMIT",
        "ROLLBACK",
        "INSERT INTO messages (id, topic, payload, qos, retain, properties, expires_at_ms, "
        "origin_client_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET "
        "topic = excluded.topic, payload = excluded.payload, qos = excluded.qos, "
        "retain = excluded.retain, properties = excluded.properties, "
        "expires_at_ms = excluded.expires_at_ms, origin_client_id = excluded.origin_client_id",
        // A count of 0 marks the message for collection at the end of the batch unless a
        // reference arrives first (the reference triggers may also have created the row).
        "INSERT INTO message_refs (message_id, refs) VALUES (?1, 0) ON CONFLICT DO NOTHING",
        "DELETE FROM messages WHERE id = ?1",
        "DELETE FROM message_refs WHERE message_id = ?1",
        // References to a deleted message remain: the next open purges them (see
        // purge_dangling_references), and only then.
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('purge_on_open', 1)",
        "INSERT INTO retained (topic, message_id) VALUES (?1, ?2) ON CONFLICT (topic) DO UPDATE "
        "SET message_id = excluded.message_id",
        "DELETE FROM retained WHERE topic = ?1",
        "INSERT INTO sessions (client_id, expiry_interval, disconnected_at_ms, protocol_version) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (client_id) DO UPDATE SET "
        "expiry_interval = excluded.expiry_interval, "
        "disconnected_at_ms = excluded.disconnected_at_ms, "
        "protocol_version = excluded.protocol_version",
        "DELETE FROM sessions WHERE client_id = ?1",
        "DELETE FROM subscriptions WHERE client_id = ?1",
        "DELETE FROM deliveries WHERE client_id = ?1",
        "DELETE FROM incoming_qos2 WHERE client_id = ?1",
        "INSERT INTO subscriptions (client_id, filter, options, subscription_id) "
        "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (client_id, filter) DO UPDATE SET "
        "options = excluded.options, subscription_id = excluded.subscription_id",
        "DELETE FROM subscriptions WHERE client_id = ?1 AND filter = ?2",
        "INSERT INTO deliveries (client_id, seq, message_id, qos, retain, packet_id, state, "
        "subscription_ids) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (client_id, seq) "
        "DO UPDATE SET message_id = excluded.message_id, qos = excluded.qos, "
        "retain = excluded.retain, packet_id = excluded.packet_id, state = excluded.state, "
        "subscription_ids = excluded.subscription_ids",
        "UPDATE deliveries SET packet_id = ?3, state = ?4 WHERE client_id = ?1 AND seq = ?2",
        "DELETE FROM deliveries WHERE client_id = ?1 AND seq = ?2",
        "INSERT INTO incoming_qos2 (client_id, packet_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        "DELETE FROM incoming_qos2 WHERE client_id = ?1 AND packet_id = ?2",
        "INSERT INTO wills (client_id, message_id, publish_at_ms) VALUES (?1, ?2, ?3) "
        "ON CONFLICT (client_id) DO UPDATE SET message_id = excluded.message_id, "
        "publish_at_ms = excluded.publish_at_ms",
        "DELETE FROM wills WHERE client_id = ?1",
        "INSERT INTO bridge_queue (bridge, seq, message_id, qos) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (bridge, seq) DO UPDATE SET message_id = excluded.message_id, "
        "qos = excluded.qos",
        "DELETE FROM bridge_queue WHERE bridge = ?1 AND seq = ?2",
        // Garbage collection, once per batch, through the partial index on refs <= 0.
        "DELETE FROM messages WHERE id IN (SELECT message_id FROM message_refs WHERE refs <= 0)",
        "DELETE FROM message_refs WHERE refs <= 0",
    };

    std::array<Statement, kCount> statements_;
};

namespace {

using S = Store::Statements;

// Runs one op with the cached statements; returns a SQLite result code.
struct OpApplier {
    S& s;

    int operator()(const PutMessage& op) {
        const MessageRecord& m = op.message;
        Statement& put = s[S::kPutMessage];
        put.bind(1, m.id);
        put.bind_text(2, m.topic);
        put.bind_blob(3, m.payload);
        put.bind(4, m.qos);
        put.bind(5, m.retain);
        put.bind_blob(6, m.properties);
        put.bind(7, m.expires_at_ms);
        put.bind_text(8, m.origin_client_id);
        const int rc = put.run();
        if (rc != SQLITE_OK) return rc;
        s[S::kPutMessageRef].bind(1, m.id);
        return s[S::kPutMessageRef].run();
    }
    int operator()(const DeleteMessage& op) {
        s[S::kDeleteMessage].bind(1, op.id);
        const int rc = s[S::kDeleteMessage].run();
        if (rc != SQLITE_OK) return rc;
        s[S::kDeleteMessageRef].bind(1, op.id);
        const int ref_rc = s[S::kDeleteMessageRef].run();
        if (ref_rc != SQLITE_OK) return ref_rc;
        return s[S::kMarkPurge].run();
    }
    int operator()(const SetRetained& op) {
        s[S::kSetRetained].bind_text(1, op.topic);
        s[S::kSetRetained].bind(2, op.message_id);
        return s[S::kSetRetained].run();
    }
    int operator()(const ClearRetained& op) { return by_key(S::kClearRetained, op.topic); }
    int operator()(const PutSession& op) {
        Statement& put = s[S::kPutSession];
        put.bind_text(1, op.client_id);
        put.bind(2, op.expiry_interval);
        put.bind(3, op.disconnected_at_ms);
        put.bind(4, op.protocol_version);
        return put.run();
    }
    int operator()(const DeleteSession& op) {
        for (S::Id id : {S::kDeleteSession, S::kDeleteSessionSubscriptions,
                         S::kDeleteSessionDeliveries, S::kDeleteSessionIncoming}) {
            const int rc = by_key(id, op.client_id);
            if (rc != SQLITE_OK) return rc;
        }
        return SQLITE_OK;
    }
    int operator()(const PutSubscription& op) {
        Statement& put = s[S::kPutSubscription];
        put.bind_text(1, op.client_id);
        put.bind_text(2, op.subscription.filter);
        put.bind(3, op.subscription.options);
        put.bind(4, op.subscription.subscription_id);
        return put.run();
    }
    int operator()(const DeleteSubscription& op) {
        s[S::kDeleteSubscription].bind_text(1, op.client_id);
        s[S::kDeleteSubscription].bind_text(2, op.filter);
        return s[S::kDeleteSubscription].run();
    }
    int operator()(const PutDelivery& op) {
        const DeliveryRecord& d = op.delivery;
        const std::string ids = detail::encode_u32_list(d.subscription_ids);
        Statement& put = s[S::kPutDelivery];
        put.bind_text(1, d.client_id);
        put.bind(2, d.seq);
        put.bind(3, d.message_id);
        put.bind(4, d.qos);
        put.bind(5, d.retain);
        put.bind(6, d.packet_id);
        put.bind(7, static_cast<std::uint8_t>(d.state));
        put.bind_blob(8, ids);
        return put.run();
    }
    int operator()(const UpdateDelivery& op) {
        Statement& update = s[S::kUpdateDelivery];
        update.bind_text(1, op.client_id);
        update.bind(2, op.seq);
        update.bind(3, op.packet_id);
        update.bind(4, static_cast<std::uint8_t>(op.state));
        return update.run();
    }
    int operator()(const DeleteDelivery& op) {
        return by_key_seq(S::kDeleteDelivery, op.client_id, op.seq);
    }
    int operator()(const AddIncomingQos2& op) {
        return by_key_seq(S::kAddIncoming, op.client_id, op.packet_id);
    }
    int operator()(const DeleteIncomingQos2& op) {
        return by_key_seq(S::kDeleteIncoming, op.client_id, op.packet_id);
    }
    int operator()(const PutWill& op) {
        Statement& put = s[S::kPutWill];
        put.bind_text(1, op.will.client_id);
        put.bind(2, op.will.message_id);
        put.bind(3, op.will.publish_at_ms);
        return put.run();
    }
    int operator()(const DeleteWill& op) { return by_key(S::kDeleteWill, op.client_id); }
    int operator()(const PutBridgeQueue& op) {
        Statement& put = s[S::kPutBridgeQueue];
        put.bind_text(1, op.entry.bridge);
        put.bind(2, op.entry.seq);
        put.bind(3, op.entry.message_id);
        put.bind(4, op.entry.qos);
        return put.run();
    }
    int operator()(const DeleteBridgeQueue& op) {
        return by_key_seq(S::kDeleteBridgeQueue, op.bridge, op.seq);
    }

    int by_key(S::Id id, const std::string& key) {
        s[id].bind_text(1, key);
        return s[id].run();
    }
    template <class Int>
    int by_key_seq(S::Id id, const std::string& key, Int seq) {
        s[id].bind_text(1, key);
        s[id].bind(2, seq);
        return s[id].run();
    }
};

constexpr const char* kOpNames[] = {
    "PutMessage",     "DeleteMessage",    "SetRetained",        "ClearRetained", "PutSession",
    "DeleteSession",  "PutSubscription",  "DeleteSubscription", "PutDelivery",   "UpdateDelivery",
    "DeleteDelivery", "AddIncomingQos2",  "DeleteIncomingQos2", "PutWill",       "DeleteWill",
    "PutBridgeQueue", "DeleteBridgeQueue"};
static_assert(std::size(kOpNames) == std::variant_size_v<Op>);

// Disk full, I/O errors, a read-only file or lock contention may clear up; a retry can work.
bool is_transient(int rc) {
    switch (rc & 0xff) {
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_READONLY:
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_NOMEM:
        case SQLITE_CANTOPEN:
        case SQLITE_PROTOCOL:
            return true;
        default:
            return false;
    }
}

}  // namespace

Store::Store(std::string path, sqlite3* db)
    : path_(std::move(path)), db_(db), statements_(std::make_unique<Statements>()) {}

Store::~Store() {
    statements_.reset();  // finalize before closing, or close fails with SQLITE_BUSY
    sqlite3_close(db_);   // the last connection checkpoints and removes the WAL
}

std::variant<std::unique_ptr<Store>, std::string> Store::open(const std::string& path,
                                                              const StoreOptions& options) {
    sqlite3* db = nullptr;
    // NOMUTEX: the store has one user at a time (documented), so SQLite's own locking is waste.
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags,
                                   options.vfs.empty() ? nullptr : options.vfs.c_str());
    if (rc != SQLITE_OK) {
        std::string error = path + ": cannot open store: " + detail::describe(db, rc);
        sqlite3_close(db);
        return error;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, options.busy_timeout_ms);
    std::unique_ptr<Store> store(new Store(path, db));  // closes db on every error path below
    std::string error;
    if (!detail::prepare_schema(db, path, options, &error)) return error;
    if (!detail::purge_dangling_references(db, &error)) return path + ": " + error;
    if (const int prc = store->statements_->prepare(db); prc != SQLITE_OK) {
        return path + ": cannot prepare statements: " + detail::describe(db, prc);
    }
    return store;
}

bool Store::apply(std::span<const Op> batch, std::string* error) {
    last_error_kind_ = ApplyError::None;
    if (batch.empty()) return true;
    Statements& s = *statements_;
    std::string context;
    int rc = s[Statements::kBegin].run();
    if (rc != SQLITE_OK) context = "begin";
    OpApplier applier{s};
    for (std::size_t i = 0; rc == SQLITE_OK && i < batch.size(); ++i) {
        rc = std::visit(applier, batch[i]);
        if (rc != SQLITE_OK) {
            context = "op " + std::to_string(i) + " (" + kOpNames[batch[i].index()] + ")";
        }
    }
    if (rc == SQLITE_OK) {
        rc = s[Statements::kCollectMessages].run();
        if (rc == SQLITE_OK) rc = s[Statements::kCollectRefs].run();
        if (rc != SQLITE_OK) context = "collecting messages";
    }
    if (rc == SQLITE_OK) {
        rc = s[Statements::kCommit].run();
        if (rc != SQLITE_OK) context = "commit";
    }
    if (rc == SQLITE_OK) return true;

    if (error != nullptr) *error = path_ + ": " + context + ": " + detail::describe(db_, rc);
    last_error_kind_ = is_transient(rc) ? ApplyError::Transient : ApplyError::Permanent;
    // SQLite may already have rolled back (e.g. after SQLITE_FULL); if not, do it now.
    if (sqlite3_get_autocommit(db_) == 0) s[Statements::kRollback].run();
    return false;
}

std::variant<std::filesystem::path, std::string> move_aside(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::exists(path, ec)) return path + ": cannot move aside: no such file";
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::string base = path + ".corrupt-" + std::to_string(now);
    std::string target = base;
    for (int n = 1; fs::exists(target, ec) || fs::exists(target + "-wal", ec); ++n) {
        target = base + "-" + std::to_string(n);
    }
    // The WAL and shared-memory files belong to the main file and must move with it: nothing
    // ties a WAL to its database, so one left behind would be replayed into the fresh store.
    // Main file first: if a later rename fails, the broker reports it and does not start fresh.
    fs::rename(path, target, ec);
    if (ec) return path + ": cannot move aside to " + target + ": " + ec.message();
    for (const char* suffix : {"-wal", "-shm", "-journal"}) {
        if (fs::exists(path + suffix, ec)) {
            fs::rename(path + suffix, target + suffix, ec);
            if (ec) return path + suffix + ": cannot move aside: " + ec.message();
        }
    }
    return fs::path(target);
}

}  // namespace lampi::persist
