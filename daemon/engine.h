// Engine: the ledger of one device. It appends entries (build, seal, sign and
// insert in one transaction), reads them back verified, re-verifies the whole
// store on demand, takes in entries from the partner (verifying each before it
// is stored, one transaction per batch, forks kept as evidence), serves its
// chains to the partner, and adopts the shared ledger at pairing. It knows
// nothing of sockets: the IPC dispatcher and the peer link call it.
//
// Starts uninitialised when there is no key file; Init() creates this device's
// identity and a solo ledger. With a passphrase (the vault, key_file.h) it
// starts locked: it syncs (verifies and stores the partner's sealed entries,
// serves its chains) but cannot open bodies, fold views or append until
// Unlock(); Lock() drops the keys from memory. Start-up reads only the key file, the ledger
// meta and a few index lookups: its cost does not grow with history.
//
// Thread-safety: one thread (the daemon loop).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/pwhash.h"
#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/store/key_file.h"
#include "daemon/signature_checker.h"
#include "daemon/store/store.h"
#include "daemon/views.h"
#include "protocol/backup.h"
#include "protocol/body.h"
#include "protocol/kinds.h"
#include "protocol/hlc.h"
#include "protocol/ipc_messages.h"
#include "protocol/pairing.h"
#include "protocol/sync.h"

namespace kintsugi::daemon {

// A partner's clock may be wrong or hostile: its timestamps move ours forward
// only while they are within this margin of our wall clock.
inline constexpr std::uint64_t kMaxClockLeadMs = 10 * 60 * 1000;
inline constexpr std::uint64_t kMaxUnlockDelayMs = 5 * 60 * 1000;

struct AppendedEntry {
  protocol::EntryId id{};
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
  std::uint64_t hlc = 0;
  std::string kind;       // empty for entries received from the partner
  bool local = true;      // written here, or received
  NewEntry stored;        // what was stored, for the live push
};

// One entry as the log shows it. `verified` is false when the stored bytes do
// not verify; then `fault` says why and `body` is empty (never trusted).
struct LogItem {
  std::int64_t rowid = 0;
  protocol::EntryId id{};
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
  std::uint64_t hlc = 0;
  bool verified = false;
  std::string fault;
  std::optional<nlohmann::json> body;  // absent when withdrawn or unverifiable
};

// One fault `verify` found; an entry gets at most one, the first of: it
// does not decode or hash to its id, it breaks a rule of its chain
// (kInvalid, with the validation's reason), it is the second entry at a seq
// of its author (kFork: the evidence of a rewritten history), or its words
// cannot be opened (kUnreadable: a damaged wrapped key).
struct VerifyFault {
  enum class Kind { kInvalid, kFork, kUnreadable };
  Kind kind = Kind::kInvalid;
  std::int64_t rowid = 0;
  protocol::EntryId id{};
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
  protocol::Rejection reason{};  // kInvalid's
  std::string detail;
  // "fork", "unreadable", or the rejection's name (protocol::RejectionName).
  std::string ReasonName() const;
};

struct VerifyReport {
  std::int64_t entries_checked = 0;
  std::vector<VerifyFault> faults;
  // Ids the index of ids missed, misplaced or held for no entry, found and
  // rebuilt from the entries (derived data: nothing of the ledger is lost,
  // so they are not faults of it).
  std::int64_t ids_repaired = 0;
  bool ok() const { return faults.empty(); }
};

struct EngineStatus {
  bool initialized = false;
  bool locked = false;      // sealed by a passphrase and not unlocked
  bool passphrase = false;  // the key file is sealed by a passphrase
  bool paired = false;
  std::string name;
  crypto::PublicKey author{};
  protocol::LedgerId ledger_id{};
  std::int64_t entries = 0;
  std::size_t members = 0;
  std::optional<crypto::PublicKey> partner;
  std::string partner_name;  // from their introduction, once it is here and the keys are open
  std::size_t forks = 0;
  std::uint64_t folded = 0;   // entries the views have read
  std::size_t waiting = 0;    // entries waiting for the entries they depend on
  bool restore_hold = false;  // restored: waiting for the partner before appending
};

// What happened to a batch from the partner.
struct ReceiveReport {
  std::size_t stored = 0;
  std::size_t duplicates = 0;
  std::size_t forks = 0;                    // new fork evidence kept
  std::vector<protocol::EntryFault> refused;  // invalid entries, not stored
  protocol::ChainHead head;                 // the author's head afterwards
};

class Engine {
 public:
  using AppendListener = std::function<void(const AppendedEntry&)>;

