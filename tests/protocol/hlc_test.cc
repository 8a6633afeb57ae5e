#include "protocol/hlc.h"

#include <gtest/gtest.h>

#include <vector>

namespace kintsugi::protocol {
namespace {

constexpr std::uint64_t kNow = 1'700'000'000'000;  // 2023-11-14, in ms

TEST(HybridClock, PacksMillisAndCounter) {
  std::uint64_t hlc = MakeHlc(kNow, 5);
  EXPECT_EQ(HlcMillis(hlc), kNow);
  EXPECT_EQ(HlcCounter(hlc), 5u);
  EXPECT_EQ(MakeHlc(1, 0), 0x10000u);
  EXPECT_EQ(MakeHlc(0, 0x1ffff), 0xffffu);  // the counter is masked to 16 bits
}

TEST(HybridClock, FirstTickIsTheWallClock) {
  HybridClock clock;
  EXPECT_EQ(clock.Tick(kNow), MakeHlc(kNow, 0));
  EXPECT_EQ(clock.last(), MakeHlc(kNow, 0));
}

TEST(HybridClock, FollowsTheWallClockForward) {
  HybridClock clock;
  clock.Tick(kNow);
  EXPECT_EQ(clock.Tick(kNow + 1), MakeHlc(kNow + 1, 0));
  EXPECT_EQ(clock.Tick(kNow + 1000), MakeHlc(kNow + 1000, 0));
}

TEST(HybridClock, StrictlyIncreasesWhileTheWallClockStandsStill) {
  HybridClock clock;
  std::uint64_t prev = clock.Tick(kNow);
  for (int i = 1; i < 100; ++i) {
    std::uint64_t next = clock.Tick(kNow);
    EXPECT_GT(next, prev);
    EXPECT_EQ(HlcMillis(next), kNow);
    EXPECT_EQ(HlcCounter(next), static_cast<std::uint64_t>(i));
    prev = next;
  }
}

TEST(HybridClock, StrictlyIncreasesWhenTheWallClockGoesBack) {
  HybridClock clock;
  std::uint64_t prev = clock.Tick(kNow);
  for (std::uint64_t back : {1u, 10u, 1000u, 3'600'000u}) {
    std::uint64_t next = clock.Tick(kNow - back);
    EXPECT_GT(next, prev) << back;
    EXPECT_EQ(HlcMillis(next), kNow) << "stays at the latest millisecond seen";
    prev = next;
  }
  EXPECT_EQ(clock.Tick(0), prev + 1);
}

TEST(HybridClock, CatchesUpWhenTheWallClockPassesItAgain) {
  HybridClock clock;
  clock.Tick(kNow);
  clock.Tick(kNow - 50);
  EXPECT_EQ(clock.Tick(kNow + 1), MakeHlc(kNow + 1, 0));
}

TEST(HybridClock, ObserveOfALargerRemoteMakesTheNextTickLarger) {
  HybridClock clock;
  clock.Tick(kNow);
  std::uint64_t remote = MakeHlc(kNow + 60'000, 7);
  clock.Observe(remote);
  EXPECT_EQ(clock.last(), remote);
  std::uint64_t next = clock.Tick(kNow + 1);
  EXPECT_GT(next, remote);
  EXPECT_EQ(next, MakeHlc(kNow + 60'000, 8));
}

TEST(HybridClock, ObserveOfASmallerRemoteChangesNothing) {
  HybridClock clock;
  std::uint64_t t = clock.Tick(kNow);
  clock.Observe(MakeHlc(kNow - 5, 3));
  EXPECT_EQ(clock.last(), t);
  EXPECT_EQ(clock.Tick(kNow), t + 1);
}

TEST(HybridClock, CounterCarriesIntoTheMilliseconds) {
  HybridClock clock(MakeHlc(kNow, 0xffff));
  std::uint64_t next = clock.Tick(kNow);
  EXPECT_EQ(next, MakeHlc(kNow + 1, 0));
  EXPECT_EQ(HlcMillis(next), kNow + 1);
  EXPECT_EQ(HlcCounter(next), 0u);
  EXPECT_GT(clock.Tick(kNow + 1), next);
}

TEST(HybridClock, RestartFromLastNeverGoesBack) {
  std::uint64_t stored = MakeHlc(kNow + 10, 4);
  HybridClock clock(stored);
  EXPECT_EQ(clock.last(), stored);
  EXPECT_EQ(clock.Tick(kNow), stored + 1);
}

TEST(HybridClock, SequenceIsStrictlyIncreasingUnderAJitteryWallClock) {
  HybridClock clock;
  const std::vector<std::uint64_t> wall = {kNow,      kNow,     kNow - 3, kNow + 2, kNow + 2,
                                           kNow - 100, kNow + 1, kNow + 3, kNow + 3, kNow + 10};
  std::uint64_t prev = 0;
  for (std::uint64_t w : wall) {
    std::uint64_t t = clock.Tick(w);
    EXPECT_GT(t, prev);
    EXPECT_GE(HlcMillis(t), w) << "never behind the wall clock";
    prev = t;
  }
}

}  // namespace
}  // namespace kintsugi::protocol
