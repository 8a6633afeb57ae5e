#include "crypto/random.h"

#include <gtest/gtest.h>

namespace kintsugi::crypto {
namespace {

Hash32 SeedOf(std::uint8_t fill) {
  Hash32 seed;
  seed.fill(fill);
  return seed;
}

Bytes Draw(RandomSource& rng, std::size_t n) {
  Bytes out(n);
  rng.Fill(out);
  return out;
}

TEST(DeterministicRandom, SameSeedGivesSameStream) {
  DeterministicRandom a(SeedOf(0x11));
  DeterministicRandom b(SeedOf(0x11));
  for (std::size_t n : {1u, 24u, 32u, 100u}) EXPECT_EQ(Draw(a, n), Draw(b, n)) << n;
}

TEST(DeterministicRandom, DifferentSeedsGiveDifferentStreams) {
  DeterministicRandom a(SeedOf(0x11));
  DeterministicRandom b(SeedOf(0x12));
  EXPECT_NE(Draw(a, 32), Draw(b, 32));
  EXPECT_NE(Draw(a, 32), Draw(b, 32));
}

TEST(DeterministicRandom, SeedsDifferingOnlyInTheLastByteGiveDifferentStreams) {
  Hash32 s1{};
  Hash32 s2{};
  s2[31] = 1;
  DeterministicRandom a(s1);
  DeterministicRandom b(s2);
  EXPECT_NE(Draw(a, 32), Draw(b, 32));
}

TEST(DeterministicRandom, SuccessiveFillsDiffer) {
  DeterministicRandom rng(SeedOf(0x33));
  Bytes first = Draw(rng, 32);
  Bytes second = Draw(rng, 32);
  EXPECT_NE(first, second);
}

TEST(DeterministicRandom, OutputIsNotAllZero) {
  DeterministicRandom rng(Hash32{});
  Bytes out = Draw(rng, 64);
  EXPECT_NE(out, Bytes(64, 0));
}

TEST(SystemRandom, TwoDrawsDiffer) {
  SystemRandom rng;
  EXPECT_NE(Draw(rng, 32), Draw(rng, 32));
}

}  // namespace
}  // namespace kintsugi::crypto
