// Engine: the ledger of one device. It appends entries (build, seal, sign and
// insert in one transaction), reads them back verified, and re-verifies the
// whole store on demand. It knows nothing of sockets: the IPC dispatcher and,
// later, peer links call it.
//
// Starts uninitialised when there is no key file; Init() creates this device's
// identity and a single-member ledger. Start-up reads only the key file, the
// ledger meta and one index lookup: its cost does not grow with history.
//
// Thread-safety: one thread (the daemon loop).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/key_file.h"
#include "daemon/store.h"
#include "protocol/body.h"
#include "protocol/hlc.h"

namespace kintsugi::daemon {

struct AppendedEntry {
  protocol::EntryId id{};
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
  std::uint64_t hlc = 0;
  std::string kind;
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

struct VerifyFault {
  std::int64_t rowid = 0;
  protocol::EntryId id{};
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
  protocol::Rejection reason{};
  std::string detail;
};

struct VerifyReport {
  std::int64_t entries_checked = 0;
  std::vector<VerifyFault> faults;
  bool ok() const { return faults.empty(); }
};

struct EngineStatus {
  bool initialized = false;
  std::string name;
  crypto::PublicKey author{};
  protocol::LedgerId ledger_id{};
  std::int64_t entries = 0;
  std::size_t members = 0;
};

class Engine {
 public:
  using AppendListener = std::function<void(const AppendedEntry&)>;

  // Opens the ledger in `store` with the key file at `key_path`. Fails with
  // kCorrupt when the key file and the store disagree about the ledger.
  static Result<std::unique_ptr<Engine>> Open(std::unique_ptr<Store> store, std::string key_path,
                                              Clock& clock, crypto::RandomSource& rng);

  bool initialized() const { return keys_.has_value(); }

  // Creates the identity, the ledger key and a ledger whose first entry
  // introduces this member by `name`. Fails with kAlreadyExists when
  // initialised already.
  Result<EngineStatus> Init(const protocol::MemberIntro& intro);

  // Appends a check-in. REQUIRES: initialized().
  Result<AppendedEntry> Append(const protocol::CheckIn& checkin);

  Result<EngineStatus> GetStatus();
  // Up to `limit` entries, newest first, before `before_rowid` when given;
  // each verified before its body is opened.
  Result<std::vector<LogItem>> Log(std::size_t limit, std::optional<std::int64_t> before_rowid);
  // Re-verifies every entry: id, signature, ledger, membership and chain links.
  Result<VerifyReport> Verify();

  void set_append_listener(AppendListener listener) { listener_ = std::move(listener); }

 private:
  Engine(std::unique_ptr<Store> store, std::string key_path, Clock& clock,
         crypto::RandomSource& rng)
      : store_(std::move(store)), key_path_(std::move(key_path)), clock_(clock), rng_(rng) {}
  Result<AppendedEntry> AppendBody(std::string kind, const std::string& body);
  Status LoadName();

  std::unique_ptr<Store> store_;
  std::string key_path_;
  Clock& clock_;
  crypto::RandomSource& rng_;
  std::optional<LedgerKeys> keys_;
  std::vector<crypto::PublicKey> members_;
  protocol::HybridClock hlc_;
  std::string name_;
  AppendListener listener_;
};

}  // namespace kintsugi::daemon
