// A realistic sample history for two partners, written through the real
// engine: the demo (`make run`), screenshots, tests and benchmarks use it.
//
// Several weeks of a couple's use: agreements proposed, accepted and kept, one
// declined, one amended, a missed one; daily feelings check-ins with an upward
// but uneven trend; status check-ins; appreciations; a trigger and a repair;
// a talk request addressed in a weekly meeting; two weekly meetings; time
// planned and spent together; a phase agreed on. Deterministic for a seed.
//
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/engine.h"

namespace kintsugi::daemon {

// A clock the generator moves through the days it writes.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::uint64_t now_ms) : now_(now_ms) {}
  std::uint64_t NowMillis() override { return now_; }
  void Set(std::uint64_t ms) { now_ = ms; }

 private:
  std::uint64_t now_;
};

struct SampleOptions {
  int days = 42;              // how far back the history starts (at least 30)
  std::uint64_t end_ms = 0;   // when it ends (the clock's time at the end); 0: now
  std::uint64_t seed = 7;
  int extra_per_day = 0;      // more check-ins each day, for large ledgers (benchmarks)
  bool durable = true;        // false: synchronous=NORMAL while writing (quicker, for benchmarks)
};

// Pairs two initialised, unpaired engines in memory (the real pairing
// protocol, run without a network). Both use `clock` and `rng`.
Status PairInMemory(Engine& a, Engine& b, Clock& clock, crypto::RandomSource& rng);
// Copies to `to` every entry of `from` it lacks (what sync does, by hand).
Status PullAll(Engine& to, Engine& from);

// Writes the sample history into two paired engines that share `clock`,
// moving it from `end_ms - days` to `end_ms`, syncing the two as a couple's
// devices would. Returns the number of entries written.
Result<int> WriteSampleHistory(Engine& a, Engine& b, ManualClock& clock, const SampleOptions& options);

// Creates two data dirs (ledger.db and identity.key in each) for partners
// named `name_a` and `name_b`, paired with each other, holding the sample
// history. Fails with kAlreadyExists when either already holds a ledger.
Result<int> CreateSampleCouple(const std::string& dir_a, const std::string& name_a, const std::string& dir_b,
                               const std::string& name_b, const SampleOptions& options);

}  // namespace kintsugi::daemon
