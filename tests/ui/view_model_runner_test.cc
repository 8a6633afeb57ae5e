// The view-model with a runner, as the window runs it: every request goes to
// the runner (the window's worker) and nothing is asked on the window's
// thread; what comes back is adopted later, and a read made before the
// timeline's filters or pages changed is not shown over them. The runner here
// holds the work until the test runs it, so each interleaving is chosen, not
// left to a scheduler.
#include "ui/view_model.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tests/ui/view_model_fixture.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;
using testing::Alone;
using testing::Couple;
using testing::kMinuteMs;

// Holds the view-model's work until Run() or RunAll(); runs it with the
// partner's link, then what it returns, as the window's worker and frame
// thread do.
class HeldRunner {
 public:
  explicit HeldRunner(DaemonLink& link) : link_(link) {}
  ViewModel::Runner runner() {
    return [this](ViewModel::Work work) { held_.push_back(std::move(work)); };
  }
  std::size_t held() const { return held_.size(); }
  // Runs the oldest work held.
  void Run() {
    ASSERT_FALSE(held_.empty());
    ViewModel::Work work = std::move(held_.front());
    held_.erase(held_.begin());
    work(link_)();
  }
  void RunAll() {
    while (!held_.empty()) Run();
  }

 private:
  DaemonLink& link_;
  std::vector<ViewModel::Work> held_;
};

std::vector<std::string> Kinds(const std::vector<protocol::TimelineEntry>& entries) {
  std::vector<std::string> kinds;
  for (const auto& e : entries) kinds.push_back(e.kind);
  return kinds;
}

TEST_F(Alone, WithARunnerNothingIsAskedOnTheWindowsThreadAndTheAnswerIsAdoptedWhenItComes) {
  HeldRunner held(*ana.link);
  vm().set_runner(held.runner());
  ana.link->Forget();

  vm().feelings.mood = 8;
  vm().feelings.appreciated = "the walk";
  const Notice said = vm().SendFeelings();
  EXPECT_FALSE(said.error);
  EXPECT_TRUE(said.text.empty()) << "nothing has happened yet: " << said.text;
  vm().Refresh();
  EXPECT_TRUE(ana.link->methods().empty()) << "asked on the window's thread: " << ana.link->methods().front();
  EXPECT_EQ(vm().in_flight(), 2u);
  // The form stays as typed until the daemon has the entry.
  EXPECT_EQ(vm().feelings.appreciated, "the walk");

  held.RunAll();
  EXPECT_EQ(vm().in_flight(), 0u);
  EXPECT_EQ(vm().last_notice().text, "Thank you for checking in.");
  EXPECT_TRUE(vm().feelings.appreciated.empty());
  EXPECT_EQ(ana.link->methods().front(), "append");
  // The write made the views stale; the next read shows it.
  ASSERT_TRUE(vm().stale());
  vm().Refresh();
  held.RunAll();
  ASSERT_FALSE(vm().timeline().empty());
  EXPECT_EQ(vm().timeline().front().kind, "feelings");
}

TEST_F(Alone, OneReadAtATimeAndAnotherFollowsWhenAskedMeanwhile) {
  HeldRunner held(*ana.link);
  vm().set_runner(held.runner());
  vm().Refresh();
  vm().OnEvent("entry.appended");
  vm().Refresh();  // one is under way: this one waits for it
  EXPECT_EQ(held.held(), 1u);
  EXPECT_TRUE(vm().stale());
  held.Run();
  EXPECT_TRUE(vm().stale()) << "an event came while reading: another read must follow";
  vm().Refresh();
  EXPECT_EQ(held.held(), 1u);
  held.Run();
  EXPECT_FALSE(vm().stale());
}

TEST_F(Alone, AReadMadeBeforeTheFiltersChangedIsNotShownOverThem) {
  vm().status_form.text = "at the shop";
  ASSERT_FALSE(vm().SendStatus().error);
  clock.Advance(kMinuteMs);
  vm().feelings.mood = 6;
  ASSERT_FALSE(vm().SendFeelings().error);
  ASSERT_TRUE(vm().Refresh());

  HeldRunner held(*ana.link);
  vm().set_runner(held.runner());
  vm().Refresh();                       // every kind, asked first...
  vm().SetTimelineFilter("status", "");  // ...then only statuses
  held.RunAll();
  // The read of every kind came back after the filter changed: not shown.
  for (const auto& kind : Kinds(vm().timeline())) EXPECT_EQ(kind, "status");
  ASSERT_TRUE(vm().stale());
  vm().Refresh();
  held.RunAll();
  EXPECT_EQ(Kinds(vm().timeline()), std::vector<std::string>{"status"});
}

TEST_F(Alone, APageIsAskedForOnceAndAddedWhenItComes) {
  for (int i = 0; i < 150; ++i) {
    clock.Advance(kMinuteMs);
    vm().status_form.text = "status " + std::to_string(i);
    ASSERT_FALSE(vm().SendStatus().error);
  }
  ASSERT_TRUE(vm().Refresh());
  ASSERT_EQ(vm().timeline().size(), 100u);

  HeldRunner held(*ana.link);
  vm().set_runner(held.runner());
  EXPECT_TRUE(vm().LoadMoreTimeline());
  EXPECT_FALSE(vm().LoadMoreTimeline()) << "the same page asked for twice";
  EXPECT_EQ(held.held(), 1u);
  EXPECT_EQ(vm().timeline().size(), 100u);
  held.Run();
  EXPECT_GE(vm().timeline().size(), 150u);
  EXPECT_FALSE(vm().timeline_has_more());
}

TEST_F(Couple, ASlowRequestSaysWhatItIsDoingAndHoldsOffAnotherUntilItEnds) {
  HeldRunner held(*ana.link);
  A().set_runner(held.runner());
  A().backup_path = ana.device.dir.path() + "/a.kbak";
  A().backup_passphrase = A().backup_again = "a long passphrase";
  const Notice first = A().Backup();
  EXPECT_EQ(first.text, "Backing up...");
  EXPECT_EQ(A().busy(), "Backing up...");
  A().backup_passphrase = A().backup_again = "a long passphrase";
  const Notice second = A().Backup();
  EXPECT_TRUE(second.error);
  EXPECT_EQ(second.text, "Backing up... Wait for it to finish.");
  // A write is not slow: it goes in order behind the backup.
  A().appreciation_input = "the tea";
  EXPECT_FALSE(A().Appreciate().error);
  held.RunAll();
  EXPECT_TRUE(A().busy().empty());
  EXPECT_EQ(A().last_notice().text, "Sent with care.");
  EXPECT_TRUE(A().appreciation_input.empty());
}

}  // namespace
}  // namespace kintsugi::ui
