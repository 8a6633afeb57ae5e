// The view-model's Timeline: pages read in turn and read again on refresh,
// filters by kind and author, the days shown, and entries that change or
// arrive in pages already read (a withdrawal, a partner's older entry). The
// fixtures are in tests/ui/view_model_fixture.h.
#include "ui/view_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include "tests/daemon/pairing_support.h"
#include "tests/ui/view_model_fixture.h"

namespace kintsugi::ui {
namespace {

using daemon::testing::Device;
using daemon::testing::TestClock;
using daemon::testing::WholeTimeline;
using nlohmann::json;
using testing::Alone;
using testing::Couple;
using testing::Done;
using testing::FindEntry;
using testing::kMinuteMs;
using testing::Newest;

std::vector<std::string> Ids(const std::vector<protocol::TimelineEntry>& entries) {
  std::vector<std::string> ids;
  for (const auto& e : entries) ids.push_back(e.id);
  return ids;
}

// The rows the engine itself shows, newest first: what the window must show.
std::vector<std::string> EngineTimelineIds(Device& d) {
  std::vector<std::string> ids;
  for (const auto& row : WholeTimeline(*d.engine)) ids.push_back(row.id);
  return ids;
}

std::size_t CountDistinct(const std::vector<std::string>& ids) {
  return std::set<std::string>(ids.begin(), ids.end()).size();
}

// Sends `n` feelings check-ins from the window, a minute apart, the first
// appreciating `first_words`.
void SendManyFeelings(ViewModel& vm, TestClock& clock, int n, const std::string& first_words = "") {
  for (int i = 0; i < n; ++i) {
    clock.Advance(kMinuteMs);
    vm.feelings.mood = 1 + i % 10;
    vm.feelings.trust = 10 - i % 10;
    vm.feelings.appreciated = i == 0 && !first_words.empty() ? first_words : "day " + std::to_string(i);
    ASSERT_TRUE(Done(vm.SendFeelings())) << "check-in " << i;
  }
}

// Reads every page there is; false when paging does not end.
bool LoadAll(ViewModel& vm) {
  for (int guard = 0; guard < 100; ++guard) {
    if (!vm.LoadMoreTimeline()) return !vm.timeline_has_more();
  }
  return false;
}

// --- One partner alone ---

TEST_F(Alone, LoadMoreTimelinePagesThroughEveryEntryOnce) {
  SendManyFeelings(vm(), clock, 250);
  ASSERT_TRUE(vm().Refresh());
  EXPECT_EQ(vm().timeline().size(), 100u);
  EXPECT_TRUE(vm().timeline_has_more());
  ASSERT_TRUE(vm().LoadMoreTimeline());
  EXPECT_EQ(vm().timeline().size(), 200u);
  EXPECT_TRUE(vm().timeline_has_more());
  ASSERT_TRUE(vm().LoadMoreTimeline());
  EXPECT_FALSE(vm().timeline_has_more());
  EXPECT_FALSE(vm().LoadMoreTimeline());
  const std::vector<std::string> shown = Ids(vm().timeline());
  EXPECT_EQ(shown.size(), 251u);  // 250 check-ins and the introduction
  EXPECT_EQ(CountDistinct(shown), shown.size());
  EXPECT_EQ(shown, EngineTimelineIds(ana.device));
}

TEST_F(Alone, RefreshKeepsThePagesAlreadyRead) {
  SendManyFeelings(vm(), clock, 250);
  ASSERT_TRUE(vm().Refresh());
  ASSERT_TRUE(vm().LoadMoreTimeline());
  const std::vector<std::string> before = Ids(vm().timeline());
  ASSERT_EQ(before.size(), 200u);

  clock.Advance(kMinuteMs);
  vm().feelings.appreciated = "the newest";
  ASSERT_TRUE(Done(vm().SendFeelings()));
  ASSERT_TRUE(vm().Refresh());
  const std::vector<std::string> after = Ids(vm().timeline());
  ASSERT_EQ(after.size(), 201u);
  EXPECT_EQ(Newest(vm()).at("body").at("appreciated"), "the newest");
  EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin() + 1)) << "the pages read before moved";
  EXPECT_TRUE(vm().timeline_has_more());