  // Opens the ledger in `store` with the key file at `key_path`. Fails with
  // kCorrupt when the key file and the store disagree about the ledger.
  // `vault_limits`: the Argon2id cost of a passphrase set from now on.
  static Result<std::unique_ptr<Engine>> Open(std::unique_ptr<Store> store, std::string key_path,
                                              Clock& clock, crypto::RandomSource& rng,
                                              crypto::PwhashLimits vault_limits = crypto::kModerateLimits);

  bool initialized() const { return info_.has_value(); }
  bool unlocked() const { return keys_.has_value(); }
  bool paired() const { return partner_.has_value(); }
  const std::optional<crypto::PublicKey>& partner() const { return partner_; }
  // REQUIRES: initialized().
  const crypto::PublicKey& self() const { return info_->self; }
  const protocol::LedgerId& ledger_id() const { return info_->ledger_id; }
  const std::optional<crypto::SymmetricKey>& beacon_key() const { return info_->beacon_key; }
  const crypto::CurveKeyPair& transport_keys() const { return info_->transport; }
  // REQUIRES: unlocked().
  const crypto::SigningKey& identity() const { return keys_->identity; }

  // Creates the identity, the ledger key and a solo ledger whose first entry
  // introduces this member by `name`; with `passphrase`, the key file is
  // sealed from the start. Fails with kAlreadyExists when initialised already.
  Result<EngineStatus> Init(const protocol::MemberIntro& intro,
                            const crypto::Passphrase* passphrase = nullptr);

  // --- The vault ---
  // Opens the keys with `passphrase`. Fails with kFailedPrecondition when
  // unlocked already or when no passphrase is set, kVerificationFailed for a
  // wrong passphrase, and kUnavailable (saying how long) while a delay after
  // wrong passphrases runs: each one after the first doubles it, up to
  // kMaxUnlockDelayMs.
  Status Unlock(const crypto::Passphrase& passphrase);
  // Drops the keys and everything opened with them from memory. Fails with
  // kFailedPrecondition when no passphrase is set.
  Status Lock();
  // Seals the key file with `next` (`current` must open it when one is set
  // already). The ledger is not touched. REQUIRES: unlocked.
  Status SetPassphrase(const crypto::Passphrase* current, const crypto::Passphrase& next);
  // Writes the key file unsealed again (mode 0600 alone protects it).
  Status RemovePassphrase(const crypto::Passphrase& current);

  // --- Backup and restore (engine_backup.cc; file format in protocol/backup.h) ---
  struct BackupReport {
    std::string path;
    std::uint64_t bytes = 0;
    std::int64_t entries = 0;
  };
  // Writes a sealed copy of the key file and the ledger to `path` (mode
  // 0600) while the daemon keeps running. With a passphrase set,
  // `passphrase` must be it (one passphrase to remember); without, it seals
  // this backup alone. Fails with kAlreadyExists when `path` exists and not
  // `replace`.
  Result<BackupReport> Backup(const std::string& path, const crypto::Passphrase& passphrase, bool replace);
  // Makes the backup at `path` this device's ledger and key file. Refused
  // (kAlreadyExists) over an existing ledger unless `force`; then the files
  // it replaces stay beside, renamed "<name>.replaced-<ms>". Nothing is
  // touched when the backup does not open (kVerificationFailed: wrong
  // passphrase; kCorrupt: damaged). A restored device that was paired
  // appends nothing until its first sync has brought back what it wrote
  // after the backup (EngineStatus::restore_hold), so its chain cannot fork.
  Result<EngineStatus> Restore(const std::string& path, const crypto::Passphrase& passphrase, bool force);

