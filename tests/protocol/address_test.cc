#include "protocol/address.h"

#include <gtest/gtest.h>

#include "protocol/hlc.h"

namespace kintsugi::protocol {
namespace {

TEST(HostPort, ParsesHostAndPort) {
  auto a = ParseHostPort("192.168.1.5:47474");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->host, "192.168.1.5");
  EXPECT_EQ(a->port, 47474);
  auto b = ParseHostPort("partner.local:1");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->host, "partner.local");
  EXPECT_EQ(b->port, 1);
}

TEST(HostPort, RefusesWhatIsNotHostColonPort) {
  for (const char* bad : {"", ":47474", "host", "host:", "host:0", "host:65535", "host:99999", "host:12a",
                          "host:-1", "host:123456"}) {
    EXPECT_FALSE(ParseHostPort(bad).has_value()) << bad;
  }
}

TEST(HostPort, LeavesRoomForThePairingPort) {
  EXPECT_TRUE(ParseHostPort("h:65534").has_value());
  EXPECT_FALSE(ParseHostPort("h:65535").has_value());
}

TEST(FormatUtcMillis, WritesUtcWithMilliseconds) {
  EXPECT_EQ(FormatUtcMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatUtcMillis(1795677029249), "2026-11-26T07:10:29.249Z");
}

}  // namespace
}  // namespace kintsugi::protocol
