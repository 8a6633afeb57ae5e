// Views across restarts on one device (daemon/views.h): reopening refolds
// nothing and keeps few saved states; damaged saved states and timeline
// records are rebuilt rather than failing every read. Two devices' views are
// in views_test.cc and views_convergence_test.cc.
#include "daemon/views.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/engine.h"
#include "tests/daemon/pairing_support.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::AppendParams;
using testing::Device;
using testing::RawDb;
using testing::SameTimeline;
using testing::Shown;
using testing::TestClock;
using testing::WholeTimeline;

// The timeline and saved states exactly as stored (sealed with fresh nonces,
// so any refold changes them).
std::vector<std::string> ViewTables(const std::string& db_path) {
  RawDb raw(db_path, SQLITE_OPEN_READONLY);
  std::vector<std::string> rows = raw.Texts(
      "SELECT entry_rowid || ':' || stamp || ':' || hex(author) || ':' || hex(effect) FROM timeline "
           "ORDER BY stamp, author");
  for (auto& s : raw.Texts("SELECT 'state:' || stamp || ':' || hex(author) || ':' || hex(state) FROM view_states "
                           "ORDER BY stamp, author")) {
    rows.push_back(std::move(s));
  }
  return rows;
}

// A solo ledger with `n` feelings entries, twenty minutes apart.
void WriteFeelings(Device& d, int n) {
  for (int i = 0; i < n; ++i) {
    d.clock.Advance(20 * 60'000);
    auto appended = AppendParams(*d.engine, {{"kind", "feelings"}, {"mood", 1 + i % 10}, {"trust", 10 - i % 10},
                                             {"tz", 0}});
    ASSERT_TRUE(appended.ok()) << appended.error().message;
  }
}

std::int64_t SavedStates(const std::string& db_path) {
  RawDb raw(db_path, SQLITE_OPEN_READONLY);
  return raw.Int("SELECT count(*) FROM view_states").value_or(-1);
}

TEST(ViewsRestart, ReopeningKeepsTheStateRefoldsNothingAndKeepsFewSavedStates) {
  TestClock clock;
  Device solo{5, clock};
  solo.Init("Solo");
  const int n = static_cast<int>(kStateEvery * (kStatesKept + 1)) + 40;  // nine saved states were made
  WriteFeelings(solo, n);
  const std::string state = solo.engine->views().state().ToJson().dump();
  EXPECT_EQ(solo.engine->views().state().entries(), static_cast<std::uint64_t>(n + 1));

  solo.engine.reset();
  const std::vector<std::string> tables = ViewTables(solo.db_path);
  EXPECT_EQ(SavedStates(solo.db_path), static_cast<std::int64_t>(kStatesKept));
  {
    // Start-up folds only what follows the newest saved state.
    RawDb raw(solo.db_path, SQLITE_OPEN_READONLY);
    auto after_newest = raw.Int(
        "SELECT count(*) FROM timeline t WHERE t.stamp > (SELECT max(stamp) FROM view_states)");
    ASSERT_TRUE(after_newest.has_value());
    EXPECT_LT(*after_newest, static_cast<std::int64_t>(kStateEvery));
    EXPECT_EQ(raw.Int("SELECT count(*) FROM timeline").value_or(-1), n + 1);
  }

  solo.Reopen();
  ASSERT_NE(solo.engine, nullptr);
  EXPECT_EQ(solo.engine->views().state().ToJson().dump(), state);
  auto again = solo.engine->views().CatchUp();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->folded, 0u);
  EXPECT_EQ(again->rewinds, 0u);
  solo.engine.reset();
  EXPECT_EQ(ViewTables(solo.db_path), tables) << "reopening folded entries again";

  // Folding goes on from where it was.
  solo.Reopen();
  ASSERT_NE(solo.engine, nullptr);
  WriteFeelings(solo, 1);
  EXPECT_EQ(solo.engine->views().state().entries(), static_cast<std::uint64_t>(n + 2));
  EXPECT_EQ(WholeTimeline(*solo.engine).size(), static_cast<std::size_t>(n + 2));
  solo.ExpectVerifies();
}