  // --- The same requests in three steps ---
  // Argon2id takes half a second (several under load), so the daemon derives
  // the keys of a request that takes a passphrase off its loop and serves
  // everyone else meanwhile. Begin…() checks what the one-call form checks
  // and reads what it needs; the KeyWork's Derive() is the slow part, safe on
  // any thread; Finish…() judges the keys as the one-call form does and does
  // the work. Begin…() and Finish…() on the engine's thread. A Finish…()
  // refuses (kFailedPrecondition) when the key file changed since its
  // Begin…(), and FinishUnlock() when the engine was unlocked meanwhile. The
  // one-call forms above are the three in a row.
  class KeyWork {
   public:
    KeyWork(KeyWork&&) = default;
    KeyWork& operator=(KeyWork&&) = default;
    // Derives the keys from the passphrases, then forgets them.
    void Derive();

   private:
    friend class Engine;
    KeyWork() = default;
    // Borrowed: each passphrase must outlive Derive().
    const crypto::Passphrase* check_with = nullptr;  // checked against `file`, the key file as read
    std::optional<KeyFile> file;
    const crypto::Passphrase* make_from = nullptr;  // made into a key with `salt` and `limits`
    crypto::PwhashSalt salt{};
    crypto::PwhashLimits limits;
    std::optional<Result<VaultKey>> checked;
    std::optional<Result<VaultKey>> made;
    // The key made from `make_from`, or why there is none (`what` names it
    // for the internal error of a Derive() that did not run).
    Status Made(const char* what) const;
    // What a backup or a restore is about.
    std::string path;
    bool replace = false;
    Bytes backup;  // the backup file, as read
    protocol::BackupHeader header;
  };
  Result<KeyWork> BeginUnlock(const crypto::Passphrase& passphrase);
  Status FinishUnlock(KeyWork& work);
  Result<KeyWork> BeginSetPassphrase(const crypto::Passphrase* current, const crypto::Passphrase& next);
  Status FinishSetPassphrase(KeyWork& work);
  Result<KeyWork> BeginRemovePassphrase(const crypto::Passphrase& current);
  Status FinishRemovePassphrase(KeyWork& work);
  Result<KeyWork> BeginBackup(const std::string& path, const crypto::Passphrase& passphrase, bool replace);
  Result<BackupReport> FinishBackup(KeyWork& work);
  Result<KeyWork> BeginRestore(const std::string& path, const crypto::Passphrase& passphrase, bool force);
  Result<EngineStatus> FinishRestore(KeyWork& work);
  // What the partner holds of this device's chain, from its hello.
  void NotePartnerHello(const protocol::SyncHello& hello);

  // Appends a check-in. REQUIRES: initialized(). Fails with
  // kFailedPrecondition when this device's own chain is frozen by a fork.
  Result<AppendedEntry> Append(const protocol::CheckIn& checkin);

  // Appends an entry of any kind (protocol/kinds.h) after checking it
  // against the ledger's rules: an operation the fold would ignore (accepting
  // one's own proposal, correcting the partner's entry) fails with
  // kFailedPrecondition and the fold's reason. Adds the local UTC offset
  // ("tz") when the body has none.
  Result<AppendedEntry> AppendKind(protocol::Body body);

  // --- Views (daemon/views.h) ---
  // REQUIRES: initialized().
  Views& views() { return *views_; }
  // Whether the views are open (unlocked and loaded); views() needs it.
  bool has_views() const { return views_ != nullptr; }
  struct TimelineEntry {
    LogItem item;
    protocol::Effect effect;
    TimelineKey key;
  };
  Result<std::vector<TimelineEntry>> Timeline(const TimelineQuery& query);

  // --- Private notes: sealed with a key derived from this device's identity,
  // never part of the ledger, never sent. ---
  Result<std::int64_t> AddNote(const std::string& text);
  Result<std::vector<protocol::Note>> Notes();
  Result<bool> DeleteNote(std::int64_t id);

