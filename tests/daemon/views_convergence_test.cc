// Views converge: two partners' engines on real ledger files write a seeded
// random sequence of operations, each only what its own view allows, and sync
// by hand in pieces, one way and after long partitions; at the end both hold
// the same state and timeline, and so does a fresh replica that receives
// everything at once and a device whose views are folded again from scratch
// (daemon/views.h). The other views tests are in views_test.cc.
#include "daemon/views.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/engine.h"
#include "protocol/fold.h"
#include "protocol/kinds.h"
#include "tests/daemon/pairing_support.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using testing::AppendParams;
using testing::Device;
using testing::KeysOf;
using testing::MakeEmptyReplica;
using testing::Outcomes;
using testing::Pulled;
using testing::PullChain;
using testing::RebuildViews;
using testing::RunPairing;
using testing::SameTimeline;
using testing::SealWith;
using testing::Seed;
using testing::ServeChain;
using testing::Shown;
using testing::TestClock;
using testing::ToSync;
using testing::WholeTimeline;

constexpr std::int64_t kMsPerDay = 86'400'000;

std::string Hex(const protocol::EntryId& id) { return ToHex(id); }

// One partner in the simulation: a device with its own clock (the partners'
// clocks disagree by minutes, now and then by hours), its time zone and what
// it wrote.
struct Partner {
  Partner(std::uint8_t seed, int tz) : device(seed, clock), tz(tz) {}
  TestClock clock;
  Device device;
  int tz;
  std::vector<std::pair<std::string, std::string>> own;  // id (hex), kind
};

// Two partners write a seeded random sequence of operations, each only what
// its own view allows at that moment, and sync by hand now and then: in
// pieces, one way, after long partitions.
class Simulation {
 public:
  explicit Simulation(std::uint64_t seed)
      : rng_(seed), ana_(static_cast<std::uint8_t>(10 + 2 * seed), 60), bea_(static_cast<std::uint8_t>(11 + 2 * seed), -300) {}

  void Run(int operations) {
    ASSERT_NE(ana_.device.engine, nullptr);
    ASSERT_NE(bea_.device.engine, nullptr);
    ana_.device.Init("Ana");
    bea_.device.Init("Bea");
    crypto::DeterministicRandom pairing_rng{Seed(90)};
    Outcomes outcomes = RunPairing(ana_.device, bea_.device, ana_.clock, pairing_rng);
    ASSERT_TRUE(outcomes.inviter && outcomes.joiner);
    ASSERT_TRUE(ana_.device.engine->AdoptPairing(*outcomes.inviter).ok());
    ASSERT_TRUE(bea_.device.engine->AdoptPairing(*outcomes.joiner).ok());
    FullSync();

    int partition = 0;
    for (int i = 0; i < operations && failures_ < 5; ++i) {
      Tick();
      Write(Roll(0, 1) == 0 ? ana_ : bea_);
      if (i == operations / 2) ExpectRebuildChangesNothing(bea_.device);
      if (Roll(0, 99) < 2) Restart(Roll(0, 1) == 0 ? ana_ : bea_, i);
      if (Roll(0, 99) < 2) {
        const bool from_ana = Roll(0, 1) == 0;
        HostileClock(from_ana ? ana_ : bea_, from_ana ? bea_ : ana_);
      }
      if (partition > 0) {
        --partition;
        continue;
      }
      const int r = Roll(0, 99);
      if (r < 6) {
        partition = Roll(15, 60);
      } else if (r < 26) {
        const bool to_ana = Roll(0, 1) == 0;
        SyncPiece(to_ana ? ana_ : bea_, to_ana ? bea_ : ana_, static_cast<std::uint16_t>(Roll(1, 20)),
                  static_cast<std::size_t>(Roll(1, 3)));
      } else if (r < 34) {
        const bool to_ana = Roll(0, 1) == 0;
        SyncPiece(to_ana ? ana_ : bea_, to_ana ? bea_ : ana_, 256, SIZE_MAX);
      } else if (r < 40) {
        FullSync();
        EXPECT_EQ(StateOf(ana_), StateOf(bea_)) << "after a full sync at operation " << i;
        EXPECT_TRUE(SameTimeline(WholeTimeline(*ana_.device.engine), WholeTimeline(*bea_.device.engine)))
            << "after a full sync at operation " << i;
      }
    }
    FullSync();
  }

