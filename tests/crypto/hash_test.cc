#include "crypto/hash.h"

#include <gtest/gtest.h>

#include <string>

namespace kintsugi::crypto {
namespace {

TEST(Hash, Blake2b256OfAbcMatchesKnownAnswer) {
  EXPECT_EQ(ToHex(Blake2b256(AsBytes("abc"))),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(Hash, Blake2b256OfEmptyInputMatchesKnownAnswer) {
  EXPECT_EQ(ToHex(Blake2b256(ByteView{})),
            "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST(Hash, MultiPartEqualsOneShotOverTheConcatenation) {
  std::string whole = "the quick brown fox jumps over the lazy dog";
  std::string_view view = whole;
  Hash32 one_shot = Blake2b256(AsBytes(view));
  EXPECT_EQ(Blake2b256({AsBytes(view.substr(0, 4)), AsBytes(view.substr(4, 10)),
                        AsBytes(view.substr(14))}),
            one_shot);
  EXPECT_EQ(Blake2b256({AsBytes(view)}), one_shot);
  EXPECT_EQ(Blake2b256({AsBytes(view.substr(0, 0)), AsBytes(view), AsBytes(view.substr(0, 0))}),
            one_shot);
}

TEST(Hash, MultiPartOfAbcSplitMatchesKnownAnswer) {
  EXPECT_EQ(ToHex(Blake2b256({AsBytes("a"), AsBytes("bc")})),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

TEST(Hash, MultiPartWithNoPartsEqualsHashOfEmptyInput) {
  EXPECT_EQ(Blake2b256(std::initializer_list<ByteView>{}), Blake2b256(ByteView{}));
}

TEST(Hash, DifferentInputsGiveDifferentDigests) {
  EXPECT_NE(Blake2b256(AsBytes("abc")), Blake2b256(AsBytes("abd")));
  EXPECT_NE(Blake2b256(AsBytes("abc")), Blake2b256(AsBytes("abc ")));
}

// SipHash-2-4's first reference vector (key 00..0f, empty message):
// 31 0e 0e dd 47 db 6f 72, read as a little-endian integer.
TEST(Hash, ShortHashMatchesSipHashsReferenceVector) {
  ShortHashKey key;
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
  EXPECT_EQ(ShortHash(ByteView{}, key), 0x726fdb47dd0e0e31u);
}

TEST(Hash, ShortHashDependsOnTheKeyAndEachFreshKeyDiffers) {
  const ShortHashKey a = NewShortHashKey();
  const ShortHashKey b = NewShortHashKey();
  EXPECT_NE(a, b);
  EXPECT_NE(ShortHash(AsBytes("an entry id"), a), ShortHash(AsBytes("an entry id"), b));
  EXPECT_EQ(ShortHash(AsBytes("an entry id"), a), ShortHash(AsBytes("an entry id"), a));
  EXPECT_NE(ShortHash(AsBytes("an entry id"), a), ShortHash(AsBytes("an entry ie"), a));
}

}  // namespace
}  // namespace kintsugi::crypto
