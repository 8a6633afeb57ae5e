// Helpers for the daemon tests that need two partners: a device (ledger
// files in a fresh directory with an engine open on them), pairing run in
// memory with the protocol's state machines, sync by hand (hello, want,
// entries, receive; whole or one chain in pieces), entries sealed behind the
// engine's back, and what the views tests compare (timelines, the bytes on
// disk, replicas whose views are folded again from scratch).
//
// Thread-safety: test-thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/engine.h"
#include "daemon/store/key_file.h"
#include "daemon/views.h"
#include "protocol/hlc.h"
#include "protocol/kinds.h"
#include "protocol/invite.h"
#include "protocol/pairing.h"
#include "protocol/sync.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon::testing {

inline protocol::CheckIn Note(std::string note) {
  return protocol::CheckIn{std::move(note), std::nullopt, std::nullopt};
}

// One partner's device: its ledger files in a fresh directory and the engine
// open on them. `engine` is null if opening failed.
struct Device {
  Device(std::uint8_t seed, TestClock& clock) : rng(Seed(seed)), clock(clock) { engine = Open(); }

  std::unique_ptr<Engine> Open() {
    auto opened = TryOpen();
    EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
    return opened.ok() ? std::move(opened).value() : nullptr;
  }
  Result<std::unique_ptr<Engine>> TryOpen() {
    auto store = Store::Open(db_path, durability);
    if (!store.ok()) return store.take_error();
    return Engine::Open(std::move(store).value(), key_path, clock, rng, vault_limits);
  }
  void Reopen() {
    engine.reset();
    engine = Open();
  }
  void Init(const std::string& name) {
    ASSERT_NE(engine, nullptr);
    auto status = engine->Init(protocol::MemberIntro{name});
    ASSERT_TRUE(status.ok()) << status.error().message;
  }
  AppendedEntry Append(const std::string& note) {
    clock.Advance(1'000);
    auto appended = engine->Append(Note(note));
    EXPECT_TRUE(appended.ok()) << (appended.ok() ? "" : appended.error().message);
    return appended.ok() ? *appended : AppendedEntry{};
  }
  const crypto::PublicKey& self() const { return engine->identity().public_key(); }
  std::vector<protocol::EntryId> LogIds() {
    auto log = engine->Log(1000, std::nullopt);
    EXPECT_TRUE(log.ok());
    std::vector<protocol::EntryId> ids;
    if (log.ok()) {
      for (const LogItem& item : *log) ids.push_back(item.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  // This device's chain in its current ledger, ascending, read from its store.
  std::vector<StoredEntry> OwnChain() {
    auto rows = engine->store().ChainAfter(engine->ledger_id(), self(), 0, 10'000, SIZE_MAX);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : std::vector<StoredEntry>{};
  }
  // Verify finds no fault but the `forks` it should: the evidence of a
  // rewritten history is a fault of the ledger, named as such.
  void ExpectVerifies(std::size_t forks = 0) {
    auto report = engine->Verify();
    ASSERT_TRUE(report.ok()) << report.error().message;
    std::size_t seen = 0;
    for (const auto& f : report->faults) {
      if (f.kind == VerifyFault::Kind::kFork) {
        ++seen;
        continue;
      }
      ADD_FAILURE() << "fault at seq " << f.seq << ": " << f.ReasonName() << " " << f.detail;
    }
    EXPECT_EQ(seen, forks) << "forks named by verify";
  }

  TempDir dir;
  // Durability is not under test in most tests; NORMAL keeps long chains quick.
  Store::Durability durability = Store::Durability::kNormal;
  std::string db_path = dir.File("ledger.db");
  std::string key_path = dir.File("identity.key");
  crypto::DeterministicRandom rng;
  TestClock& clock;
  // Argon2id at its cheapest: the vault's logic is under test, not its cost.
  crypto::PwhashLimits vault_limits = crypto::kMinLimits;
  std::unique_ptr<Engine> engine;
};

struct Outcomes {
  std::optional<protocol::PairingOutcome> inviter;
  std::optional<protocol::PairingOutcome> joiner;
};

// Runs pairing between two devices in memory: the joiner's hello, the
// inviter's reply, the joiner's finish, the inviter's welcome.
inline Outcomes RunPairing(const Device& inviter, const Device& joiner, TestClock& clock,
                    crypto::RandomSource& rng) {
  const protocol::InviteCode code = protocol::NewInviteCode(rng);
  protocol::PairingInviter a(code, clock.NowMillis() + protocol::kDefaultInviteSeconds * 1000,
                             inviter.self(), 47474, rng);
  protocol::PairingJoiner b(code, joiner.self(), rng);
  Bytes reply = a.Handle({}, b.hello(), clock.NowMillis(), rng);
  auto finish = b.Handle(reply, rng);
  EXPECT_TRUE(finish.ok()) << (finish.ok() ? "" : finish.error().message);
  if (!finish.ok()) return {};
  EXPECT_FALSE(finish->empty());
  Bytes welcome = a.Handle({}, *finish, clock.NowMillis(), rng);
  auto done = b.Handle(welcome, rng);
  EXPECT_TRUE(done.ok()) << (done.ok() ? "" : done.error().message);
  EXPECT_TRUE(done.ok() && done->empty());
  return Outcomes{a.TakeOutcome(), b.TakeOutcome()};
}

// What one pull (every chain, batch after batch) did.
struct Pulled {
  std::size_t stored = 0;
  std::size_t duplicates = 0;
  std::size_t forks = 0;
  std::size_t batches = 0;
  std::vector<protocol::EntryFault> refused;
};

// `to` asks `from` for what follows each head of `to`'s hello and takes in
// every batch, as the sync service does over the network.
inline Pulled Pull(Device& to, Device& from) {
  Pulled out;
  auto hello = to.engine->Hello();
  EXPECT_TRUE(hello.ok());
  if (!hello.ok()) return out;
  for (const protocol::SyncHead& head : hello->heads) {
    protocol::SyncWant want{head.author, head.seq, static_cast<std::uint16_t>(protocol::kMaxBatchEntries)};
    for (int guard = 0; guard < 100; ++guard) {
      auto batch = from.engine->EntriesAfter(want);
      EXPECT_TRUE(batch.ok());
      if (!batch.ok() || batch->entries.empty()) break;
      auto report = to.engine->Receive(batch->author, batch->entries);
      EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message);
      if (!report.ok()) break;
      ++out.batches;
      out.stored += report->stored;
      out.duplicates += report->duplicates;
      out.forks += report->forks;
      out.refused.insert(out.refused.end(), report->refused.begin(), report->refused.end());
      if (!batch->more || report->head.seq == want.after_seq) break;
      want.after_seq = report->head.seq;
    }
  }
  return out;
}

// Pairs two initialised devices (`inviter` invites, `joiner` joins) with
// pairing run in memory, both adopt the shared ledger, and each pulls the
// other's introduction.
inline void PairDevices(Device& inviter, Device& joiner, TestClock& clock, std::uint8_t seed) {
  crypto::DeterministicRandom rng(Seed(seed));
  Outcomes outcomes = RunPairing(inviter, joiner, clock, rng);
  ASSERT_TRUE(outcomes.inviter && outcomes.joiner);
  ASSERT_TRUE(inviter.engine->AdoptPairing(*outcomes.inviter).ok());
  ASSERT_TRUE(joiner.engine->AdoptPairing(*outcomes.joiner).ok());
  Pull(inviter, joiner);
  Pull(joiner, inviter);
}

// `to` takes in `author`'s chain from `from`, after `to`'s head of it: at most
// `batches` batches of at most `batch_size` entries each, as a sync cut off
// part-way (or one whose partner sends small batches) would.
inline Pulled PullChain(Device& to, Device& from, const crypto::PublicKey& author,
                        std::uint16_t batch_size = static_cast<std::uint16_t>(protocol::kMaxBatchEntries),
                        std::size_t batches = SIZE_MAX) {
  Pulled out;
  auto head = to.engine->Head(author);
  EXPECT_TRUE(head.ok()) << (head.ok() ? "" : head.error().message);
  if (!head.ok()) return out;
  protocol::SyncWant want{author, head->seq, batch_size};
  while (out.batches < batches) {
    auto batch = from.engine->EntriesAfter(want);
    EXPECT_TRUE(batch.ok()) << (batch.ok() ? "" : batch.error().message);
    if (!batch.ok() || batch->entries.empty()) break;
    auto report = to.engine->Receive(batch->author, batch->entries);
    EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().message);
    if (!report.ok()) break;
    ++out.batches;
    out.stored += report->stored;
    out.duplicates += report->duplicates;
    out.forks += report->forks;
    out.refused.insert(out.refused.end(), report->refused.begin(), report->refused.end());
    if (!batch->more || report->head.seq == want.after_seq) break;
    want.after_seq = report->head.seq;
  }
  return out;
}

// Every entry of `author`'s chain that `from` serves after `after_seq`, in
// chain order, with the wrapped keys the sync would send (none once withdrawn).
inline std::vector<protocol::SyncEntry> ServeChain(Device& from, const crypto::PublicKey& author,
                                                   std::uint64_t after_seq = 0) {
  std::vector<protocol::SyncEntry> out;
  protocol::SyncWant want{author, after_seq, static_cast<std::uint16_t>(protocol::kMaxBatchEntries)};
  for (int guard = 0; guard < 10'000; ++guard) {
    auto batch = from.engine->EntriesAfter(want);
    EXPECT_TRUE(batch.ok()) << (batch.ok() ? "" : batch.error().message);
    if (!batch.ok() || batch->entries.empty()) break;
    want.after_seq += batch->entries.size();  // a chain's entries are consecutive
    for (auto& e : batch->entries) out.push_back(std::move(e));
    if (!batch->more) break;
  }
  return out;
}

// Seals an entry with any body (JSON text) under the identity and ledger key
// of a key file, bypassing the engine and its checks: what a modified client
// of that partner could send.
inline protocol::SealedEntry SealBodyWith(const LedgerKeys& keys, const protocol::LedgerId& ledger,
                                          std::uint64_t seq, const protocol::EntryId& prev,
                                          std::vector<protocol::EntryId> parents, std::uint64_t hlc,
                                          std::string body, crypto::RandomSource& rng) {
  protocol::EntryDraft draft;
  draft.ledger_id = ledger;
  draft.seq = seq;
  draft.prev = prev;
  draft.hlc = hlc;
  draft.parents = std::move(parents);
  draft.body = std::move(body);
  auto sealed = protocol::SealEntry(draft, keys.identity, keys.ledger_key, rng);
  EXPECT_TRUE(sealed.ok()) << (sealed.ok() ? "" : sealed.error().message);
  return std::move(sealed).value();
}

// --- Views (daemon/views.h) ---

// Appends an entry of any kind from user-style parameters ("kind" and its
// fields), as the IPC `append` method does.
inline Result<AppendedEntry> AppendParams(Engine& engine, const nlohmann::json& params) {
  auto body = protocol::BodyFromParams(params);
  if (!body.ok()) return body.take_error();
  return engine.AppendKind(std::move(body).value());
}

// One timeline row as every replica must show it.
struct Shown {
  std::string id;
  std::uint64_t stamp = 0;
  std::string author;
  std::string effect;  // Effect::ToJson(): kind, applied, reason, what it refers to
  bool operator==(const Shown&) const = default;
};

inline void PrintTo(const Shown& s, std::ostream* os) {
  *os << s.id.substr(0, 12) << " @" << s.stamp << " by " << s.author.substr(0, 8) << " " << s.effect;
}

// The whole timeline of `engine`, newest first.
inline std::vector<Shown> WholeTimeline(Engine& engine) {
  TimelineQuery query;
  query.limit = 1'000'000;
  auto items = engine.Timeline(query);
  EXPECT_TRUE(items.ok()) << (items.ok() ? "" : items.error().message);
  std::vector<Shown> out;
  if (!items.ok()) return out;
  for (const auto& item : *items) {
    out.push_back({ToHex(item.item.id), item.key.first, ToHex(item.key.second), item.effect.ToJson().dump()});
  }
  return out;
}

// Equal timelines; otherwise names the first row that differs.
inline ::testing::AssertionResult SameTimeline(const std::vector<Shown>& a, const std::vector<Shown>& b) {
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] == b[i]) continue;
    std::ostringstream os;
    os << "the timelines differ at row " << i << " (newest first): ";
    PrintTo(a[i], &os);
    os << " vs ";
    PrintTo(b[i], &os);
    return ::testing::AssertionFailure() << os.str();
  }
  if (a.size() != b.size()) {
    return ::testing::AssertionFailure() << "one timeline has " << a.size() << " rows, the other " << b.size();
  }
  return ::testing::AssertionSuccess();
}