  void ExpectConverged() {
    Engine& a = *ana_.device.engine;
    Engine& b = *bea_.device.engine;
    const std::string state = StateOf(ana_);
    EXPECT_EQ(state, StateOf(bea_));
    const std::vector<Shown> timeline = WholeTimeline(a);
    EXPECT_TRUE(SameTimeline(timeline, WholeTimeline(b)));
    EXPECT_EQ(static_cast<std::int64_t>(timeline.size()), a.GetStatus()->entries) << "not every entry is folded";
    EXPECT_EQ(a.views().waiting(), 0u);
    EXPECT_EQ(b.views().waiting(), 0u);
    ana_.device.ExpectVerifies();
    bea_.device.ExpectVerifies();

    // The simulation did what it is for.
    EXPECT_GT(out_of_order_, 0) << "no entry arrived behind folded ones";
    EXPECT_GT(hostile_, 0) << "no hostile clock was sent";
    const protocol::LedgerState& s = a.views().state();
    EXPECT_GT(s.ToJson()["withdrawn"].size(), 0u) << "nothing was withdrawn";
    EXPECT_GT(s.agreements().size(), 0u);
    EXPECT_GT(std::count_if(timeline.begin(), timeline.end(),
                            [](const Shown& r) { return r.effect.find("\"withdrawn\"") != std::string::npos; }),
              0);

    // A replica that receives everything at once: Ana's chain first (its
    // entries wait for Bea's, which they name as parents), then Bea's.
    Device fresh{static_cast<std::uint8_t>(200), ana_.clock};
    MakeEmptyReplica(fresh, ana_.device, bea_.device.self(), ana_.clock);
    ASSERT_NE(fresh.engine, nullptr);
    auto from_ana = fresh.engine->Receive(ana_.device.self(), ServeChain(ana_.device, ana_.device.self()),
                                          Engine::Notify::kNone);
    ASSERT_TRUE(from_ana.ok()) << from_ana.error().message;
    EXPECT_TRUE(from_ana->refused.empty());
    EXPECT_GT(fresh.engine->views().waiting(), 0u);
    auto from_bea = fresh.engine->Receive(bea_.device.self(), ServeChain(bea_.device, bea_.device.self()),
                                          Engine::Notify::kNone);
    ASSERT_TRUE(from_bea.ok()) << from_bea.error().message;
    EXPECT_TRUE(from_bea->refused.empty());
    EXPECT_EQ(fresh.engine->views().waiting(), 0u);
    EXPECT_EQ(fresh.engine->views().state().ToJson().dump(), state);
    EXPECT_TRUE(SameTimeline(WholeTimeline(*fresh.engine), timeline));
    fresh.ExpectVerifies();

    // And Bea's own views, forgotten and folded again in one go.
    RebuildViews(bea_.device);
    EXPECT_EQ(StateOf(bea_), state);
    EXPECT_TRUE(SameTimeline(WholeTimeline(*bea_.device.engine), timeline));
  }

