#include "crypto/aead.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "crypto/random.h"

namespace kintsugi::crypto {
namespace {

SymmetricKey KeyOf(std::uint8_t fill) {
  Bytes raw(kSymmetricKeyBytes, fill);
  auto key = SymmetricKey::FromBytes(raw);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

AeadNonce NonceOf(std::uint8_t fill) {
  AeadNonce nonce;
  nonce.fill(fill);
  return nonce;
}

bool AllZero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

class Aead : public ::testing::Test {
 protected:
  SymmetricKey key_ = KeyOf(0x01);
  AeadNonce nonce_ = NonceOf(0x02);
  std::string plaintext_ = "the words of a check-in";
  std::string ad_ = "header bytes";
  Bytes Sealed() const { return Seal(key_, nonce_, AsBytes(plaintext_), AsBytes(ad_)); }
  // Runs OpenInto over a buffer full of 0xaa and checks that it failed closed.
  void ExpectOpenIntoFailsAndZeroes(const SymmetricKey& key, const AeadNonce& nonce,
                                    ByteView ciphertext, ByteView ad, std::size_t out_size) {
    Bytes out(out_size, 0xaa);
    Status status = OpenInto(key, nonce, ciphertext, ad, out);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::kVerificationFailed);
    EXPECT_TRUE(AllZero(out));
  }
};

TEST_F(Aead, SealAppendsA16ByteTag) {
  EXPECT_EQ(Sealed().size(), plaintext_.size() + kAeadTagBytes);
  EXPECT_EQ(Seal(key_, nonce_, ByteView{}, ByteView{}).size(), kAeadTagBytes);
}

TEST_F(Aead, SealDoesNotLeakPlaintext) {
  Bytes sealed = Sealed();
  EXPECT_FALSE(std::equal(plaintext_.begin(), plaintext_.end(), sealed.begin()));
}

TEST_F(Aead, SealOpenRoundTrips) {
  auto opened = Open(key_, nonce_, Sealed(), AsBytes(ad_));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(std::string(opened->begin(), opened->end()), plaintext_);
}

TEST_F(Aead, SealOpenRoundTripsEmptyPlaintextAndAd) {
  Bytes sealed = Seal(key_, nonce_, ByteView{}, ByteView{});
  auto opened = Open(key_, nonce_, sealed, ByteView{});
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->empty());
}

TEST_F(Aead, SealIsDeterministicForTheSameKeyAndNonce) {
  EXPECT_EQ(Sealed(), Sealed());
  EXPECT_NE(Sealed(), Seal(key_, NonceOf(0x03), AsBytes(plaintext_), AsBytes(ad_)));
}

TEST_F(Aead, OpenIntoRoundTrips) {
  Bytes sealed = Sealed();
  Bytes out(plaintext_.size(), 0xaa);
  ASSERT_TRUE(OpenInto(key_, nonce_, sealed, AsBytes(ad_), out).ok());
  EXPECT_EQ(std::string(out.begin(), out.end()), plaintext_);
}

TEST_F(Aead, OpenFailsWhenAnyCiphertextBitFlips) {
  Bytes sealed = Sealed();
  for (std::size_t i = 0; i < sealed.size() * 8; ++i) {
    Bytes tampered = sealed;
    tampered[i / 8] ^= static_cast<std::uint8_t>(1u << (i % 8));
    auto opened = Open(key_, nonce_, tampered, AsBytes(ad_));
    ASSERT_FALSE(opened.ok()) << "bit " << i;
    EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed);
  }
}

TEST_F(Aead, OpenIntoZeroesOutputWhenCiphertextDiffers) {
  Bytes tampered = Sealed();
  tampered[0] ^= 1;
  ExpectOpenIntoFailsAndZeroes(key_, nonce_, tampered, AsBytes(ad_), plaintext_.size());
}

TEST_F(Aead, OpenIntoZeroesOutputWhenTagDiffers) {
  Bytes tampered = Sealed();
  tampered.back() ^= 0x80;
  ExpectOpenIntoFailsAndZeroes(key_, nonce_, tampered, AsBytes(ad_), plaintext_.size());
}

TEST_F(Aead, OpenIntoZeroesOutputWhenAdDiffers) {
  ExpectOpenIntoFailsAndZeroes(key_, nonce_, Sealed(), AsBytes("header byteS"), plaintext_.size());
  ExpectOpenIntoFailsAndZeroes(key_, nonce_, Sealed(), ByteView{}, plaintext_.size());
}