// The timeline row of entry `id`, with its log item; nullopt when not folded.
inline std::optional<Engine::TimelineEntry> FindShown(Engine& engine, const protocol::EntryId& id) {
  TimelineQuery query;
  query.limit = 1'000'000;
  auto items = engine.Timeline(query);
  EXPECT_TRUE(items.ok()) << (items.ok() ? "" : items.error().message);
  if (!items.ok()) return std::nullopt;
  for (auto& item : *items) {
    if (item.item.id == id) return item;
  }
  return std::nullopt;
}

// The ledger file and its write-ahead log, as they are on disk now.
inline Bytes OnDisk(const std::string& db_path) {
  Bytes all = ReadFileBytes(db_path);
  if (Exists(db_path + "-wal")) {
    Bytes wal = ReadFileBytes(db_path + "-wal");
    all.insert(all.end(), wal.begin(), wal.end());
  }
  return all;
}

inline bool Contains(const Bytes& haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}
inline bool Contains(const Bytes& haystack, const std::string& needle) {
  return Contains(haystack, AsBytes(needle));
}

// Forgets the views of `d`'s ledger and reopens its engine, which folds the
// whole ledger again from its entries.
inline void RebuildViews(Device& d) {
  Status reset = d.engine->store().InTransaction([&] { return d.engine->store().ResetViews(d.engine->ledger_id()); });
  ASSERT_TRUE(reset.ok()) << reset.error().message;
  d.Reopen();
  ASSERT_NE(d.engine, nullptr);
}

