// The ledger file's schema, as the migrations that build it
// (docs/PROTOCOL.md, "Ledger file").
#include "daemon/store/schema.h"

#include <iterator>

#include "daemon/store/store.h"

namespace kintsugi::daemon {
namespace {

// Schema migrations: kMigrations[i] takes the file from version i to i + 1.
// Append only; never edit a shipped migration.
constexpr const char* kMigrations[] = {
    // 0 -> 1
    R"sql(
    CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);
    CREATE TABLE members(
      author BLOB PRIMARY KEY CHECK (length(author) = 32),
      added_hlc INTEGER NOT NULL);
    CREATE TABLE entries(
      rowid INTEGER PRIMARY KEY,
      id BLOB NOT NULL UNIQUE CHECK (length(id) = 32),
      author BLOB NOT NULL CHECK (length(author) = 32),
      seq INTEGER NOT NULL CHECK (seq >= 1),
      hlc INTEGER NOT NULL,
      bytes BLOB NOT NULL);
    CREATE INDEX entries_by_chain ON entries(author, seq);
    CREATE INDEX entries_by_hlc ON entries(hlc);
    CREATE TABLE entry_keys(
      rowid INTEGER PRIMARY KEY,
      entry_id BLOB NOT NULL UNIQUE CHECK (length(entry_id) = 32),
      wrapped BLOB NOT NULL);
    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
      BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
      BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
    -- INSERT OR REPLACE deletes without firing DELETE triggers: refuse any
    -- insert that would replace a stored entry.
    CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries
      WHEN EXISTS (SELECT 1 FROM entries WHERE id = NEW.id OR rowid = NEW.rowid)
      BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
    )sql",
    // 1 -> 2: several ledgers (a solo ledger archived at pairing, the shared
    // one), fork evidence, the partner's device, and an index id.
    R"sql(
    DROP TRIGGER IF EXISTS entries_no_update;
    DROP TRIGGER IF EXISTS entries_no_delete;
    DROP TRIGGER IF EXISTS entries_no_replace;
    CREATE TABLE entries_v2(
      rowid INTEGER PRIMARY KEY,
      id BLOB NOT NULL UNIQUE CHECK (length(id) = 32),
      ledger BLOB NOT NULL CHECK (length(ledger) = 32),
      author BLOB NOT NULL CHECK (length(author) = 32),
      seq INTEGER NOT NULL CHECK (seq >= 1),
      hlc INTEGER NOT NULL,
      bytes BLOB NOT NULL);
    -- The ledger id is bytes 1..32 of every entry's encoding (PROTOCOL.md).
    INSERT INTO entries_v2(rowid, id, ledger, author, seq, hlc, bytes)
      SELECT rowid, id, substr(bytes, 2, 32), author, seq, hlc, bytes FROM entries;
    DROP TABLE entries;
    ALTER TABLE entries_v2 RENAME TO entries;
    CREATE INDEX entries_by_chain ON entries(ledger, author, seq);
    CREATE INDEX entries_by_hlc ON entries(hlc);
    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
      BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
      BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
    -- INSERT OR REPLACE deletes without firing DELETE triggers: refuse any
    -- insert that would replace a stored entry.
    CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries
      WHEN EXISTS (SELECT 1 FROM entries WHERE id = NEW.id OR rowid = NEW.rowid)
      BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;

    CREATE TABLE members_v2(
      ledger BLOB NOT NULL CHECK (length(ledger) = 32),
      author BLOB NOT NULL CHECK (length(author) = 32),
      added_hlc INTEGER NOT NULL,
      PRIMARY KEY (ledger, author));
    INSERT INTO members_v2(ledger, author, added_hlc)
      SELECT m.value, members.author, members.added_hlc FROM members
      JOIN meta m ON m.key = 'ledger_id';
    DROP TABLE members;
    ALTER TABLE members_v2 RENAME TO members;

    -- Random per database: a partner sees it change when this file is reset
    -- or restored from a backup.
    INSERT INTO meta(key, value) VALUES ('index_id', randomblob(16));
    -- Two valid entries with the same author and seq: evidence that someone
    -- rewrote history. The author's chain is frozen from `seq` on.
    CREATE TABLE forks(
      ledger BLOB NOT NULL,
      author BLOB NOT NULL,
      seq INTEGER NOT NULL,
      first_id BLOB NOT NULL,
      second_id BLOB NOT NULL,
      detected_hlc INTEGER NOT NULL,
      PRIMARY KEY (ledger, author, seq, second_id));
    -- The partner's device: where to reach it and what was seen of it.
    CREATE TABLE peers(
      author BLOB PRIMARY KEY CHECK (length(author) = 32),
      address TEXT,
      last_seen_ms INTEGER NOT NULL DEFAULT 0,
      last_sync_ms INTEGER NOT NULL DEFAULT 0,
      index_id BLOB);

