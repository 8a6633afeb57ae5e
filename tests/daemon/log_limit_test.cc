// What others make the daemon log is held to a burst a minute per kind of
// line, and what was held back is counted into the next line (daemon/log_limit.h).
#include "daemon/log_limit.h"

#include <gtest/gtest.h>

namespace kintsugi::daemon {
namespace {

TEST(LogLimit, ABurstAMinuteThenTheHeldBackAreCountedIntoTheNextLine) {
  LogLimit limit;
  std::uint64_t held = 99;
  int logged = 0;
  for (int i = 0; i < 25; ++i) logged += limit.Allow("sync.bad_push", 1'000 + i, held) ? 1 : 0;
  EXPECT_EQ(logged, LogLimit::kBurst);
  ASSERT_TRUE(limit.Allow("sync.bad_push", 1'000 + LogLimit::kWindowMs, held));
  EXPECT_EQ(held, 15u);
  ASSERT_TRUE(limit.Allow("sync.bad_push", 1'001 + LogLimit::kWindowMs, held));
  EXPECT_EQ(held, 0u);
}

TEST(LogLimit, EachKindOfLineHasItsOwnBurst) {
  LogLimit limit;
  std::uint64_t held = 0;
  for (int i = 0; i < 50; ++i) (void)limit.Allow("sync.refused", 5, held);
  EXPECT_TRUE(limit.Allow("sync.bad_frame", 5, held));
  EXPECT_FALSE(limit.Allow("sync.refused", 6, held));
}

TEST(LogLimit, AClockThatWentBackStartsAFreshWindow) {
  LogLimit limit;
  std::uint64_t held = 0;
  for (int i = 0; i < 20; ++i) (void)limit.Allow("x", 1'000'000, held);
  EXPECT_TRUE(limit.Allow("x", 10, held));
  EXPECT_EQ(held, 10u);
}

}  // namespace
}  // namespace kintsugi::daemon