// Turns `replica` into a device with `like`'s key file and a ledger file that
// knows the two members and none of the entries: a replica that gets the
// whole ledger from outside.
inline void MakeEmptyReplica(Device& replica, const Device& like, const crypto::PublicKey& partner,
                             TestClock& clock) {
  const protocol::LedgerId ledger = like.engine->ledger_id();
  replica.engine.reset();
  {
    auto store = Store::Open(replica.db_path, Store::Durability::kNormal);
    ASSERT_TRUE(store.ok()) << store.error().message;
    const std::uint64_t hlc = protocol::MakeHlc(clock.NowMillis(), 0);
    Status made = (*store)->InTransaction([&]() -> Status {
      KINTSUGI_RETURN_IF_ERROR((*store)->SaveMeta(LedgerMeta{ledger, like.self()}));
      KINTSUGI_RETURN_IF_ERROR((*store)->AddMember(ledger, like.self(), hlc));
      return (*store)->AddMember(ledger, partner, hlc);
    });
    ASSERT_TRUE(made.ok()) << made.error().message;
  }
  std::filesystem::copy_file(like.key_path, replica.key_path, std::filesystem::copy_options::overwrite_existing);
  replica.Reopen();
  ASSERT_NE(replica.engine, nullptr);
}

// The error code of a failed result; nullopt when it succeeded.
template <typename T>
std::optional<ErrorCode> CodeOf(const Result<T>& result) {
  return result.ok() ? std::nullopt : std::optional<ErrorCode>(result.error().code);
}

