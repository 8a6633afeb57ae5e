// The cost of the ledger's views on a large ledger: the fold of every entry
// from scratch, one incremental update, opening the views at start-up, and
// each view query (p50/p99), beside the machine's AEAD and Ed25519 rates
// measured in the same run. Prints one JSON object per figure (bench/run.sh
// collects them; bench/table.py makes the table).
//
// Usage: views_bench [--entries N] [--samples N] [--dir DIR]
// With --dir, the ledger is built in DIR and kept there, and a ledger already
// in DIR is used as it is (--entries should say how many it holds; each run
// adds --samples entries to it): the way to profile one stage at a million
// entries without building them again.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/aead.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/engine.h"
#include "daemon/store/key_file.h"
#include "daemon/store/store.h"
#include "protocol/entry_seal.h"
#include "protocol/kinds.h"

namespace {

using namespace kintsugi;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Emit(const std::string& name, double value, json extra = json::object()) {
  extra["name"] = name;
  extra["value"] = value;
  std::cout << extra.dump() << std::endl;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

// A clock a day's worth of entries apart, so that trends span many days.
class StepClock final : public daemon::Clock {
 public:
  std::uint64_t NowMillis() override { return now_ += 60'000; }

 private:
  std::uint64_t now_ = 1'700'000'000'000;
};

// One entry of a realistic mix of kinds, by turn.
json Body(int i, const std::string& agreement, const std::string& talk, const std::string& plan) {
  switch (i % 20) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6:
      return {{"kind", "feelings"}, {"mood", 3 + i % 7}, {"trust", 2 + i % 8},
              {"appreciated", "You made tea when I was tired."}, {"needed", "A quiet evening together."}};
    case 7: case 8: case 9:
      return {{"kind", "status"}, {"text", "Plans changed: the meeting ran late, home by 21:00."},
              {"until", 1'700'000'000'000 + i}};
    case 10: case 11:
      return {{"kind", "appreciation"}, {"text", "Thank you for telling me before, not after."}};
    case 12:
      return {{"kind", "trigger"}, {"what", "A message I did not understand."}, {"intensity", 1 + i % 10},
              {"helped", "Asking, and a straight answer."}};
    case 13:
      return {{"kind", "talk.request"}, {"topic", "How we spend Sunday evenings."}};
    case 14:
      return {{"kind", "meeting"}, {"appreciations", "The walk on Saturday."}, {"went_well", "Check-ins."},
              {"issue", "Screens at dinner."}, {"talks", json::array({talk})}};
    case 15:
      if (i % 40 == 15) return {{"kind", "time.plan"}, {"what", "Dinner by the river"}, {"when", 1'800'000'000'000}};
      return {{"kind", "time.done"}, {"what", "Dinner by the river"}, {"plan", plan}};
    case 16:
      return {{"kind", "checkin"}, {"note", "A calm day."}, {"mood", 6}};
    case 17:
      return {{"kind", "correct"}, {"ref", agreement}, {"text", "I meant the first Sunday of the month."}};
    default:
      return {{"kind", "repair"}, {"plan", "Pause when voices rise; come back within the hour."}};
  }
}

}  // namespace

int main(int argc, char** argv) {
  int entries = 100'000;
  int samples = 1000;
  std::string kept_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--entries") entries = std::atoi(argv[i + 1]);
    if (flag == "--samples") samples = std::atoi(argv[i + 1]);
    if (flag == "--dir") kept_dir = argv[i + 1];
  }
  char tmpl[] = "/tmp/kintsugi-views-bench-XXXXXX";
  const std::string dir = kept_dir.empty() ? std::string(::mkdtemp(tmpl)) : kept_dir;
  const bool built = !kept_dir.empty() && std::filesystem::exists(dir + "/ledger.db");
  if (!kept_dir.empty()) std::filesystem::create_directories(dir);
  StepClock clock;
  crypto::SystemRandom rng;
  if (!built) {
    // Durability is not what is measured: NORMAL makes building the ledger quick.
    auto store = daemon::Store::Open(dir + "/ledger.db", daemon::Store::Durability::kNormal);
    auto engine = std::move(daemon::Engine::Open(std::move(store).value(), dir + "/identity.key", clock, rng)).value();
    (void)engine->Init({"Bench"});
    auto proposed = engine->AppendKind(*protocol::BodyFromParams(
        {{"kind", "propose"}, {"title", "Tell before plans change"}, {"text", "I tell you before, not after."},
         {"category", "commitment"}}));
    const std::string agreement = ToHex(proposed->id);
    std::string talk = agreement;
    std::string plan = ToHex(engine->AppendKind(*protocol::BodyFromParams(
        {{"kind", "time.plan"}, {"what", "A walk"}, {"when", 1'800'000'000'000}}))->id);
    std::cerr << "views_bench: building a ledger of " << entries << " entries\n";
    for (int i = 3; i < entries; ++i) {
      auto body = protocol::BodyFromParams(Body(i, agreement, talk, plan));
      if (!body.ok()) return std::fprintf(stderr, "views_bench: %s\n", body.error().message.c_str()), 1;
      auto appended = engine->AppendKind(std::move(body).value());
      if (!appended.ok()) return std::fprintf(stderr, "views_bench: %s\n", appended.error().message.c_str()), 1;
      if (appended->kind == "talk.request") talk = ToHex(appended->id);
      if (appended->kind == "time.plan") plan = ToHex(appended->id);
    }
  }

