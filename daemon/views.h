// Views: keeps the fold of the current ledger (protocol/fold.h) up to date
// as entries arrive, and keeps it across restarts (docs/LEDGER.md, "How
// views are kept").
//
// Every stored entry of the ledger is folded once its chain predecessor and
// parents are folded (until then it waits). Entries usually arrive in causal
// order and are folded at the end; one that belongs before entries already
// folded (the partner wrote it while the two were apart) rewinds the fold to
// the newest saved state before it and folds forward again. So does a
// withdrawal: the withdrawn entry is folded again as withdrawn, with no
// effect. A saved state (sealed with the view key, derived from the ledger
// key) is written every kStateEvery entries, or less often when the state is
// large (SaveInterval); start-up loads the newest and folds the few entries
// after it, so its cost does not grow with history.
//
// The fold trusts what the store holds: every entry was verified before it
// was stored, and `verify` re-checks them all.
//
// Thread-safety: one thread (the daemon loop).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "daemon/store/store.h"
#include "protocol/fold.h"

namespace kintsugi::daemon {

inline constexpr std::uint64_t kStateEvery = 256;      // entries between saved states, at least
inline constexpr std::uint64_t kMaxStateEvery = 4096;  // and at most
// A large state is saved once per this many of its bytes in entries, so that
// saving costs each entry about as many bytes whatever the state's size (a
// state of 1 MiB every 256 entries wrote 4 KiB an entry, and was most of the
// fold's time).
inline constexpr std::size_t kStateBytesPerEntry = 1024;
inline constexpr std::size_t kStatesKept = 8;  // newest saved states kept

// Entries between saved states for a state of `state_bytes` (its JSON).
constexpr std::uint64_t SaveInterval(std::size_t state_bytes) {
  const std::uint64_t by_size = state_bytes / kStateBytesPerEntry;
  return by_size < kStateEvery ? kStateEvery : by_size > kMaxStateEvery ? kMaxStateEvery : by_size;
}

// The body of a stored entry already decoded by the caller: unwraps its key
// with `key`, opens and parses it. Fails when withdrawn (no key) or when
// anything does not open.
Result<nlohmann::json> OpenStoredBody(const StoredEntry& row, const protocol::Entry& entry,
                                      const crypto::SymmetricKey& key, crypto::KeySlot* slot = nullptr);

struct TimelineQuery {
  std::size_t limit = 50;
  std::optional<TimelineKey> before;  // page cursor
  std::optional<crypto::PublicKey> author;
  std::optional<std::string> kind;
  std::uint64_t from_ms = 0;        // by the entry's own clock: the day its author wrote it
  std::uint64_t to_ms = UINT64_MAX;
};

struct TimelineItem {
  std::int64_t entry_rowid = 0;
  TimelineKey key;
  protocol::Effect effect;
};

// An entry the fold just applied whose kind can notify
// (protocol::NotifyingKind): what the notifier needs, without reading the
// store again. `body` is null past kNewsWithWords waiting.
struct FoldedNews {
  std::int64_t entry_rowid = 0;
  crypto::PublicKey author{};
  std::string kind;
  std::uint64_t hlc = 0;
  nlohmann::json body;
};
inline constexpr std::size_t kNewsWithWords = 256;
// News kept between two takes at most (the daemon takes it at every turn of
// its loop; a program without a notifier never grows past this).
inline constexpr std::size_t kNewsKept = 1024;

struct FoldStats {
  std::size_t folded = 0;     // entries folded by the last catch-up (refolds included)
  std::size_t rewinds = 0;
  std::size_t waiting = 0;    // entries waiting for the entries they depend on
  std::size_t withdrawn = 0;  // entries whose key a withdrawal destroyed
  std::size_t states_saved = 0;
};

class Views {
 public:
  // Opens the views of `ledger` and folds whatever is not folded yet.
  static Result<std::unique_ptr<Views>> Open(Store& store, const protocol::LedgerId& ledger,
                                             const crypto::SymmetricKey& ledger_key,
                                             crypto::RandomSource& rng);

  // Folds every entry stored since the last call, in one transaction. On
  // failure the views are reloaded from the store and the call may be repeated.
  // Called inside the caller's transaction (so that an entry and its fold
  // are one commit), the fold is a savepoint of it; the caller then calls
  // Committed() after its commit, or Reload() if it rolled back.
  Result<FoldStats> CatchUp();
  // After the caller's commit: a withdrawal folded inside it checkpoints the
  // write-ahead log now, so that the destroyed keys leave the disk at once.
  void Committed();
  // After the caller's transaction rolled back: the views as the store has them.
  Status Reload();

