// UTF-8 one code point at a time (protocol/utf8.h): every plane in and out,
// and each byte that cannot be read shown as U+FFFD, never a code point it
// does not stand for.
#include "protocol/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace kintsugi::protocol {
namespace {

TEST(Utf8, DecodesAndEncodesEveryPlane) {
  const std::string s = "a\u00e9\u05e9\u4f60\U0001F600";
  EXPECT_EQ(DecodeUtf8(s), (std::u32string{U'a', 0xE9, 0x5E9, 0x4F60, 0x1F600}));
  EXPECT_EQ(EncodeUtf8(DecodeUtf8(s)), s);
}

TEST(Utf8, EachUnreadableByteIsTheReplacementCharacter) {
  constexpr char32_t R = kReplacementCharacter;
  EXPECT_EQ(DecodeUtf8("a\xff" "b"), (std::u32string{U'a', R, U'b'}));
  EXPECT_EQ(DecodeUtf8("\xc0\xaf"), (std::u32string{R, R}));                // an overlong "/"
  EXPECT_EQ(DecodeUtf8("\xed\xa0\x80"), (std::u32string{R, R, R}));         // a UTF-16 surrogate
  EXPECT_EQ(DecodeUtf8("x\xe4\xbd"), (std::u32string{U'x', R, R}));         // cut short
  EXPECT_EQ(DecodeUtf8("\xf4\x90\x80\x80"), (std::u32string{R, R, R, R}));  // beyond U+10FFFF
  EXPECT_EQ(DecodeUtf8("\x9b"), (std::u32string{R}));                       // a lone 8-bit CSI
}

TEST(Utf8, NextCodePointSaysHowManyBytesItRead) {
  const std::string s = "\xd7\xa9!";
  EXPECT_EQ(NextCodePoint(s, 0), (std::pair<char32_t, std::size_t>{0x5E9, 2}));
  EXPECT_EQ(NextCodePoint(s, 2), (std::pair<char32_t, std::size_t>{U'!', 1}));
}

}  // namespace
}  // namespace kintsugi::protocol
