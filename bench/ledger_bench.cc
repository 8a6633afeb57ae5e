// Benchmarks of the ledger's hot paths, printed beside the machine's own
// limits measured in the same run (libsodium's raw Ed25519 and AEAD rates,
// SQLite's commit rate at the project's settings). bench/run.sh turns the
// output into the table in docs/PERFORMANCE.md.
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "crypto/keys.h"
#include "crypto/pwhash.h"
#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/engine.h"
#include "daemon/store/store.h"
#include "protocol/body.h"
#include "protocol/entry_seal.h"
#include "protocol/hlc.h"
#include "protocol/validation.h"

namespace {

using namespace kintsugi;

class BenchDir {
 public:
  BenchDir() {
    char tmpl[] = "/tmp/kintsugi-bench-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~BenchDir() { std::filesystem::remove_all(path_); }
  std::string operator/(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A real engine over a real ledger file, initialised, with `entries` entries.
struct BenchLedger {
  explicit BenchLedger(daemon::Store::Durability durability, int entries = 1) {
    auto store = daemon::Store::Open(dir / "ledger.db", durability);
    engine = std::move(daemon::Engine::Open(std::move(store).value(), dir / "identity.key", clock, rng))
                 .value();
    (void)engine->Init({"Bench"});
    for (int i = 1; i < entries; ++i) (void)engine->Append(kCheckIn);
  }
  static inline const protocol::CheckIn kCheckIn{
      "Plans changed: the meeting ran late, home by 21:00. I wanted you to hear it from me first.",
      6, 4};
  BenchDir dir;
  daemon::SystemClock clock;
  crypto::SystemRandom rng;
  std::unique_ptr<daemon::Engine> engine;
};


// --- The machine's limits ---------------------------------------------------

void BM_Limit_Ed25519Sign(benchmark::State& state) {
  crypto::SystemRandom rng;
  auto key = crypto::SigningKey::Generate(rng);
  Bytes msg(256, 0x42);
  for (auto _ : state) benchmark::DoNotOptimize(key.Sign(msg));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Limit_Ed25519Sign);

void BM_Limit_Ed25519Verify(benchmark::State& state) {
  crypto::SystemRandom rng;
  auto key = crypto::SigningKey::Generate(rng);
  Bytes msg(256, 0x42);
  auto sig = key.Sign(msg);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::VerifySignature(key.public_key(), msg, sig));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Limit_Ed25519Verify);

void BM_Limit_XChaChaSeal(benchmark::State& state) {
  crypto::SystemRandom rng;
  auto key = crypto::SymmetricKey::Generate(rng);
  crypto::AeadNonce nonce{};
  Bytes msg(static_cast<std::size_t>(state.range(0)), 0x42);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Seal(key, nonce, msg, {}));
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Limit_XChaChaSeal)->Arg(256)->Arg(64 * 1024);

// One row per transaction, WAL, synchronous=FULL: the project's settings.
void BM_Limit_SqliteCommit(benchmark::State& state) {
  BenchDir dir;
  sqlite3* db = nullptr;
  sqlite3_open((dir / "commit.db").c_str(), &db);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                   "CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)", nullptr, nullptr, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t(b) VALUES (?1)", -1, &s, nullptr);
  Bytes blob(450, 0x42);
  for (auto _ : state) {
    sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
    sqlite3_bind_blob(s, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
    sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Limit_SqliteCommit)->UseRealTime();

// One Argon2id derivation at the vault's cost (libsodium's "moderate").
void BM_Limit_Argon2idModerate(benchmark::State& state) {
  std::string text = "a passphrase for the bench";
  auto pass = std::move(crypto::Passphrase::Take(text)).value();
  crypto::PwhashSalt salt{};
  for (auto _ : state) benchmark::DoNotOptimize(crypto::DeriveFromPassphrase(pass, salt, crypto::kModerateLimits));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Limit_Argon2idModerate)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// --- Kintsugi ---------------------------------------------------------------

// Build + seal + sign, no storage; the entry's key drawn into one reused
// guarded slot, as the engine does.
void BM_SealEntry(benchmark::State& state) {
  crypto::SystemRandom rng;
  auto author = crypto::SigningKey::Generate(rng);
  auto ledger_key = crypto::SymmetricKey::Generate(rng);
  crypto::KeySlot slot;
  protocol::EntryDraft draft;
  draft.seq = 2;
  draft.hlc = 1;
  draft.body = protocol::EncodeBody(BenchLedger::kCheckIn);
  for (auto _ : state) benchmark::DoNotOptimize(protocol::SealEntry(draft, author, ledger_key, rng, slot));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SealEntry);

// The daemon's append: seal + sign + insert, one durable transaction each.
void BM_Append(benchmark::State& state) {
  BenchLedger ledger(daemon::Store::Durability::kFull);
  for (auto _ : state) {
    auto r = ledger.engine->Append(BenchLedger::kCheckIn);
    if (!r.ok()) state.SkipWithError(r.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Append)->UseRealTime();

// Decode + validate (signature, chain) of one stored entry: the cost of
// accepting an entry, and of `verify` per entry.
void BM_DecodeAndValidate(benchmark::State& state) {
  crypto::SystemRandom rng;
  auto author = crypto::SigningKey::Generate(rng);
  auto ledger_key = crypto::SymmetricKey::Generate(rng);
  protocol::EntryDraft draft;
  draft.seq = 1;
  // A clock of today: a timestamp out of range is refused before the
  // signature is checked, and this measures accepting an entry.
  draft.hlc = protocol::MakeHlc(1'764'000'000'000, 0);
  draft.body = protocol::EncodeBody(BenchLedger::kCheckIn);
  auto sealed = protocol::SealEntry(draft, author, ledger_key, rng);
  std::vector<crypto::PublicKey> members{author.public_key()};
  protocol::LedgerContext ledger{draft.ledger_id, members};
  if (!protocol::DecodeAndValidate(sealed->encoded, ledger, protocol::ChainHead{}).ok()) {
    state.SkipWithError("the entry measured is refused: this would time a refusal");
    return;
  }
  for (auto _ : state) {
    auto r = protocol::DecodeAndValidate(sealed->encoded, ledger, protocol::ChainHead{});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeAndValidate);

// `verify` over a stored ledger of N entries, per entry.
void BM_VerifyLedger(benchmark::State& state) {
  BenchLedger ledger(daemon::Store::Durability::kNormal, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    auto report = ledger.engine->Verify();
    if (!report.ok() || !report->ok()) state.SkipWithError("verify failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_VerifyLedger)->Arg(2000)->Unit(benchmark::kMillisecond)->UseRealTime();

// One `log` page of 50: read, verify and open each entry.
void BM_LogPage(benchmark::State& state) {
  BenchLedger ledger(daemon::Store::Durability::kNormal, 500);
  for (auto _ : state) benchmark::DoNotOptimize(ledger.engine->Log(50, std::nullopt));
  state.SetItemsProcessed(state.iterations() * 50);
}
BENCHMARK(BM_LogPage)->Unit(benchmark::kMicrosecond);

// Unlock then lock a sealed ledger of 2,000 entries: the derivation, opening
// the key file, and opening the views again.
void BM_UnlockLock(benchmark::State& state) {
  BenchLedger ledger(daemon::Store::Durability::kNormal, 2000);
  std::string text = "a passphrase for the bench";
  auto pass = std::move(crypto::Passphrase::Take(text)).value();
  if (!ledger.engine->SetPassphrase(nullptr, pass).ok()) state.SkipWithError("set passphrase failed");
  for (auto _ : state) {
    if (!ledger.engine->Lock().ok() || !ledger.engine->Unlock(pass).ok()) state.SkipWithError("unlock failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UnlockLock)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// A sealed backup of a 2,000-entry ledger, written to a file.
void BM_Backup(benchmark::State& state) {
  BenchLedger ledger(daemon::Store::Durability::kNormal, 2000);
  const std::string out = ledger.dir / "bench.kbak";
  std::string text = "a passphrase for the bench";
  auto pass = std::move(crypto::Passphrase::Take(text)).value();
  for (auto _ : state) {
    if (!ledger.engine->Backup(out, pass, true).ok()) state.SkipWithError("backup failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Backup)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
