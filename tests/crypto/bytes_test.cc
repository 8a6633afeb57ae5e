#include "crypto/bytes.h"

#include <gtest/gtest.h>

namespace kintsugi {
namespace {

TEST(Bytes, ToHexWritesLowercasePairs) {
  Bytes bytes{0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  EXPECT_EQ(ToHex(bytes), "00017f80abff");
}

TEST(Bytes, ToHexOfNothingIsEmpty) { EXPECT_EQ(ToHex(Bytes{}), ""); }

TEST(Bytes, HexRoundTripsEveryByteValue) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<std::uint8_t>(i);
  auto back = FromHex(ToHex(all));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, all);
}

TEST(Bytes, FromHexAcceptsUppercase) {
  auto bytes = FromHex("ABcdEF");
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, (Bytes{0xab, 0xcd, 0xef}));
}

TEST(Bytes, FromHexOfEmptyStringIsEmptyBytes) {
  auto bytes = FromHex("");
  ASSERT_TRUE(bytes.has_value());
  EXPECT_TRUE(bytes->empty());
}

TEST(Bytes, FromHexRejectsOddLength) {
  EXPECT_FALSE(FromHex("a").has_value());
  EXPECT_FALSE(FromHex("abc").has_value());
}

TEST(Bytes, FromHexRejectsNonHexCharacters) {
  EXPECT_FALSE(FromHex("0g").has_value());
  EXPECT_FALSE(FromHex("g0").has_value());
  EXPECT_FALSE(FromHex("zz").has_value());
  EXPECT_FALSE(FromHex(" 0").has_value());
  EXPECT_FALSE(FromHex("0x00").has_value());
  EXPECT_FALSE(FromHex("-1").has_value());
  EXPECT_FALSE(FromHex(std::string_view("0\0", 2)).has_value());
}

TEST(Bytes, Hash32FromHexAcceptsExactly32Bytes) {
  std::string hex(64, '0');
  hex[63] = '7';
  auto h = Hash32FromHex(hex);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ((*h)[31], 0x07);
  EXPECT_EQ((*h)[0], 0x00);
  EXPECT_EQ(ToHex(*h), hex);
}

TEST(Bytes, Hash32FromHexRejectsOtherLengths) {
  EXPECT_FALSE(Hash32FromHex("").has_value());
  EXPECT_FALSE(Hash32FromHex(std::string(62, 'a')).has_value());
  EXPECT_FALSE(Hash32FromHex(std::string(63, 'a')).has_value());
  EXPECT_FALSE(Hash32FromHex(std::string(66, 'a')).has_value());
}

TEST(Bytes, Hash32FromHexRejectsNonHex) {
  std::string hex(64, 'a');
  hex[10] = 'x';
  EXPECT_FALSE(Hash32FromHex(hex).has_value());
}

TEST(Bytes, AsBytesViewsTheStringWithoutCopying) {
  std::string_view s = "abc";
  ByteView view = AsBytes(s);
  ASSERT_EQ(view.size(), 3u);
  EXPECT_EQ(static_cast<const void*>(view.data()), static_cast<const void*>(s.data()));
  EXPECT_EQ(view[0], 'a');
  EXPECT_EQ(view[2], 'c');
}

TEST(Bytes, IsZeroIsTrueOnlyForAllZeroHash) {
  Hash32 h{};
  EXPECT_TRUE(IsZero(h));
  h[31] = 1;
  EXPECT_FALSE(IsZero(h));
  h[31] = 0;
  h[0] = 0x80;
  EXPECT_FALSE(IsZero(h));
}

}  // namespace
}  // namespace kintsugi