  ASSERT_TRUE(LoadAll(vm()));
  const std::vector<std::string> all = Ids(vm().timeline());
  EXPECT_EQ(all.size(), 252u);
  EXPECT_EQ(CountDistinct(all), all.size());
  EXPECT_EQ(all, EngineTimelineIds(ana.device));
}

// A withdrawal must take the words out of every page the window holds, not
// only the first one it reads again.
TEST_F(Alone, RefreshShowsAWithdrawalInPagesAlreadyRead) {
  SendManyFeelings(vm(), clock, 150, "words to take back");
  ASSERT_TRUE(vm().Refresh());
  ASSERT_TRUE(LoadAll(vm()));
  ASSERT_EQ(vm().timeline().size(), 151u);
  const json& oldest = vm().timeline()[149];
  ASSERT_EQ(oldest.at("body").at("appreciated"), "words to take back");
  const std::string id = oldest.at("id");

  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(vm().Withdraw(id)));
  ASSERT_TRUE(vm().Refresh());
  const auto shown = FindEntry(vm().timeline(), id);
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->value("withdrawn", false), true) << shown->dump();
  EXPECT_FALSE(shown->contains("body")) << shown->dump();
  for (const protocol::TimelineEntry& e : vm().timeline()) {
    EXPECT_EQ(json(e).dump().find("words to take back"), std::string::npos) << json(e).dump();
  }
}

TEST_F(Alone, TheTimelineShowsTheDaysAskedForAndRefusesWhatIsNotADay) {
  auto local_date = [](std::uint64_t ms) {
    const std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm local{};
    localtime_r(&t, &local);
    char text[16];
    std::strftime(text, sizeof text, "%Y-%m-%d", &local);
    return std::string(text);
  };
  const std::string first_day = local_date(clock.NowMillis());
  ASSERT_TRUE(Done(vm().SendFeelings()));
  clock.Advance(3 * 24 * 3600 * 1000LL);
  const std::string later_day = local_date(clock.NowMillis());
  ASSERT_TRUE(Done(vm().SendFeelings()));
  ASSERT_TRUE(vm().Refresh());
  ASSERT_EQ(vm().timeline().size(), 3u);  // the introduction and two check-ins

  vm().timeline_from_input = later_day;
  ASSERT_TRUE(Done(vm().ApplyTimelineDays()));
  ASSERT_EQ(vm().timeline().size(), 1u);
  EXPECT_EQ(vm().timeline()[0].kind, "feelings");
  vm().timeline_from_input = "";
  vm().timeline_to_input = first_day;
  ASSERT_TRUE(Done(vm().ApplyTimelineDays()));
  EXPECT_EQ(vm().timeline().size(), 2u);  // the introduction and the first check-in
  ASSERT_TRUE(vm().Refresh());
  EXPECT_EQ(vm().timeline().size(), 2u);  // the days survive a refresh

  vm().timeline_to_input = "the 5th";
  EXPECT_TRUE(vm().ApplyTimelineDays().error);
  vm().timeline_from_input = later_day;
  vm().timeline_to_input = first_day;
  Notice backwards = vm().ApplyTimelineDays();
  EXPECT_TRUE(backwards.error);
  EXPECT_NE(backwards.text.find("after"), std::string::npos);
  EXPECT_EQ(vm().timeline().size(), 2u);  // refused: nothing changed
  vm().timeline_from_input = vm().timeline_to_input = "";
  ASSERT_TRUE(Done(vm().ApplyTimelineDays()));
  EXPECT_EQ(vm().timeline().size(), 3u);
}

// --- Two partners ---