  // The machine's limits, measured now: AEAD on a 256-byte record, Ed25519 verify.
  {
    auto key = crypto::SymmetricKey::Generate(rng);
    Bytes msg(256, 0x42);
    const int n = 200'000;
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
      crypto::AeadNonce nonce{};
      nonce[0] = static_cast<std::uint8_t>(i);
      auto sealed = crypto::Seal(key, nonce, msg, {});
      if (sealed.empty()) return 1;
    }
    Emit("aead_rate", n / (Ms(Clock::now() - t0) / 1000));
    auto signer = crypto::SigningKey::Generate(rng);
    auto sig = signer.Sign(msg);
    const int m = 20'000;
    t0 = Clock::now();
    for (int i = 0; i < m; ++i) {
      if (!crypto::VerifySignature(signer.public_key(), msg, sig)) return 1;
    }
    Emit("verify_rate", m / (Ms(Clock::now() - t0) / 1000));
  }

  auto store = std::move(daemon::Store::Open(dir + "/ledger.db", daemon::Store::Durability::kFull)).value();
  auto keys = std::move(daemon::ReadKeyFile(dir + "/identity.key")).value();

  // Opening the views at start-up: the newest saved state and the entries after it.
  {
    std::vector<double> opens;
    for (int i = 0; i < 5; ++i) {
      auto t0 = Clock::now();
      auto views = daemon::Views::Open(*store, keys.ledger_id, keys.ledger_key, rng);
      opens.push_back(Ms(Clock::now() - t0));
      if (!views.ok()) return 1;
    }
    Emit("views_open_ms", Percentile(opens, 0.5), {{"entries", entries}});
  }

  // The fold of every entry from scratch (what a rebuild costs).
  {
    (void)store->InTransaction([&] { return store->ResetViews(keys.ledger_id); });
    auto t0 = Clock::now();
    auto views = daemon::Views::Open(*store, keys.ledger_id, keys.ledger_key, rng);
    const double ms = Ms(Clock::now() - t0);
    if (!views.ok()) return 1;
    Emit("fold_rate", entries / (ms / 1000), {{"entries", entries}});
  }

  // One incremental update: a new entry stored, then folded at the end.
  auto engine = std::move(daemon::Engine::Open(std::move(store), dir + "/identity.key", clock, rng)).value();
  {
    std::vector<double> updates;
    const crypto::PublicKey self = engine->identity().public_key();
    for (int i = 0; i < samples; ++i) {
      auto head = engine->store().Head(keys.ledger_id, self);
      protocol::EntryDraft draft;
      draft.ledger_id = keys.ledger_id;
      draft.seq = head->seq + 1;
      draft.prev = head->id;
      draft.hlc = protocol::MakeHlc(clock.NowMillis(), 0);
      draft.body = protocol::EncodeBody(*protocol::BodyFromParams(Body(i % 13, ToHex(head->id), "", "")));
      auto sealed = protocol::SealEntry(draft, keys.identity, keys.ledger_key, rng);
      auto row = daemon::NewEntry::From(*sealed);
      (void)engine->store().InTransaction([&] { return engine->store().InsertEntry(row); });
      auto t0 = Clock::now();
      auto stats = engine->views().CatchUp();
      updates.push_back(Ms(Clock::now() - t0) * 1000);
      if (!stats.ok() || stats->folded != 1) return std::fprintf(stderr, "views_bench: update folded badly\n"), 1;
    }
    Emit("update_p50_us", Percentile(updates, 0.5));
    Emit("update_p99_us", Percentile(updates, 0.99));
  }

  // View queries.
  auto measure = [&](const std::string& name, const std::function<void()>& query) {
    std::vector<double> times;
    for (int i = 0; i < std::max(samples / 10, 20); ++i) {
      auto t0 = Clock::now();
      query();
      times.push_back(Ms(Clock::now() - t0));
    }
    Emit(name + "_p50_ms", Percentile(times, 0.5));
    Emit(name + "_p99_ms", Percentile(times, 0.99));
  };
  const std::string me = ToHex(engine->identity().public_key());
  measure("agreements", [&] { (void)engine->views().state().AgreementsView(engine->views().Opener()); });
  const auto today = static_cast<std::int64_t>(clock.NowMillis() / 86'400'000);
  // As the daemon answers view.pending: the view, written as its reply.
  measure("pending", [&] {
    (void)nlohmann::json(engine->views().state().PendingView(me, today, engine->views().Opener()));
  });
  measure("trends", [&] { (void)engine->views().state().TrendsView(today - 89, today, today); });
  measure("timeline", [&] { (void)engine->Timeline(daemon::TimelineQuery{}); });
  measure("timeline_kind", [&] {
    daemon::TimelineQuery q;
    q.kind = "trigger";
    (void)engine->Timeline(q);
  });
  engine.reset();
  if (kept_dir.empty()) std::filesystem::remove_all(dir);
  return 0;
}
