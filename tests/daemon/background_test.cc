// Work off the loop's thread (daemon/background.h), with a real eventfd and
// a real thread: its end is seen on the descriptor and handed back by Finish().
#include "daemon/background.h"

#include <poll.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kintsugi::daemon {
namespace {

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
}

TEST(Background, TheWorkRunsOnAnotherThreadAndItsEndOnTheCallers) {
  auto background = Background::Open();
  ASSERT_TRUE(background.ok());
  Background& b = **background;
  EXPECT_FALSE(b.busy());
  EXPECT_FALSE(Readable(b.fd(), 0));
  const std::thread::id loop = std::this_thread::get_id();
  std::thread::id worked_on;
  std::thread::id ended_on;
  std::atomic<bool> release{false};
  b.Run("a test", [&] {
    worked_on = std::this_thread::get_id();
    while (!release.load()) std::this_thread::yield();
  }, [&] { ended_on = std::this_thread::get_id(); });
  EXPECT_TRUE(b.busy());
  EXPECT_EQ(b.what(), "a test");
  EXPECT_FALSE(Readable(b.fd(), 50));  // still working
  b.Finish();                          // nothing ended: nothing runs
  EXPECT_EQ(ended_on, std::thread::id());
  release = true;
  ASSERT_TRUE(Readable(b.fd(), 5000));
  EXPECT_TRUE(b.busy());  // ended, its end not yet handed back
  b.Finish();
  EXPECT_NE(worked_on, loop);
  EXPECT_EQ(ended_on, loop);
  EXPECT_FALSE(b.busy());
  EXPECT_FALSE(Readable(b.fd(), 0));

  int second = 0;
  b.Run("another", [&] { second = 1; }, [&] { second += 10; });
  ASSERT_TRUE(Readable(b.fd(), 5000));
  b.Finish();
  EXPECT_EQ(second, 11);
}

TEST(Background, ClosingWaitsForTheWorkAndDropsItsEnd) {
  std::atomic<bool> worked{false};
  bool ended = false;
  {
    auto background = Background::Open();
    ASSERT_TRUE(background.ok());
    (*background)->Run("a slow one", [&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      worked = true;
    }, [&] { ended = true; });
  }
  EXPECT_TRUE(worked.load());
  EXPECT_FALSE(ended);
}

}  // namespace
}  // namespace kintsugi::daemon