  Result<EngineStatus> GetStatus();
  // Up to `limit` entries, newest first, before `before_rowid` when given;
  // each verified before its body is opened.
  Result<std::vector<LogItem>> Log(std::size_t limit, std::optional<std::int64_t> before_rowid);
  // Re-verifies every entry: id, signature, ledger, membership and chain links.
  Result<VerifyReport> Verify();

  // --- Pairing ---
  // Leaves the solo ledger (its entries stay on this device, private) and
  // makes the shared ledger of `outcome` current, with both partners as
  // members, introducing this member in it by the name it had.
  Status AdoptPairing(const protocol::PairingOutcome& outcome);
  // Records that the partners compared the safety number of this pairing.
  Status ConfirmSafetyNumber();
  Result<bool> SafetyNumberConfirmed();
  // How many entries this device wrote before pairing and still keeps
  // private: as many as CarryPrivateEntries would carry (0 once it did).
  Result<std::int64_t> PrivateEntries();
  // Copies this device's entries from before pairing into the shared ledger,
  // as new entries by this member that say when they were first written
  // ("carried": {"id", "hlc"}). The originals stay where they were. Each
  // earlier ledger is carried at most once. Returns how many were carried.
  // REQUIRES: paired().
  Result<std::int64_t> CarryPrivateEntries();

  // --- Sync with the partner ---
  Result<protocol::SyncHello> Hello();
  // The answer to a want: consecutive entries of one chain.
  Result<protocol::SyncEntries> EntriesAfter(const protocol::SyncWant& want);
  // Verifies and stores a batch of one author's entries in one transaction.
  // Invalid entries are refused (and reported), duplicates skipped, a second
  // valid entry at a stored seq is kept as fork evidence and freezes the
  // chain. Fails only when the store fails. The append listener hears of
  // each stored entry when `notify` is kEachEntry (live pushes); catch-up
  // batches are announced once by the caller instead.
  enum class Notify { kEachEntry, kNone };
  // A received batch decoded, its signatures being checked on the other
  // cores from the moment it is read: made while the batch before it is
  // still being stored, so that those cores are not idle meanwhile.
  class CheckedBatch {
   public:
    ~CheckedBatch();
    CheckedBatch(const CheckedBatch&) = delete;
    CheckedBatch& operator=(const CheckedBatch&) = delete;

   private:
    friend class Engine;
    CheckedBatch() = default;
    std::vector<Result<protocol::Entry>> decoded_;
    std::unique_ptr<SignatureChecker::Batch> signatures_;
  };
  // Starts checking `entries`, to be handed to Receive() with the same
  // entries. It must not outlive the engine.
  std::unique_ptr<CheckedBatch> CheckAhead(const std::vector<protocol::SyncEntry>& entries);
  // `checked`: CheckAhead() of these entries, when the caller made it.
  // `read_ahead`: called every kReadAheadEvery entries while they are
  // stored, and once more before their fold and commit, for the caller to
  // read the next batch off its socket as soon as it comes and CheckAhead()
  // it: the other cores check it while this one stores.
  static constexpr std::size_t kReadAheadEvery = 64;
  Result<ReceiveReport> Receive(const crypto::PublicKey& author,
                                const std::vector<protocol::SyncEntry>& entries,
                                Notify notify = Notify::kEachEntry, CheckedBatch* checked = nullptr,
                                const std::function<void()>& read_ahead = {});
  Result<protocol::ChainHead> Head(const crypto::PublicKey& author);
  Result<std::vector<Fork>> Forks();

  void set_append_listener(AppendListener listener) { listener_ = std::move(listener); }
  Store& store() { return *store_; }
  std::uint64_t NowMillis() { return clock_.NowMillis(); }

