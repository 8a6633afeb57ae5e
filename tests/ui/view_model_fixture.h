// What the window's view-model tests share. They run without a window and
// without mocks: the view-model's DaemonLink is the real IPC dispatcher
// in-process (tests/ui/dispatcher_link.h) over a real engine on SQLite files
// in a temporary directory. Two partners are paired in memory and synced by
// hand between their actions, as the daemon tests do. The dispatcher has no
// network services, so `pair.status` and `peers` answer `unavailable`; the
// view-model must show the rest.
//
// The view-model's clock is the test's clock, the one the engines read.
//
// Here: the clock's start and steps, checks on a Notice, rows the window
// shows, and the fixtures (a first run, one partner alone, a couple). They
// live in a named namespace so that a suite spread over several files is one
// fixture class, as gtest requires.
//
// Thread-safety: test-thread only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/daemon/pairing_support.h"
#include "tests/ui/dispatcher_link.h"
#include "ui/view_model.h"

namespace kintsugi::ui::testing {

inline constexpr std::uint64_t kMinuteMs = 60'000;
inline constexpr std::uint64_t kDayMs = 86'400'000;
// Midday (UTC) of 2023-11-14: a day of writing does not cross midnight.
inline constexpr std::uint64_t kStartMs = daemon::testing::TestClock::kStart - 10 * 3'600'000;

// An action that went through: no error, and words for the person.
inline ::testing::AssertionResult Done(const Notice& n) {
  if (n.error) return ::testing::AssertionFailure() << "failed: " << n.text;
  if (n.text.empty()) return ::testing::AssertionFailure() << "done, but says nothing";
  return ::testing::AssertionSuccess();
}

// An action that was refused with exactly `words`.
inline ::testing::AssertionResult Refused(const Notice& n, const std::string& words) {
  if (!n.error) return ::testing::AssertionFailure() << "went through: " << n.text;
  if (n.text != words) return ::testing::AssertionFailure() << "refused with \"" << n.text << "\"";
  return ::testing::AssertionSuccess();
}

// The row of entry `id`, as the daemon sent it; nullopt when not shown.
inline std::optional<nlohmann::json> FindEntry(const std::vector<protocol::TimelineEntry>& entries,
                                               const std::string& id) {
  auto it = std::find_if(entries.begin(), entries.end(), [&](const protocol::TimelineEntry& e) { return e.id == id; });
  return it == entries.end() ? std::nullopt : std::optional<nlohmann::json>(*it);
}

// The newest row the window shows; empty when none.
inline const protocol::TimelineEntry& NewestEntry(const ViewModel& vm) {
  static const protocol::TimelineEntry kNone;
  if (vm.timeline().empty()) {
    ADD_FAILURE() << "the timeline is empty";
    return kNone;
  }
  return vm.timeline().front();
}
// The same as the daemon sent it (null, failing any .at(), when none).
inline nlohmann::json Newest(const ViewModel& vm) {
  if (vm.timeline().empty()) {
    ADD_FAILURE() << "the timeline is empty";
    return nlohmann::json();
  }
  return vm.timeline().front();
}

// --- First run: a daemon with no ledger yet ---

class FirstRun : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(ana.vm, nullptr); }
  daemon::testing::TestClock clock{kStartMs};
  Partner ana{1, clock};
};

// --- One partner with a ledger, not paired ---

class Alone : public FirstRun {
 protected:
  void SetUp() override {
    FirstRun::SetUp();
    ana.Init("Ana");
  }
  ViewModel& vm() { return *ana.vm; }
};

// --- Two partners, paired in memory, synced by hand ---

class Couple : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(ana.vm, nullptr);
    ASSERT_NE(bea.vm, nullptr);
    ana.Init("Ana");
    bea.Init("Bea");
    crypto::DeterministicRandom rng(daemon::testing::Seed(50));
    daemon::testing::Outcomes outcomes = daemon::testing::RunPairing(ana.device, bea.device, clock, rng);
    ASSERT_TRUE(outcomes.inviter && outcomes.joiner);
    ASSERT_TRUE(ana.device.engine->AdoptPairing(*outcomes.inviter).ok());
    ASSERT_TRUE(bea.device.engine->AdoptPairing(*outcomes.joiner).ok());
    Sync();
    ASSERT_TRUE(A().paired());
    ASSERT_TRUE(B().paired());
  }

  // Both ways, every chain; then both windows read again.
  void Sync() {
    daemon::testing::Pulled to_ana = daemon::testing::Pull(ana.device, bea.device);
    daemon::testing::Pulled to_bea = daemon::testing::Pull(bea.device, ana.device);
    EXPECT_TRUE(to_ana.refused.empty());
    EXPECT_TRUE(to_bea.refused.empty());
    EXPECT_TRUE(A().Refresh());
    EXPECT_TRUE(B().Refresh());
  }

  ViewModel& A() { return *ana.vm; }
  ViewModel& B() { return *bea.vm; }

  // Ana proposes an agreement and Bea accepts it; returns its id.
  std::string ActiveAgreement(const std::string& title) {
    A().propose.title = title;
    A().propose.text = "The text of " + title;
    EXPECT_TRUE(Done(A().Propose()));
    Sync();
    auto awaiting = B().AwaitingMe();
    EXPECT_EQ(awaiting.size(), 1u);
    if (awaiting.empty()) return "";
    const std::string id = awaiting[0]->id;
    clock.Advance(kMinuteMs);
    EXPECT_TRUE(Done(B().Accept(id)));
    Sync();
    return id;
  }

  daemon::testing::TestClock clock{kStartMs};
  Partner ana{1, clock};
  Partner bea{2, clock};
};

}  // namespace kintsugi::ui::testing
