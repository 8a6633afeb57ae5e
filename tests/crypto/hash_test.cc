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

}  // namespace
}  // namespace kintsugi::crypto