TEST(ViewsRestart, ARebuildFromScratchWritesOnlyTheStatesItKeeps) {
  // A rebuild is one transaction that keeps the newest kStatesKept states:
  // the states it would write and prune before it ends are not written.
  TestClock clock;
  Device solo{7, clock};
  solo.Init("Solo");
  const int n = static_cast<int>(kStateEvery * (kStatesKept + 4)) + 40;
  WriteFeelings(solo, n);
  const std::string state = solo.engine->views().state().ToJson().dump();
  const protocol::LedgerId ledger = solo.engine->ledger_id();
  solo.engine.reset();
  {
    auto store = Store::Open(solo.db_path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->InTransaction([&] { return (*store)->ResetViews(ledger); }).ok());
  }
  {
    RawDb raw(solo.db_path);
    ASSERT_EQ(raw.Exec("CREATE TABLE saves_seen(n INTEGER); "
                       "CREATE TRIGGER count_saves AFTER INSERT ON view_states "
                       "BEGIN INSERT INTO saves_seen VALUES (1); END;").first,
              SQLITE_OK);
  }

  solo.Reopen();  // no views: the engine folds every entry from scratch
  ASSERT_NE(solo.engine, nullptr);
  EXPECT_EQ(solo.engine->views().state().ToJson().dump(), state);
  solo.engine.reset();
  RawDb raw(solo.db_path, SQLITE_OPEN_READONLY);
  const auto written = raw.Int("SELECT count(*) FROM saves_seen");
  ASSERT_TRUE(written.has_value());
  EXPECT_GE(*written, static_cast<std::int64_t>(kStatesKept));
  EXPECT_LE(*written, static_cast<std::int64_t>(kStatesKept + 1)) << "states written only to be pruned";
  EXPECT_EQ(SavedStates(solo.db_path), static_cast<std::int64_t>(kStatesKept));
  // Start-up still folds at most an interval after the newest.
  auto after_newest = raw.Int("SELECT count(*) FROM timeline t WHERE t.stamp > (SELECT max(stamp) FROM view_states)");
  ASSERT_TRUE(after_newest.has_value());
  EXPECT_LT(*after_newest, static_cast<std::int64_t>(kStateEvery));
}

TEST(ViewsRestart, CorruptedSavedStatesAreRebuiltWhenTheEngineOpens) {
  TestClock clock;
  Device solo{6, clock};
  solo.Init("Solo");
  WriteFeelings(solo, 600);
  const std::string state = solo.engine->views().state().ToJson().dump();
  const std::vector<Shown> timeline = WholeTimeline(*solo.engine);
  solo.engine.reset();
  ASSERT_EQ(SavedStates(solo.db_path), 2);
  std::vector<Bytes> damaged;
  {
    RawDb raw(solo.db_path);
    ASSERT_EQ(raw.Exec("UPDATE view_states SET state = randomblob(length(state))").first, SQLITE_OK);
    damaged = raw.Blobs("SELECT state FROM view_states");
  }

  solo.Reopen();
  ASSERT_NE(solo.engine, nullptr) << "a damaged saved state stopped the engine from opening";
  EXPECT_EQ(solo.engine->views().state().ToJson().dump(), state);
  EXPECT_TRUE(SameTimeline(WholeTimeline(*solo.engine), timeline));
  solo.engine.reset();
  RawDb raw(solo.db_path, SQLITE_OPEN_READONLY);
  std::vector<Bytes> saved = raw.Blobs("SELECT state FROM view_states");
  EXPECT_EQ(saved.size(), 2u);
  for (const Bytes& b : saved) EXPECT_EQ(std::count(damaged.begin(), damaged.end(), b), 0);
  solo.Reopen();
  ASSERT_NE(solo.engine, nullptr);
  EXPECT_EQ(solo.engine->views().state().ToJson().dump(), state);
  solo.ExpectVerifies();
}

// Timeline records are derived data like saved states: one damaged behind
// the store's back may cost a failed read, not every read from then on.
TEST(ViewsRestart, ADamagedTimelineRecordIsRebuiltRatherThanFailingEveryRead) {
  TestClock clock;
  Device solo{7, clock};
  solo.Init("Solo");
  WriteFeelings(solo, 20);
  const std::vector<Shown> timeline = WholeTimeline(*solo.engine);
  solo.engine.reset();
  {
    RawDb raw(solo.db_path);
    ASSERT_EQ(raw.Exec("UPDATE timeline SET effect = randomblob(length(effect)) "
                       "WHERE rowid = (SELECT max(rowid) FROM timeline)")
                  .first,
              SQLITE_OK);
  }
  solo.Reopen();
  ASSERT_NE(solo.engine, nullptr);
  TimelineQuery query;
  query.limit = 1'000;
  if (!solo.engine->Timeline(query).ok()) {
    auto second = solo.engine->Timeline(query);
    ASSERT_TRUE(second.ok()) << "still failing: " << second.error().message;
  }
  EXPECT_TRUE(SameTimeline(WholeTimeline(*solo.engine), timeline));
}

}  // namespace
}  // namespace kintsugi::daemon