TEST_F(Aead, OpenIntoZeroesOutputWhenNonceDiffers) {
  AeadNonce other = nonce_;
  other[23] ^= 1;
  ExpectOpenIntoFailsAndZeroes(key_, other, Sealed(), AsBytes(ad_), plaintext_.size());
}

TEST_F(Aead, OpenIntoZeroesOutputWhenKeyDiffers) {
  ExpectOpenIntoFailsAndZeroes(KeyOf(0x09), nonce_, Sealed(), AsBytes(ad_), plaintext_.size());
}

TEST_F(Aead, OpenIntoZeroesOutputWhenOutputHasTheWrongSize) {
  Bytes sealed = Sealed();
  ExpectOpenIntoFailsAndZeroes(key_, nonce_, sealed, AsBytes(ad_), plaintext_.size() - 1);
  ExpectOpenIntoFailsAndZeroes(key_, nonce_, sealed, AsBytes(ad_), plaintext_.size() + 1);
}

TEST_F(Aead, OpenIntoZeroesOutputWhenCiphertextIsShorterThanTag) {
  Bytes short_ct(kAeadTagBytes - 1, 0x55);
  ExpectOpenIntoFailsAndZeroes(key_, nonce_, short_ct, AsBytes(ad_), 4);
}

TEST_F(Aead, OpenFailsWhenCiphertextIsShorterThanTag) {
  for (std::size_t n = 0; n < kAeadTagBytes; ++n) {
    Bytes short_ct(n, 0x55);
    auto opened = Open(key_, nonce_, short_ct, AsBytes(ad_));
    ASSERT_FALSE(opened.ok()) << n;
    EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed);
  }
}

TEST_F(Aead, OpenFailsWhenCiphertextIsTruncatedOrExtended) {
  Bytes sealed = Sealed();
  Bytes truncated(sealed.begin(), sealed.end() - 1);
  EXPECT_FALSE(Open(key_, nonce_, truncated, AsBytes(ad_)).ok());
  Bytes extended = sealed;
  extended.push_back(0);
  EXPECT_FALSE(Open(key_, nonce_, extended, AsBytes(ad_)).ok());
}

TEST_F(Aead, OpenFailsWhenAdNonceOrKeyDiffer) {
  Bytes sealed = Sealed();
  EXPECT_FALSE(Open(key_, nonce_, sealed, AsBytes("other")).ok());
  EXPECT_FALSE(Open(key_, NonceOf(0x03), sealed, AsBytes(ad_)).ok());
  EXPECT_FALSE(Open(KeyOf(0x09), nonce_, sealed, AsBytes(ad_)).ok());
}

TEST_F(Aead, OpenKeyRoundTrips) {
  Bytes inner(kSymmetricKeyBytes);
  for (std::size_t i = 0; i < inner.size(); ++i) inner[i] = static_cast<std::uint8_t>(0xf0 - i);
  Bytes wrapped = Seal(key_, nonce_, inner, AsBytes("bound to this"));
  ASSERT_EQ(wrapped.size(), kSymmetricKeyBytes + kAeadTagBytes);
  auto opened = OpenKey(key_, nonce_, wrapped, AsBytes("bound to this"));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(Bytes(opened->bytes().begin(), opened->bytes().end()), inner);
}

TEST_F(Aead, OpenKeyFailsWithWrongAdOrKey) {
  Bytes inner(kSymmetricKeyBytes, 0x77);
  Bytes wrapped = Seal(key_, nonce_, inner, AsBytes("bound to this"));
  auto wrong_ad = OpenKey(key_, nonce_, wrapped, AsBytes("bound to that"));
  ASSERT_FALSE(wrong_ad.ok());
  EXPECT_EQ(wrong_ad.error().code, ErrorCode::kVerificationFailed);
  EXPECT_FALSE(OpenKey(KeyOf(0x09), nonce_, wrapped, AsBytes("bound to this")).ok());
}

TEST_F(Aead, OpenKeyRejectsPlaintextThatIsNot32Bytes) {
  Bytes inner(kSymmetricKeyBytes - 1, 0x77);
  Bytes wrapped = Seal(key_, nonce_, inner, ByteView{});
  auto opened = OpenKey(key_, nonce_, wrapped, ByteView{});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed);
}

TEST_F(Aead, SealOpenRoundTripsLargePlaintext) {
  SystemRandom rng;
  Bytes big(100000);
  rng.Fill(big);
  Bytes sealed = Seal(key_, nonce_, big, AsBytes(ad_));
  auto opened = Open(key_, nonce_, sealed, AsBytes(ad_));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, big);
}

}  // namespace
}  // namespace kintsugi::crypto
