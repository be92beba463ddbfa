// Internal to persist: checking a freshly opened file and bringing its schema up to date.
#pragma once

#include <string>

#include "persist/store.h"

struct sqlite3;

namespace lampi::persist::detail {

// Verifies that `db` is a readable, uncorrupted SQLite file that is empty or a lampi store no
// newer than kSchemaVersion, then sets WAL mode and the options' pragmas and creates or upgrades
// the schema. Nothing is written to the file before every check has passed.
// Returns false with "<path>: ..." in *error on failure.
bool prepare_schema(sqlite3* db, const std::string& path, const StoreOptions& options,
                    std::string* error);

// Deletes references to messages that no longer exist (left by DeleteMessage) and reference
// counts of messages that do not exist. Run once per open; one transaction, and only if a
// DeleteMessage was applied since the last purge (it scans every referencing table).
bool purge_dangling_references(sqlite3* db, std::string* error);

}  // namespace lampi::persist::detail
