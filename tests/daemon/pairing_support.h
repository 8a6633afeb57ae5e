// Helpers for the daemon tests that need two partners: a device (ledger
// files in a fresh directory with an engine open on them), pairing run in
// memory with the protocol's state machines, sync by hand (hello, want,
// entries, receive) and entries sealed behind the engine's back.
//
// Thread-safety: test-thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/engine.h"
#include "daemon/key_file.h"
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
    // Durability is not under test here; NORMAL keeps long chains quick.
    auto store = Store::Open(db_path, Store::Durability::kNormal);
    if (!store.ok()) return store.take_error();
    return Engine::Open(std::move(store).value(), key_path, clock, rng);
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
  void ExpectVerifies() {
    auto report = engine->Verify();
    ASSERT_TRUE(report.ok()) << report.error().message;
    for (const auto& f : report->faults) {
      ADD_FAILURE() << "fault at seq " << f.seq << ": " << protocol::RejectionName(f.reason) << " " << f.detail;
    }
  }

  TempDir dir;
  std::string db_path = dir.File("ledger.db");
  std::string key_path = dir.File("identity.key");
  crypto::DeterministicRandom rng;
  TestClock& clock;
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
                             inviter.self(), 47474);
  protocol::PairingJoiner b(code, joiner.self(), rng);
  Bytes reply = a.Handle(b.hello(), clock.NowMillis(), rng);
  auto finish = b.Handle(reply, rng);
  EXPECT_TRUE(finish.ok()) << (finish.ok() ? "" : finish.error().message);
  if (!finish.ok()) return {};
  EXPECT_FALSE(finish->empty());
  Bytes welcome = a.Handle(*finish, clock.NowMillis(), rng);
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