 private:
  Engine(std::unique_ptr<Store> store, std::string key_path, Clock& clock,
         crypto::RandomSource& rng, crypto::PwhashLimits vault_limits)
      : store_(std::move(store)), key_path_(std::move(key_path)), clock_(clock), rng_(rng),
        vault_limits_(vault_limits) {}
  static Error NoLedger();
  // Reads the key file and the ledger's state: Open() and Restore().
  Status Load();
  // Ends the hold after a restore once this device's chain is back whole.
  Status CheckRestoreHold();
  // OK when the keys are here; otherwise why not (no ledger, or locked).
  Status NeedKeys() const;
  // Takes `keys` from the key file. Pairing writes the key file first; if it
  // stopped before the database followed, the database's ledger is the newest
  // archived one: go back to it (and rewrite the key file).
  Status AdoptKeys(LedgerKeys keys, const protocol::LedgerId& stored_ledger);
  // Writes the key file, sealed when a passphrase is set.
  Status WriteKeys(const LedgerKeys& keys);
  // A passphrase checked against the key file, in steps: BeginCheck() waits
  // out the delay after wrong passphrases and reads the sealed key file into
  // `work`; FinishCheck() opens the keys with the derived key, when the file
  // is still the one read, counting a wrong passphrase.
  Status BeginCheck(const crypto::Passphrase& passphrase, KeyWork& work);
  Result<LedgerKeys> FinishCheck(KeyWork& work, const char* doing);
  // For requests a key file with or without a passphrase allows (a new
  // passphrase, a backup): refuses when the file became sealed or unsealed
  // since the begin, and when sealed, checks as FinishCheck() does.
  Status FinishCheckIfSealed(KeyWork& work, const char* doing);
  Result<LedgerKeys> OpenSealed(const KeyFile& file, const VaultKey& key);
  // The count of wrong passphrases and the next allowed try, kept in `meta`.
  static constexpr char kRefusalsKey[] = "vault_refusals";
  void LoadRefusals();
  void SaveRefusals();
  Result<AppendedEntry> AppendBody(std::string kind, const std::string& body);
  // What carrying would copy from `archived`, as (kind, body with "carried"):
  // this member's own entries, intact and opened, but not its introduction
  // (the shared ledger has its own). REQUIRES: the keys are here.
  Result<std::vector<std::pair<std::string, std::string>>> CarriableBodies(const ArchivedLedger& archived);
  Status LoadState();
  Status OpenViews();
  // Forgets the views and folds every entry again (a damaged record found).
  Status RebuildViews(const Error& why);
  // Folds what was just stored; a failure is logged and retried next time.
  void FoldNew();
  // Runs `write` and folds what it stored (when `fold_needed` says so, or
  // always), in one transaction.
  Status WriteAndFold(const std::function<Status()>& write, const std::function<bool()>& fold_needed = nullptr);
  // One stored entry as the log shows it: verified, then opened.
  LogItem ReadItem(const StoredEntry& row);
  crypto::SymmetricKey NoteKey() const;
  // The key that opens entries of `ledger`: the current or an archived one.
  const crypto::SymmetricKey* KeyOf(const protocol::LedgerId& ledger) const;
  std::string ReadName(const protocol::LedgerId& ledger);

  std::unique_ptr<Store> store_;
  std::string key_path_;
  Clock& clock_;
  crypto::RandomSource& rng_;
  std::optional<KeyFileInfo> info_;  // set once initialised; all a locked engine has
  std::optional<LedgerKeys> keys_;   // while unlocked
  std::optional<VaultKey> vault_;    // while unlocked with a passphrase: reseals on key changes
  bool sealed_ = false;              // the key file is sealed by a passphrase
  crypto::PwhashLimits vault_limits_;
  int wrong_passphrases_ = 0;
  bool restore_hold_ = false;
  std::uint64_t restore_target_seq_ = UINT64_MAX;  // the partner's head of this device's chain
  std::uint64_t next_try_ms_ = 0;
  std::vector<crypto::PublicKey> members_;
  std::optional<crypto::PublicKey> partner_;
  protocol::HybridClock hlc_;
  std::string name_;
  AppendListener listener_;
  std::unique_ptr<Views> views_;
  crypto::KeySlot slot_;  // each entry's key, while `log` or the timeline opens its body
  SignatureChecker signatures_;  // a received batch's, on the other cores
};

}  // namespace kintsugi::daemon