TEST_F(Couple, TimelineFiltersByKindAndAuthor) {
  ASSERT_TRUE(Done(A().SendFeelings()));
  clock.Advance(kMinuteMs);
  A().status_form.text = "at the station";
  ASSERT_TRUE(Done(A().SendStatus()));
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(B().SendFeelings()));
  clock.Advance(kMinuteMs);
  ASSERT_TRUE(Done(A().SendFeelings()));
  Sync();
  const std::string ana_key = ToHex(ana.device.self());
  const std::string bea_key = ToHex(bea.device.self());
  ASSERT_EQ(A().timeline().size(), 6u);  // two introductions and four entries

  A().SetTimelineFilter("feelings", "");
  EXPECT_EQ(A().timeline_kind(), "feelings");
  EXPECT_EQ(A().timeline().size(), 3u);
  for (const auto& e : A().timeline()) EXPECT_EQ(e.kind, "feelings");

  A().SetTimelineFilter("feelings", "me");
  EXPECT_EQ(A().timeline_author(), "me");
  EXPECT_EQ(A().timeline().size(), 2u);
  for (const auto& e : A().timeline()) EXPECT_EQ(e.author, ana_key);

  A().SetTimelineFilter("", "partner");
  EXPECT_EQ(A().timeline().size(), 2u);  // Bea's introduction and check-in
  for (const auto& e : A().timeline()) EXPECT_EQ(e.author, bea_key);

  A().SetTimelineFilter("status", "partner");
  EXPECT_TRUE(A().timeline().empty());
  EXPECT_FALSE(A().timeline_has_more());

  // A filter survives Refresh.
  ASSERT_TRUE(A().Refresh());
  EXPECT_TRUE(A().timeline().empty());
  A().SetTimelineFilter("status", "me");
  ASSERT_EQ(A().timeline().size(), 1u);
  EXPECT_EQ(A().timeline()[0].body.at("text"), "at the station");

  A().SetTimelineFilter("", "");
  EXPECT_EQ(A().timeline().size(), 6u);
}

TEST_F(Couple, FilteredTimelinePagesThroughEveryMatchingEntry) {
  for (int i = 0; i < 120; ++i) {
    clock.Advance(kMinuteMs);
    ASSERT_TRUE(Done(A().SendFeelings()));
    A().appreciation_input = "thank you " + std::to_string(i);
    ASSERT_TRUE(Done(A().Appreciate()));
  }
  Sync();
  A().SetTimelineFilter("appreciation", "me");
  EXPECT_EQ(A().timeline().size(), 100u);
  ASSERT_TRUE(LoadAll(A()));
  const std::vector<std::string> shown = Ids(A().timeline());
  EXPECT_EQ(shown.size(), 120u);
  EXPECT_EQ(CountDistinct(shown), shown.size());
  for (const auto& e : A().timeline()) EXPECT_EQ(e.kind, "appreciation");
}

// Bea wrote while the two were apart; her entry, older than Ana's latest
// hundred, arrives after Ana read two pages. The window must show it where
// it belongs, as the engine does.
TEST_F(Couple, RefreshShowsAPartnersEntryThatLandsInPagesAlreadyRead) {
  SendManyFeelings(A(), clock, 100);
  clock.Advance(kMinuteMs);
  B().status_form.text = "written while we were apart";
  ASSERT_TRUE(Done(B().SendStatus()));
  ASSERT_TRUE(B().Refresh());
  const std::string apart = Newest(B()).at("id");
  ASSERT_EQ(Newest(B()).at("kind"), "status");
  SendManyFeelings(A(), clock, 150);
  ASSERT_TRUE(A().Refresh());
  ASSERT_TRUE(A().LoadMoreTimeline());
  ASSERT_EQ(A().timeline().size(), 200u);

  Sync();  // Refreshes both
  const std::vector<std::string> engine = EngineTimelineIds(ana.device);
  auto where = std::find(engine.begin(), engine.end(), apart);
  ASSERT_NE(where, engine.end());
  ASSERT_LT(where - engine.begin(), 200) << "the test needs it within the pages already read";
  ASSERT_GE(where - engine.begin(), 100) << "the test needs it beyond the first page";
  EXPECT_TRUE(FindEntry(A().timeline(), apart)) << "Bea's entry is missing from the pages Ana read";
  ASSERT_TRUE(LoadAll(A()));
  EXPECT_EQ(A().timeline().size(), engine.size());
  EXPECT_TRUE(Ids(A().timeline()) == engine) << "the window's timeline differs from the engine's";
}

}  // namespace
}  // namespace kintsugi::ui
