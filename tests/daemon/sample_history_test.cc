// The sample history (daemon/sample_history.h) that the demo, the
// screenshots and the window benchmark use: two paired ledgers whose views
// agree, with the story the demo promises.
#include <gtest/gtest.h>

#include "daemon/sample_history.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon::testing {
namespace {

using nlohmann::json;

struct Opened {
  explicit Opened(const std::string& dir) {
    auto store = Store::Open(dir + "/ledger.db");
    EXPECT_TRUE(store.ok());
    if (!store.ok()) return;
    auto opened = Engine::Open(std::move(store).value(), dir + "/identity.key", clock, rng);
    EXPECT_TRUE(opened.ok()) << (opened.ok() ? "" : opened.error().message);
    if (opened.ok()) engine = std::move(opened).value();
  }
  SystemClock clock;
  crypto::SystemRandom rng;
  std::unique_ptr<Engine> engine;
};

TEST(SampleHistory, TwoPairedLedgersWithTheSameViewsAndTheStoryTheDemoTells) {
  TempDir dir;
  SampleOptions options;
  options.days = 42;
  auto written = CreateSampleCouple(dir.File("alex"), "Alex", dir.File("sam"), "Sam", options);
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_GT(*written, 100);

  Opened alex(dir.File("alex"));
  Opened sam(dir.File("sam"));
  ASSERT_NE(alex.engine, nullptr);
  ASSERT_NE(sam.engine, nullptr);
  ASSERT_TRUE(alex.engine->paired());
  EXPECT_EQ(*alex.engine->partner(), sam.engine->identity().public_key());
  EXPECT_EQ(*sam.engine->partner(), alex.engine->identity().public_key());
  EXPECT_EQ(alex.engine->views().state().ToJson(), sam.engine->views().state().ToJson());
  auto status = alex.engine->GetStatus();
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->entries, *written + 2);  // and the two introductions
  EXPECT_EQ(status->waiting, 0u);

  const auto& state = alex.engine->views().state();
  std::map<std::string, int> by_state;
  for (const auto& [id, a] : state.agreements()) by_state[a.state] += 1;
  EXPECT_EQ(by_state["active"], 3);
  EXPECT_EQ(by_state["declined"], 1);
  EXPECT_EQ(state.phase().current, "atone");
  int missed = 0, kept = 0, amended = 0;
  for (const auto& [id, a] : state.agreements()) {
    for (const auto& [author, counts] : a.outcomes) {
      kept += counts[0];
      missed += counts[2];
    }
    if (a.version > 1) ++amended;
  }
  EXPECT_GT(kept, 10);
  EXPECT_GE(missed, 1);
  EXPECT_EQ(amended, 1);
  const json trends = state.TrendsView(0, 1'000'000, 1'000'000);
  std::size_t meetings = 0, triggers = 0, repairs = 0;
  for (const auto& [author, m] : trends["members"].items()) {
    EXPECT_GE(m["days"].size(), 25u) << author;  // feelings on most days
    for (const auto& w : m["weeks"]) {
      meetings += w["meetings"].get<std::size_t>();
      triggers += w["triggers"].get<std::size_t>();
      repairs += w["repairs"].get<std::size_t>();
    }
  }
  EXPECT_EQ(meetings, 2u);
  EXPECT_EQ(triggers, 1u);
  EXPECT_EQ(repairs, 1u);

  for (Opened* o : {&alex, &sam}) {
    auto report = o->engine->Verify();
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok());
  }
  auto notes_a = alex.engine->Notes();
  auto notes_b = sam.engine->Notes();
  ASSERT_TRUE(notes_a.ok() && notes_b.ok());
  EXPECT_EQ(notes_a->size(), 1u);
  EXPECT_TRUE(notes_b->empty());
}

TEST(SampleHistory, RefusesDirsThatAlreadyHoldALedger) {
  TempDir dir;
  SampleOptions options;
  ASSERT_TRUE(CreateSampleCouple(dir.File("a"), "A", dir.File("b"), "B", options).ok());
  auto again = CreateSampleCouple(dir.File("a"), "A", dir.File("c"), "C", options);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace kintsugi::daemon::testing
