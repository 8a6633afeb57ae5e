#include "crypto/keys.h"

#include <gtest/gtest.h>

#include "crypto/random.h"

namespace kintsugi::crypto {
namespace {

// RFC 8032, section 7.1, TEST 1.
constexpr char kRfcSeed[] = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
constexpr char kRfcPublicKey[] = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
constexpr char kRfcSignature[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
    "d25bf5f0595bbe24655141438e7a100b";

Bytes Hex(std::string_view hex) {
  auto bytes = FromHex(hex);
  EXPECT_TRUE(bytes.has_value()) << hex;
  return bytes.value_or(Bytes{});
}

SigningKey KeyFromByte(std::uint8_t fill) {
  Bytes seed(kSeedBytes, fill);
  auto key = SigningKey::FromSeed(seed);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

TEST(Keys, FromSeedMatchesRfc8032PublicKey) {
  auto key = SigningKey::FromSeed(Hex(kRfcSeed));
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(ToHex(key->public_key()), kRfcPublicKey);
}

TEST(Keys, SignMatchesRfc8032SignatureOfEmptyMessage) {
  auto key = SigningKey::FromSeed(Hex(kRfcSeed));
  ASSERT_TRUE(key.ok());
  Signature sig = key->Sign(ByteView{});
  EXPECT_EQ(ToHex(sig), kRfcSignature);
}

TEST(Keys, VerifyAcceptsRfc8032Signature) {
  auto pk = Hash32FromHex(kRfcPublicKey);
  Bytes sig_bytes = Hex(kRfcSignature);
  ASSERT_TRUE(pk.has_value());
  ASSERT_EQ(sig_bytes.size(), kSignatureBytes);
  Signature sig;
  std::copy(sig_bytes.begin(), sig_bytes.end(), sig.begin());
  EXPECT_TRUE(VerifySignature(*pk, ByteView{}, sig));
}

TEST(Keys, FromSeedIsDeterministic) {
  Bytes seed = Hex(kRfcSeed);
  auto a = SigningKey::FromSeed(seed);
  auto b = SigningKey::FromSeed(seed);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->public_key(), b->public_key());
  EXPECT_EQ(a->Sign(AsBytes("hello")), b->Sign(AsBytes("hello")));
}

TEST(Keys, SeedReturnsTheSeedItWasMadeFrom) {
  Bytes seed = Hex(kRfcSeed);
  auto key = SigningKey::FromSeed(seed);
  ASSERT_TRUE(key.ok());
  auto back = key->seed();
  EXPECT_EQ(Bytes(back.begin(), back.end()), seed);
}

TEST(Keys, FromSeedRejectsWrongLength) {
  for (std::size_t n : {0u, 31u, 33u, 64u}) {
    Bytes seed(n, 0x42);
    auto key = SigningKey::FromSeed(seed);
    ASSERT_FALSE(key.ok()) << n;
    EXPECT_EQ(key.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(Keys, DifferentSeedsGiveDifferentPublicKeys) {
  EXPECT_NE(KeyFromByte(1).public_key(), KeyFromByte(2).public_key());
}

TEST(Keys, SignVerifyRoundTrips) {
  SigningKey key = KeyFromByte(7);
  auto message = AsBytes("a check-in, signed");
  Signature sig = key.Sign(message);
  EXPECT_TRUE(VerifySignature(key.public_key(), message, sig));
}

TEST(Keys, SignIsDeterministic) {
  SigningKey key = KeyFromByte(7);
  EXPECT_EQ(key.Sign(AsBytes("m")), key.Sign(AsBytes("m")));
  EXPECT_NE(key.Sign(AsBytes("m")), key.Sign(AsBytes("n")));
}

TEST(Keys, VerifyRejectsAFlippedMessageBitAtEveryPosition) {
  SigningKey key = KeyFromByte(9);
  Bytes message = {'h', 'e', 'l', 'l', 'o', 0x00, 0xff};
  Signature sig = key.Sign(message);
  for (std::size_t i = 0; i < message.size() * 8; ++i) {
    Bytes flipped = message;
    flipped[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
    EXPECT_FALSE(VerifySignature(key.public_key(), flipped, sig)) << "bit " << i;
  }
}

TEST(Keys, VerifyRejectsAFlippedSignatureBitAtEveryPosition) {
  SigningKey key = KeyFromByte(9);
  auto message = AsBytes("hello");
  Signature sig = key.Sign(message);
  for (std::size_t i = 0; i < sig.size() * 8; ++i) {
    Signature flipped = sig;
    flipped[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
    EXPECT_FALSE(VerifySignature(key.public_key(), message, flipped)) << "bit " << i;
  }
}

TEST(Keys, VerifyRejectsWrongKey) {
  SigningKey signer = KeyFromByte(1);
  SigningKey other = KeyFromByte(2);
  auto message = AsBytes("hello");
  EXPECT_FALSE(VerifySignature(other.public_key(), message, signer.Sign(message)));
}

TEST(Keys, VerifyRejectsMessageExtendedByOneByte) {
  SigningKey key = KeyFromByte(3);
  Bytes message = {1, 2, 3};
  Signature sig = key.Sign(message);
  message.push_back(0);
  EXPECT_FALSE(VerifySignature(key.public_key(), message, sig));
}

TEST(Keys, VerifyRejectsAllZeroSignatureAndKey) {
  PublicKey zero_key{};
  Signature zero_sig{};
  EXPECT_FALSE(VerifySignature(zero_key, AsBytes("x"), zero_sig));
  SigningKey key = KeyFromByte(4);
  EXPECT_FALSE(VerifySignature(key.public_key(), AsBytes("x"), zero_sig));
}

TEST(Keys, GenerateFromSameDeterministicSeedGivesSameIdentity) {
  Hash32 seed{};
  seed[0] = 0x5a;
  DeterministicRandom rng_a(seed);
  DeterministicRandom rng_b(seed);
  SigningKey a = SigningKey::Generate(rng_a);
  SigningKey b = SigningKey::Generate(rng_b);
  EXPECT_EQ(a.public_key(), b.public_key());
  // The next identity from the same stream is a different one.
  EXPECT_NE(SigningKey::Generate(rng_a).public_key(), a.public_key());
}

TEST(Keys, GeneratedIdentityRoundTripsThroughItsSeed) {
  SystemRandom rng;
  SigningKey key = SigningKey::Generate(rng);
  auto again = SigningKey::FromSeed(key.seed());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), key.public_key());
}

TEST(Keys, SymmetricKeyFromBytesKeepsTheBytes) {
  Bytes raw(kSymmetricKeyBytes);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::uint8_t>(i * 3);
  auto key = SymmetricKey::FromBytes(raw);
  ASSERT_TRUE(key.ok());
  auto bytes = key->bytes();
  EXPECT_EQ(Bytes(bytes.begin(), bytes.end()), raw);
}

TEST(Keys, SymmetricKeyFromBytesRejectsWrongLength) {
  for (std::size_t n : {0u, 16u, 31u, 33u}) {
    Bytes raw(n, 1);
    auto key = SymmetricKey::FromBytes(raw);
    ASSERT_FALSE(key.ok()) << n;
    EXPECT_EQ(key.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(Keys, SymmetricKeyGenerateIsReproducibleFromDeterministicSeed) {
  Hash32 seed{};
  seed[5] = 1;
  DeterministicRandom rng_a(seed);
  DeterministicRandom rng_b(seed);
  SymmetricKey a = SymmetricKey::Generate(rng_a);
  SymmetricKey b = SymmetricKey::Generate(rng_b);
  ASSERT_EQ(a.bytes().size(), kSymmetricKeyBytes);
  EXPECT_TRUE(std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin()));
  SymmetricKey c = SymmetricKey::Generate(rng_a);
  EXPECT_FALSE(std::equal(a.bytes().begin(), a.bytes().end(), c.bytes().begin()));
}

}  // namespace
}  // namespace kintsugi::crypto