inline std::vector<protocol::Rejection> Reasons(const std::vector<protocol::EntryFault>& refused) {
  std::vector<protocol::Rejection> out;
  for (const auto& f : refused) out.push_back(f.reason);
  return out;
}

// Seals an entry with the identity and ledger key of a key file, bypassing
// the engine: what a second device with the same key, or a damaged or
// malicious partner, could send.
inline protocol::SealedEntry SealWith(const LedgerKeys& keys, const protocol::LedgerId& ledger, std::uint64_t seq,
                               const protocol::EntryId& prev, std::uint64_t hlc, const std::string& note,
                               crypto::RandomSource& rng) {
  protocol::EntryDraft draft;
  draft.ledger_id = ledger;
  draft.seq = seq;
  draft.prev = prev;
  draft.hlc = hlc;
  draft.body = protocol::EncodeBody(Note(note));
  auto sealed = protocol::SealEntry(draft, keys.identity, keys.ledger_key, rng);
  EXPECT_TRUE(sealed.ok());
  return std::move(sealed).value();
}

inline protocol::SyncEntry ToSync(const protocol::SealedEntry& sealed) {
  return protocol::SyncEntry{sealed.encoded, sealed.key.Encode()};
}

inline LedgerKeys KeysOf(const Device& device) {
  auto keys = ReadKeyFile(device.key_path);
  EXPECT_TRUE(keys.ok()) << (keys.ok() ? "" : keys.error().message);
  return std::move(keys).value();
}

}  // namespace kintsugi::daemon::testing