 private:
  int Roll(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string Words(const std::string& what) { return what + " " + std::to_string(Roll(1, 999'999)); }
  template <typename T>
  const T& Pick(const std::vector<T>& from) {
    return from[static_cast<std::size_t>(Roll(0, static_cast<int>(from.size()) - 1))];
  }
  static std::string StateOf(Partner& p) { return p.device.engine->views().state().ToJson().dump(); }

  // Fold, restart, fold again: the views are what they were.
  void Restart(Partner& p, int operation) {
    const std::string before = StateOf(p);
    p.device.Reopen();
    ASSERT_NE(p.device.engine, nullptr);
    EXPECT_EQ(StateOf(p), before) << "a restart changed the views at operation " << operation;
  }

  // A partner's own key signs its next entry with a clock no device can
  // hold: past 2^46 ms (the year 4199), with the sign bit of a 64-bit stamp
  // set, or at 0. It is refused on arrival, whatever else is wrong with it,
  // and the other's views do not move.
  void HostileClock(Partner& from, Partner& to) {
    const std::string before = StateOf(to);
    const LedgerKeys keys = KeysOf(from.device);
    auto head = from.device.engine->Head(from.device.self());
    ASSERT_TRUE(head.ok());
    const int pick = Roll(0, 2);
    const std::uint64_t ms = pick == 0   ? (std::uint64_t{1} << 46) + static_cast<std::uint64_t>(Roll(0, 1'000'000))
                             : pick == 1 ? (std::uint64_t{1} << 47) + static_cast<std::uint64_t>(Roll(0, 1'000'000))
                                         : 0;
    const std::uint64_t hlc = (ms << 16) | static_cast<std::uint64_t>(Roll(0, 65535));
    auto sealed = SealWith(keys, keys.ledger_id, head->seq + 1, head->id, hlc, "from the year 4200", forge_rng_);
    auto report = to.device.engine->Receive(from.device.self(), {ToSync(sealed)});
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->stored, 0u);
    ASSERT_EQ(report->refused.size(), 1u);
    EXPECT_EQ(report->refused[0].reason, protocol::Rejection::kClockOutOfRange) << "ms " << ms;
    EXPECT_EQ(StateOf(to), before) << "a hostile clock moved the views";
    ++hostile_;
  }

  // Time moves from a minute to six hours, now and then by weeks (closed
  // talks and plans leave the state after 180 days); Bea's clock is off by
  // minutes or hours.
  void Tick() {
    ana_.clock.Advance(Roll(1, 360) * 60'000);
    if (Roll(0, 49) == 0) ana_.clock.Advance(static_cast<std::int64_t>(Roll(30, 120)) * kMsPerDay);
    if (Roll(0, 9) == 0) {
      // Now and then far off, beyond what the partner's clock will follow.
      skew_ms_ = Roll(0, 4) == 0 ? Roll(-3, 3) * 3'600'000 : Roll(-300, 300) * 1'000;
    }
    bea_.clock.Set(ana_.clock.NowMillis() + skew_ms_);
  }

  void Write(Partner& p) {
    for (int attempt = 0; attempt < 8; ++attempt) {
      std::optional<json> params = Choose(p);
      if (!params) continue;
      (*params)["tz"] = p.tz;
      auto appended = AppendParams(*p.device.engine, *params);
      if (!appended.ok()) {
        ++failures_;
        ADD_FAILURE() << "the view allowed " << params->dump() << " but append refused: "
                      << appended.error().message;
        return;
      }
      p.own.emplace_back(Hex(appended->id), (*params)["kind"].get<std::string>());
      return;
    }
  }

  enum Op {
    kPropose, kAnswer, kAmend, kRetire, kFeelings, kAgreementCheckIn, kAppreciation, kTrigger, kTalkRequest,
    kTalkAnswer, kMeeting, kPause, kTimePlan, kTimeDone, kCorrect, kWithdraw, kPhase, kStatusOrSeen,
  };

  // A random operation that `p`'s current view allows; nullopt when the
  // drawn kind has nothing to act on.
  std::optional<json> Choose(Partner& p) {
    const protocol::LedgerState& s = p.device.engine->views().state();
    const std::string me = ToHex(p.device.self());
    const std::uint64_t now = p.clock.NowMillis();
    std::vector<std::string> active;
    for (const auto& [id, a] : s.agreements()) {
      if (a.state == "active") active.push_back(id);
    }
    auto own_of = [&](const std::set<std::string>& kinds) {
      std::vector<std::string> out;
      for (const auto& [id, kind] : p.own) {
        if (kinds.count(kind) && !s.withdrawn(id)) out.push_back(id);
      }
      return out;
    };
    static const std::vector<std::string> kCategories{"commitment", "need", "boundary", "ritual"};
    // Weighted towards what depends on order (answers, amendments, phases)
    // and towards few agreements, so that both partners act on the same ones.
    static const std::vector<Op> kDraws{
        kPropose, kPropose, kAnswer,   kAnswer,  kAnswer,    kAnswer,     kAnswer,   kAmend,
        kAmend,   kAmend,   kRetire,   kFeelings, kFeelings, kAgreementCheckIn, kAgreementCheckIn,
        kAppreciation, kTrigger, kTalkRequest, kTalkAnswer, kTalkAnswer, kMeeting, kPause, kTimePlan, kTimeDone, kCorrect,
        kWithdraw, kWithdraw, kPhase, kPhase, kPhase, kStatusOrSeen};
    // Own entries that may be corrected or withdrawn.
    static const std::set<std::string> kOwnWords{"feelings", "appreciation", "trigger", "agreement",
                                                 "status", "talk.request", "time.plan", "correct"};
    std::size_t live = 0;
    for (const auto& [id, a] : s.agreements()) live += a.state == "proposed" || a.state == "active";
    switch (Pick(kDraws)) {
      case kPropose: {
        if (live >= 3) return std::nullopt;
        json j{{"kind", "propose"}, {"title", Words("title")}, {"text", Words("text")},
               {"category", Pick(kCategories)}};
        if (Roll(0, 2) == 0) j["review"] = protocol::DateFromDay(static_cast<std::int64_t>(now / kMsPerDay) + 30);
        return j;
      }
      case kAnswer: {
        std::vector<std::string> open;
        for (const auto& [id, pr] : s.proposals()) {
          if (pr.status != "open" || pr.author == me) continue;
          if (!pr.agreement.empty() && pr.kind != "propose") {
            const auto& a = s.agreements().at(pr.agreement);
            if (a.state != "active" || a.version != pr.base_version) continue;
          }
          open.push_back(id);
        }
        if (open.empty()) return std::nullopt;
        const bool accept = Roll(0, 3) != 0;
        json j{{"kind", accept ? "accept" : "decline"}, {"ref", Pick(open)}};
        if (Roll(0, 1) == 0) j[accept ? "note" : "reason"] = Words("because");
        return j;
      }
      case kAmend: {
        if (active.empty()) return std::nullopt;
        json j{{"kind", "amend"}, {"agreement", Pick(active)}, {"text", Words("new text")}};
        if (Roll(0, 1) == 0) j["title"] = Words("new title");
        if (Roll(0, 2) == 0) j["category"] = Pick(kCategories);
        return j;
      }
      case kRetire:
        if (active.empty()) return std::nullopt;
        return json{{"kind", "retire"}, {"agreement", Pick(active)}};
      case kFeelings:
        return json{{"kind", "feelings"}, {"mood", Roll(1, 10)}, {"trust", Roll(1, 10)},
                    {"appreciated", Words("appreciated")}};
      case kAgreementCheckIn: {
        if (active.empty()) return std::nullopt;
        static const std::vector<std::string> kOutcomes{"kept", "struggled", "missed"};
        return json{{"kind", "agreement"}, {"agreement", Pick(active)}, {"outcome", Pick(kOutcomes)}};
      }
      case kAppreciation:
        return json{{"kind", "appreciation"}, {"text", Words("thanks for")}};
      case kTrigger:
        return json{{"kind", "trigger"}, {"what", Words("it hurt when")}, {"intensity", Roll(1, 10)}};
      case kTalkRequest:
        return json{{"kind", "talk.request"}, {"topic", Words("topic")}};
      case kTalkAnswer: {
        // The partner's open talk requests, answered or not (the answer changes).
        std::vector<std::string> asked;
        const json all = s.ToJson()["talks"];
        for (const auto& [id, mark] : all.items()) {
          if (mark["closed_by"] == "" && mark["author"] != me) asked.push_back(id);
        }
        if (asked.empty()) return std::nullopt;
        static const std::vector<std::string> kAnswers{"tonight", "at_meeting", "not_yet"};
        json j{{"kind", "talk.answer"}, {"talk", Pick(asked)}, {"answer", Pick(kAnswers)}};
        if (Roll(0, 1) == 0) j["note"] = Words("because");
        return j;
      }
      case kMeeting: {
        json talks = json::array();
        const json all = s.ToJson()["talks"];
        for (const auto& [id, mark] : all.items()) {
          if (mark["closed_by"] == "" && talks.size() < 3 && Roll(0, 1) == 0) talks.push_back(id);
        }
        json j = Roll(0, 2) == 0 ? json{{"kind", "repair"}, {"plan", Words("plan")}}
                                 : json{{"kind", "meeting"}, {"appreciations", Words("we")}};
        if (!talks.empty()) j["talks"] = talks;
        return j;
      }
      case kPause:
        return json{{"kind", "pause"}, {"minutes", Roll(20, 24 * 60)}};
      case kTimePlan:
        return json{{"kind", "time.plan"}, {"what", Words("a walk")},
                    {"when", now + static_cast<std::uint64_t>(Roll(1, 72)) * 3'600'000}};
      case kTimeDone: {
        json j{{"kind", "time.done"}, {"what", Words("we walked")}};
        std::vector<std::string> plans;
        const json all = s.ToJson()["plans"];
        for (const auto& [id, mark] : all.items()) plans.push_back(id);
        if (!plans.empty() && Roll(0, 2) != 0) j["plan"] = Pick(plans);
        return j;
      }
      case kCorrect: {
        auto targets = own_of(kOwnWords);
        if (targets.empty()) return std::nullopt;
        return json{{"kind", "correct"}, {"ref", Pick(targets)}, {"text", Words("I meant")}};
      }
      case kWithdraw: {
        auto targets = own_of(kOwnWords);
        if (targets.empty()) return std::nullopt;
        return json{{"kind", "withdraw"}, {"ref", Pick(targets)}};
      }
      case kPhase: {
        static const std::vector<std::string> kPhases{"atone", "attune", "attach"};
        json j{{"kind", "phase"}, {"phase", Pick(kPhases)}};
        if (Roll(0, 1) == 0) j["breach_named"] = protocol::DateFromDay(static_cast<std::int64_t>(now / kMsPerDay) - Roll(1, 90));
        return j;
      }
      case kStatusOrSeen: {
        if (Roll(0, 1) == 0) {
          return json{{"kind", "status"}, {"text", Words("home by")},
                      {"until", now + static_cast<std::uint64_t>(Roll(1, 12)) * 3'600'000}};
        }
        TimelineQuery newest;
        newest.limit = 1;
        auto items = p.device.engine->Timeline(newest);
        if (!items.ok() || items->empty()) return std::nullopt;
        return json{{"kind", "seen"}, {"upto", Hex(items->front().item.id)}};
      }
    }
    return std::nullopt;
  }

  // `to` takes in part of `from`'s chain; counts the entries that landed
  // behind what `to` had folded already (each one forced a rewind).
  void SyncPiece(Partner& to, Partner& from, std::uint16_t batch_size, std::size_t batches) {
    Engine& engine = *to.device.engine;
    TimelineQuery newest;
    newest.limit = 1;
    auto last = engine.Timeline(newest);
    ASSERT_TRUE(last.ok() && !last->empty());
    const TimelineKey last_key = last->front().key;
    auto head = engine.Head(from.device.self());
    ASSERT_TRUE(head.ok());
    Pulled pulled = PullChain(to.device, from.device, from.device.self(), batch_size, batches);
    EXPECT_TRUE(pulled.refused.empty());
    auto rows = engine.store().ChainAfter(engine.ledger_id(), from.device.self(), head->seq, 100'000, SIZE_MAX);
    ASSERT_TRUE(rows.ok());
    for (const auto& row : *rows) {
      auto place = engine.store().FindInTimeline(engine.ledger_id(), row.id);
      ASSERT_TRUE(place.ok());
      ASSERT_TRUE(place->has_value()) << "a received entry was not folded";
      if (TimelineKey{(*place)->stamp, (*place)->author} < last_key) ++out_of_order_;
    }
  }

  void FullSync() {
    SyncPiece(ana_, bea_, 256, SIZE_MAX);
    SyncPiece(bea_, ana_, 256, SIZE_MAX);
  }

  void ExpectRebuildChangesNothing(Device& d) {
    const std::string before = d.engine->views().state().ToJson().dump();
    const std::vector<Shown> timeline = WholeTimeline(*d.engine);
    RebuildViews(d);
    EXPECT_EQ(d.engine->views().state().ToJson().dump(), before) << "the incremental fold differs from a rebuild";
    EXPECT_TRUE(SameTimeline(WholeTimeline(*d.engine), timeline));
  }

  std::mt19937_64 rng_;
  Partner ana_;
  Partner bea_;
  std::int64_t skew_ms_ = -120'000;
  int out_of_order_ = 0;
  int failures_ = 0;
  int hostile_ = 0;
  crypto::DeterministicRandom forge_rng_{Seed(91)};
};

class ViewsConvergence : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(ViewsConvergence, TwoPartnersWritingApartAndSyncingInPiecesEndWithTheSameViews) {
  Simulation simulation(GetParam());
  simulation.Run(360);
  if (HasFatalFailure()) return;
  simulation.ExpectConverged();
}

INSTANTIATE_TEST_SUITE_P(ViewsSeeds, ViewsConvergence, ::testing::Values(1, 2, 3, 4, 5));

}  // namespace
}  // namespace kintsugi::daemon
