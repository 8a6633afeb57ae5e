// kintsugictl's reading of a time typed on its command line (client/ctl_input.h):
// "HH:MM" is its next coming, "YYYY-MM-DD HH:MM" that moment, both local.
#include "client/ctl_input.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

namespace kintsugi::ctl {
namespace {

constexpr std::int64_t kHour = 3'600'000;
// 2026-12-06 00:00 UTC.
constexpr std::int64_t kDec6Utc = 20'793LL * 24 * kHour;

class InIndia : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("TZ")) before_ = old;
    ::setenv("TZ", "IST-5:30", 1);
    ::tzset();
  }
  void TearDown() override {
    if (before_) {
      ::setenv("TZ", before_->c_str(), 1);
    } else {
      ::unsetenv("TZ");
    }
    ::tzset();
  }
  std::optional<std::string> before_;
};

TEST_F(InIndia, ATimeAloneIsItsNextComingTodayOrTomorrow) {
  const std::time_t now = (kDec6Utc + 10 * kHour) / 1000;  // 15:30 local
  auto later_today = ParseLocalTime("18:00", now);
  ASSERT_TRUE(later_today.ok()) << later_today.error().message;
  EXPECT_EQ(*later_today, kDec6Utc + 12 * kHour + kHour / 2);
  auto tomorrow = ParseLocalTime("09:15", now);
  ASSERT_TRUE(tomorrow.ok());
  EXPECT_EQ(*tomorrow, kDec6Utc + 24 * kHour + 3 * kHour + kHour * 3 / 4);
  auto this_minute = ParseLocalTime("15:30", now);  // now is past: tomorrow
  ASSERT_TRUE(this_minute.ok());
  EXPECT_EQ(*this_minute, kDec6Utc + 34 * kHour);
}

TEST_F(InIndia, ADateAndTimeIsThatMomentHere) {
  auto at = ParseLocalTime("2026-12-24 19:00", kDec6Utc / 1000);
  ASSERT_TRUE(at.ok()) << at.error().message;
  EXPECT_EQ(*at, kDec6Utc + 18 * 24 * kHour + 13 * kHour + kHour / 2);
}

TEST_F(InIndia, AnythingElseIsRefusedWithTheShapesItTakes) {
  for (const char* bad : {"", "7pm", "24:00", "12:60", "2026-13-01 10:00", "2026-12-06T10:00", "2026-12-06 10:00:00"}) {
    auto r = ParseLocalTime(bad, kDec6Utc / 1000);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.error().message.find("HH:MM or YYYY-MM-DD HH:MM"), std::string::npos) << r.error().message;
  }
}

}  // namespace
}  // namespace kintsugi::ctl