    -- Start-up and `status` must not grow with history: the newest own
    -- timestamp comes from an index, the entry count from a counter kept by
    -- a trigger.
    CREATE INDEX entries_by_author_hlc ON entries(author, hlc);
    CREATE TABLE ledger_stats(ledger BLOB PRIMARY KEY, entries INTEGER NOT NULL);
    INSERT INTO ledger_stats(ledger, entries) SELECT ledger, count(*) FROM entries GROUP BY ledger;
    -- Wrapped keys by the entry's rowid: appended in order, where a table
    -- keyed by the random entry id costs a random index page per entry.
    CREATE TABLE entry_keys_v2(
      entry_rowid INTEGER PRIMARY KEY,
      wrapped BLOB NOT NULL);
    INSERT INTO entry_keys_v2(entry_rowid, wrapped)
      SELECT e.rowid, k.wrapped FROM entry_keys k JOIN entries e ON e.id = k.entry_id;
    DROP TABLE entry_keys;
    ALTER TABLE entry_keys_v2 RENAME TO entry_keys;
    CREATE TRIGGER entries_count AFTER INSERT ON entries BEGIN
      INSERT INTO ledger_stats(ledger, entries) VALUES (NEW.ledger, 1)
        ON CONFLICT(ledger) DO UPDATE SET entries = entries + 1;
    END;
    )sql",
    // 2 -> 3: the ledger's views (docs/LEDGER.md). Every folded entry's place
    // in causal order and what it did (sealed with the view key), saved
    // states of the fold (sealed), entries waiting for the entries they
    // depend on, entries whose key a withdrawal destroyed, and private notes.
    R"sql(
    CREATE TABLE timeline(
      entry_rowid INTEGER PRIMARY KEY,
      ledger BLOB NOT NULL,
      stamp INTEGER NOT NULL,
      author BLOB NOT NULL,
      effect BLOB NOT NULL);
    CREATE UNIQUE INDEX timeline_order ON timeline(ledger, stamp, author);
    CREATE TABLE view_states(
      ledger BLOB NOT NULL,
      stamp INTEGER NOT NULL,
      author BLOB NOT NULL,
      state BLOB NOT NULL,
      PRIMARY KEY (ledger, stamp, author));
    CREATE TABLE view_progress(ledger BLOB PRIMARY KEY, folded_rowid INTEGER NOT NULL);
    CREATE TABLE view_waiting(entry_rowid INTEGER PRIMARY KEY, ledger BLOB NOT NULL);
    CREATE TABLE withdrawn(entry_rowid INTEGER PRIMARY KEY, by_rowid INTEGER NOT NULL);
    CREATE TABLE notes(
      id INTEGER PRIMARY KEY,
      created_ms INTEGER NOT NULL,
      sealed BLOB NOT NULL);
    )sql",
    // 3 -> 4: fewer pages written per commit (docs/PERFORMANCE.md). The index
    // by clock alone served only the newest clock at start-up, which a scan
    // of entries_by_author_hlc (one step per author) answers as fast; and the
    // fold's progress joins the entry count in ledger_stats, so a commit that
    // stores and folds entries rewrites one small row, not two tables.
    R"sql(
    DROP INDEX entries_by_hlc;
    ALTER TABLE ledger_stats ADD COLUMN folded_rowid INTEGER NOT NULL DEFAULT 0;
    UPDATE ledger_stats SET folded_rowid =
      coalesce((SELECT folded_rowid FROM view_progress p WHERE p.ledger = ledger_stats.ledger), 0);
    DROP TABLE view_progress;
    )sql",
    // 4 -> 5: no index by the random entry id on the write path
    // (docs/PERFORMANCE.md). An id is the hash of an encoding that names its
    // ledger, author and seq, so an entry unique at its place in its chain is
    // unique everywhere: the chain index refuses a second copy, and it grows
    // at each chain's end where the index of ids dirtied a random page per
    // entry. Lookups by id go to entry_ids, which the store fills in large
    // sorted steps (Store::MergeIds); ids of the entries after
    // entry_ids_merged.upto are held in memory, read back at open.
    R"sql(
    DROP TRIGGER entries_no_update;
    DROP TRIGGER entries_no_delete;
    DROP TRIGGER entries_no_replace;
    DROP TRIGGER entries_count;
    CREATE TABLE entries_v5(
      rowid INTEGER PRIMARY KEY,
      id BLOB NOT NULL CHECK (length(id) = 32),
      ledger BLOB NOT NULL CHECK (length(ledger) = 32),
      author BLOB NOT NULL CHECK (length(author) = 32),
      seq INTEGER NOT NULL CHECK (seq >= 1),
      hlc INTEGER NOT NULL,
      bytes BLOB NOT NULL);
    INSERT INTO entries_v5(rowid, id, ledger, author, seq, hlc, bytes)
      SELECT rowid, id, ledger, author, seq, hlc, bytes FROM entries ORDER BY rowid;
    DROP TABLE entries;
    ALTER TABLE entries_v5 RENAME TO entries;
    CREATE UNIQUE INDEX entries_by_chain ON entries(ledger, author, seq, id);
    CREATE INDEX entries_by_author_hlc ON entries(author, hlc);
    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
      BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
      BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
    -- INSERT OR REPLACE deletes without firing DELETE triggers: refuse any
    -- insert that would replace a stored row (by rowid or by the chain index).
    CREATE TRIGGER entries_no_replace BEFORE INSERT ON entries
      WHEN EXISTS (SELECT 1 FROM entries WHERE rowid = NEW.rowid)
        OR EXISTS (SELECT 1 FROM entries WHERE ledger = NEW.ledger AND author = NEW.author
                                            AND seq = NEW.seq AND id = NEW.id)
      BEGIN SELECT RAISE(ABORT, 'entries are append-only'); END;
    CREATE TRIGGER entries_count AFTER INSERT ON entries BEGIN
      INSERT INTO ledger_stats(ledger, entries) VALUES (NEW.ledger, 1)
        ON CONFLICT(ledger) DO UPDATE SET entries = entries + 1;
    END;
    CREATE TABLE entry_ids(id BLOB PRIMARY KEY, entry_rowid INTEGER NOT NULL) WITHOUT ROWID;
    INSERT INTO entry_ids(id, entry_rowid) SELECT id, rowid FROM entries ORDER BY id;
    CREATE TABLE entry_ids_merged(upto INTEGER NOT NULL);
    INSERT INTO entry_ids_merged(upto) SELECT coalesce(max(rowid), 0) FROM entries;
    )sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

}  // namespace

std::span<const char* const> SchemaMigrations() { return kMigrations; }

}  // namespace kintsugi::daemon