  const protocol::LedgerState& state() const { return state_; }
  // Evaluates an entry about to be appended against the current state.
  protocol::Effect Check(const protocol::FoldEntry& entry);
  // The effect recorded for a folded entry (nullopt when not folded).
  Result<std::optional<protocol::Effect>> EffectOf(std::int64_t entry_rowid);
  // A page of the timeline, newest first.
  Result<std::vector<TimelineItem>> Timeline(const TimelineQuery& query);
  // The words of an entry, for views (nullopt when withdrawn or unreadable).
  std::optional<nlohmann::json> OpenBody(const std::string& id_hex);
  protocol::BodyOpener Opener() {
    return [this](const std::string& id) { return OpenBody(id); };
  }
  std::size_t waiting() const { return waiting_; }
  // What the fold applied since the last call that can notify, in fold
  // order. Entries folded again (a rewind, a retried catch-up) come again.
  bool has_news() const { return !news_.empty(); }
  std::vector<FoldedNews> TakeNews() { return std::exchange(news_, {}); }

 private:
  Views(Store& store, const protocol::LedgerId& ledger, crypto::SymmetricKey ledger_key,
        crypto::SymmetricKey view_key)
      : store_(store), ledger_(ledger), ledger_key_(std::move(ledger_key)), view_key_(std::move(view_key)) {}

  struct Pending {
    std::int64_t rowid = 0;
    TimelineKey key;
    // The row and its decoding when the catch-up already read them (new
    // entries); empty for rows folded again after a rewind, read then.
    std::shared_ptr<const StoredEntry> row;
    std::shared_ptr<const protocol::Entry> entry;
  };

  Status Load();
  void CheckpointAfterWithdrawal();
  Result<protocol::LedgerState> OpenState(const ViewState& saved);
  Status CatchUpLocked(FoldStats& stats);
  // Goes back to the newest saved state before `key` and returns the rows
  // after it (removed from the timeline) to be folded again.
  Result<std::vector<Pending>> Rewind(const TimelineKey& key, FoldStats& stats);
  // Folds `rows` (ascending) at the end of the timeline. Appends to
  // `withdrawn` the keys of entries a withdrawal in `rows` took the words of.
  Status FoldForward(const std::vector<Pending>& rows, std::vector<TimelineKey>& withdrawn, FoldStats& stats);
  // Whether the entry at `rowid` was withdrawn: the withdrawn rows are read
  // once per catch-up (they are few) rather than looked up for every entry.
  Result<bool> IsWithdrawn(std::int64_t rowid);
  // `decoded`: the row's entry when the caller has it already (else decoded here).
  Result<protocol::FoldEntry> MakeFoldEntry(const StoredEntry& row, std::uint64_t stamp,
                                            const protocol::Entry* decoded = nullptr);
  protocol::RefResolver Resolver(const TimelineKey& before);
  Bytes SealEffect(std::int64_t rowid, const protocol::Effect& effect);
  Result<protocol::Effect> OpenEffect(std::int64_t rowid, ByteView sealed);
  Status SaveState();

  Store& store_;
  protocol::LedgerId ledger_;
  crypto::SymmetricKey ledger_key_;
  crypto::SymmetricKey view_key_;
  crypto::KeySlot slot_;  // each entry's key, while its body is opened
  // Nonces of sealed records: 16 random bytes drawn at open, then a counter.
  // Never repeats within a key, and costs no system call per record.
  Bytes nonce_prefix_;
  std::uint64_t nonce_counter_ = 0;
  Bytes SealRecord(ByteView plaintext, ByteView ad);
  protocol::LedgerState state_;
  std::optional<TimelineKey> last_;  // the newest folded entry
  std::uint64_t saved_at_entries_ = 0;
  std::size_t waiting_ = 0;
  std::vector<FoldedNews> news_;
  std::optional<std::set<std::int64_t>> withdrawn_rows_;  // during a catch-up
  std::size_t state_bytes_ = 0;  // of the newest saved (or loaded) state
  // During a catch-up: the ledger's entries when it began (at most what it
  // folds), and whether it passed over a save. A catch-up is one
  // transaction, and only the newest kStatesKept states are kept: a state
  // that would be pruned before the catch-up ends is not written at all (a
  // rebuild from scratch spent half its time writing such states).
  std::uint64_t fold_target_ = 0;
  bool save_passed_over_ = false;
  Status MaybeSaveState(FoldStats& stats);
  bool checkpoint_due_ = false;  // a withdrawal folded inside the caller's transaction
  // How much news there was before the first fold inside the caller's
  // transaction: a rollback takes back what came after.
  std::optional<std::size_t> news_before_;
};

}  // namespace kintsugi::daemon
