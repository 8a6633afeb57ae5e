#include "crypto/pake.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>

#include "crypto/keys.h"
#include "crypto/random.h"

namespace kintsugi::crypto {
namespace {

constexpr std::string_view kPassword = "417-amber-harbor-velvet";
constexpr std::string_view kChannel = "kintsugi pair v1";

Hash32 SeedOf(std::uint8_t fill) {
  Hash32 h;
  h.fill(fill);
  return h;
}

Bytes SidOf(std::uint8_t fill) { return Bytes(kPakeSidBytes, fill); }

bool SameBytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Runs both sides of CPace and returns {initiator ISK, responder ISK}.
struct PakeRun {
  Bytes initiator_isk;
  Bytes responder_isk;
};

PakeRun Exchange(std::string_view initiator_password, std::string_view responder_password,
             std::string_view initiator_channel = kChannel, std::string_view responder_channel = kChannel,
             ByteView initiator_sid = {}, ByteView responder_sid = {}) {
  Bytes default_sid = SidOf(0x51);
  if (initiator_sid.empty()) initiator_sid = default_sid;
  if (responder_sid.empty()) responder_sid = default_sid;
  DeterministicRandom rng_a(SeedOf(0xa1));
  DeterministicRandom rng_b(SeedOf(0xb2));
  CPace a = CPace::Start(CPace::Role::kInitiator, AsBytes(initiator_password), AsBytes(initiator_channel),
                         initiator_sid, rng_a);
  CPace b = CPace::Start(CPace::Role::kResponder, AsBytes(responder_password), AsBytes(responder_channel),
                         responder_sid, rng_b);
  auto isk_a = a.Finish(b.share());
  auto isk_b = b.Finish(a.share());
  EXPECT_TRUE(isk_a.ok());
  EXPECT_TRUE(isk_b.ok());
  PakeRun run;
  if (isk_a.ok()) run.initiator_isk.assign(isk_a->span().begin(), isk_a->span().end());
  if (isk_b.ok()) run.responder_isk.assign(isk_b->span().begin(), isk_b->span().end());
  return run;
}

CPace StartWithSeed(std::uint8_t seed_fill) {
  DeterministicRandom rng(SeedOf(seed_fill));
  return CPace::Start(CPace::Role::kInitiator, AsBytes(kPassword), AsBytes(kChannel), SidOf(0x51), rng);
}

// --- CPace -------------------------------------------------------------------

TEST(CPace, BothSidesWithTheSamePasswordDeriveTheSameSessionKey) {
  PakeRun run = Exchange(kPassword, kPassword);
  EXPECT_EQ(run.initiator_isk.size(), kPakeSessionKeyBytes);
  EXPECT_EQ(run.initiator_isk, run.responder_isk);
  EXPECT_FALSE(std::all_of(run.initiator_isk.begin(), run.initiator_isk.end(),
                           [](std::uint8_t b) { return b == 0; }));
}

TEST(CPace, BothSidesAgreeWithSystemRandomness) {
  SystemRandom rng;
  Bytes sid = SidOf(0x07);
  CPace a = CPace::Start(CPace::Role::kInitiator, AsBytes(kPassword), AsBytes(kChannel), sid, rng);
  CPace b = CPace::Start(CPace::Role::kResponder, AsBytes(kPassword), AsBytes(kChannel), sid, rng);
  auto isk_a = a.Finish(b.share());
  auto isk_b = b.Finish(a.share());
  ASSERT_TRUE(isk_a.ok()) << isk_a.error().message;
  ASSERT_TRUE(isk_b.ok()) << isk_b.error().message;
  EXPECT_TRUE(SameBytes(isk_a->span(), isk_b->span()));
}

TEST(CPace, DifferentPasswordsGiveDifferentSessionKeys) {
  PakeRun run = Exchange(kPassword, "417-amber-harbor-violin");
  ASSERT_EQ(run.initiator_isk.size(), kPakeSessionKeyBytes);
  ASSERT_EQ(run.responder_isk.size(), kPakeSessionKeyBytes);
  EXPECT_NE(run.initiator_isk, run.responder_isk);
}

TEST(CPace, DifferentChannelIdsGiveDifferentSessionKeys) {
  PakeRun run = Exchange(kPassword, kPassword, kChannel, "kintsugi pair v2");
  ASSERT_EQ(run.initiator_isk.size(), kPakeSessionKeyBytes);
  EXPECT_NE(run.initiator_isk, run.responder_isk);
}

TEST(CPace, DifferentSessionIdsGiveDifferentSessionKeys) {
  Bytes sid_a = SidOf(0x51);
  Bytes sid_b = SidOf(0x52);
  PakeRun run = Exchange(kPassword, kPassword, kChannel, kChannel, sid_a, sid_b);
  ASSERT_EQ(run.initiator_isk.size(), kPakeSessionKeyBytes);
  EXPECT_NE(run.initiator_isk, run.responder_isk);
}

TEST(CPace, SessionKeyDependsOnTheSessionIdEvenWithTheSameRandomness) {
  Bytes sid_1 = SidOf(0x01);
  Bytes sid_2 = SidOf(0x02);
  PakeRun first = Exchange(kPassword, kPassword, kChannel, kChannel, sid_1, sid_1);
  PakeRun second = Exchange(kPassword, kPassword, kChannel, kChannel, sid_2, sid_2);
  EXPECT_EQ(first.initiator_isk, first.responder_isk);
  EXPECT_EQ(second.initiator_isk, second.responder_isk);
  EXPECT_NE(first.initiator_isk, second.initiator_isk);
}

TEST(CPace, EmptyPasswordStillAgrees) {
  PakeRun run = Exchange("", "");
  ASSERT_EQ(run.initiator_isk.size(), kPakeSessionKeyBytes);
  EXPECT_EQ(run.initiator_isk, run.responder_isk);
}

TEST(CPace, FinishRejectsAnInvalidEncoding) {
  CPace a = StartWithSeed(0x11);
  Bytes all_ff(kPakeShareBytes, 0xff);
  auto isk = a.Finish(all_ff);
  ASSERT_FALSE(isk.ok());
  EXPECT_EQ(isk.error().code, ErrorCode::kVerificationFailed);
}

TEST(CPace, FinishRejectsTheIdentityElement) {
  CPace a = StartWithSeed(0x11);
  Bytes identity(kPakeShareBytes, 0x00);
  auto isk = a.Finish(identity);
  ASSERT_FALSE(isk.ok());
  EXPECT_EQ(isk.error().code, ErrorCode::kVerificationFailed);
}

TEST(CPace, FinishRejectsAShareOfTheWrongLength) {
  CPace a = StartWithSeed(0x11);
  CPace b = StartWithSeed(0x22);
  Bytes share(b.share().begin(), b.share().end());
  for (std::size_t len : {std::size_t{0}, kPakeShareBytes - 1, kPakeShareBytes + 1, 2 * kPakeShareBytes}) {
    Bytes wrong = share;
    wrong.resize(len, 0x00);
    auto isk = a.Finish(wrong);
    ASSERT_FALSE(isk.ok()) << len;
    EXPECT_EQ(isk.error().code, ErrorCode::kVerificationFailed) << len;
  }
  // The correct-length share itself is accepted, so the failures above are due
  // to the length alone.
  EXPECT_TRUE(a.Finish(share).ok());
}

TEST(CPace, SharesDifferBetweenRuns) {
  SystemRandom rng;
  Bytes sid = SidOf(0x51);
  CPace first = CPace::Start(CPace::Role::kInitiator, AsBytes(kPassword), AsBytes(kChannel), sid, rng);
  CPace second = CPace::Start(CPace::Role::kInitiator, AsBytes(kPassword), AsBytes(kChannel), sid, rng);
  EXPECT_NE(first.share(), second.share());
}

TEST(CPace, SharesAreReproducibleWithDeterministicRandom) {
  EXPECT_EQ(StartWithSeed(0x33).share(), StartWithSeed(0x33).share());
  EXPECT_NE(StartWithSeed(0x33).share(), StartWithSeed(0x34).share());
}

TEST(CPace, ShareIsAValidPeerShare) {
  // Another side's share is accepted by Finish: it is a valid, non-identity element.
  CPace a = StartWithSeed(0x44);
  CPace b = StartWithSeed(0x45);
  EXPECT_TRUE(a.Finish(b.share()).ok());
  EXPECT_NE(a.share(), PakeShare{});
}

// --- DeriveKey ---------------------------------------------------------------

TEST(DeriveKey, IsDeterministic) {
  Bytes master(64, 0x5a);
  SecureBuffer first = DeriveKey(master, "testkdf", 3);
  SecureBuffer second = DeriveKey(master, "testkdf", 3);
  EXPECT_EQ(first.size(), 32u);
  EXPECT_TRUE(SameBytes(first.span(), second.span()));
}

TEST(DeriveKey, DiffersByPurpose) {
  Bytes master(64, 0x5a);
  SecureBuffer a = DeriveKey(master, "purposea", 1);
  SecureBuffer b = DeriveKey(master, "purposeb", 1);
  EXPECT_FALSE(SameBytes(a.span(), b.span()));
}

TEST(DeriveKey, DiffersByIndex) {
  Bytes master(64, 0x5a);
  SecureBuffer one = DeriveKey(master, "testkdf", 1);
  SecureBuffer two = DeriveKey(master, "testkdf", 2);
  EXPECT_FALSE(SameBytes(one.span(), two.span()));
}

TEST(DeriveKey, DiffersByMaster) {
  Bytes master_a(32, 0x5a);
  Bytes master_b(32, 0x5b);
  SecureBuffer a = DeriveKey(master_a, "testkdf", 1);
  SecureBuffer b = DeriveKey(master_b, "testkdf", 1);
  EXPECT_FALSE(SameBytes(a.span(), b.span()));
}

TEST(DeriveKey, DependsOnEveryByteOfALongMaster) {
  Bytes master(64, 0x5a);
  Bytes changed = master;
  changed.back() ^= 0x01;
  SecureBuffer a = DeriveKey(master, "testkdf", 1);
  SecureBuffer b = DeriveKey(changed, "testkdf", 1);
  EXPECT_FALSE(SameBytes(a.span(), b.span()));
}

// --- Mac ---------------------------------------------------------------------

TEST(Mac, ValidatesItsOwnOutput) {
  Bytes key(32, 0x6b);
  auto mac = Mac(key, AsBytes("confirm"));
  EXPECT_TRUE(MacValid(key, AsBytes("confirm"), mac));
}

TEST(Mac, IsDeterministicAndDependsOnTheMessage) {
  Bytes key(32, 0x6b);
  EXPECT_EQ(Mac(key, AsBytes("confirm")), Mac(key, AsBytes("confirm")));
  EXPECT_NE(Mac(key, AsBytes("confirm")), Mac(key, AsBytes("confirn")));
}

TEST(Mac, RejectsAFlippedBitAnywhereInTheTag) {
  Bytes key(32, 0x6b);
  auto mac = Mac(key, AsBytes("confirm"));
  for (std::size_t i = 0; i < mac.size(); ++i) {
    auto flipped = mac;
    flipped[i] ^= 0x01;
    EXPECT_FALSE(MacValid(key, AsBytes("confirm"), flipped)) << i;
  }
}

TEST(Mac, RejectsAFlippedBitInTheMessage) {
  Bytes key(32, 0x6b);
  Bytes message = {1, 2, 3, 4};
  auto mac = Mac(key, message);
  message[2] ^= 0x80;
  EXPECT_FALSE(MacValid(key, message, mac));
}

TEST(Mac, RejectsTheWrongKey) {
  Bytes key(32, 0x6b);
  Bytes other(32, 0x6c);
  auto mac = Mac(key, AsBytes("confirm"));
  EXPECT_FALSE(MacValid(other, AsBytes("confirm"), mac));
}

TEST(Mac, RejectsATagOfTheWrongLength) {
  Bytes key(32, 0x6b);
  auto mac = Mac(key, AsBytes("confirm"));
  Bytes shorter(mac.begin(), mac.end() - 1);
  Bytes longer(mac.begin(), mac.end());
  longer.push_back(0);
  EXPECT_FALSE(MacValid(key, AsBytes("confirm"), shorter));
  EXPECT_FALSE(MacValid(key, AsBytes("confirm"), longer));
  EXPECT_FALSE(MacValid(key, AsBytes("confirm"), ByteView{}));
}

TEST(Mac, RejectsAKeyOfTheWrongLength) {
  Bytes key(32, 0x6b);
  auto mac = Mac(key, AsBytes("confirm"));
  Bytes short_key(31, 0x6b);
  Bytes long_key(33, 0x6b);
  EXPECT_FALSE(MacValid(short_key, AsBytes("confirm"), mac));
  EXPECT_FALSE(MacValid(long_key, AsBytes("confirm"), mac));
}

// --- Curve keys --------------------------------------------------------------

TEST(CurveKeys, PublicKeyMatchesTheConvertedEd25519PublicKey) {
  for (std::uint8_t fill : {0x00, 0x01, 0x7f, 0xff}) {
    Bytes seed(kSeedBytes, fill);
    auto signing = SigningKey::FromSeed(seed);
    ASSERT_TRUE(signing.ok());
    CurveKeyPair pair = CurveKeysOf(seed);
    auto converted = CurvePublicKeyOf(signing->public_key());
    ASSERT_TRUE(converted.ok()) << converted.error().message;
    EXPECT_EQ(pair.public_key, *converted) << int{fill};
    EXPECT_EQ(pair.secret_key.size(), 32u);
  }
}

TEST(CurveKeys, DifferentSeedsGiveDifferentKeys) {
  Bytes seed_a(kSeedBytes, 0x01);
  Bytes seed_b(kSeedBytes, 0x02);
  CurveKeyPair a = CurveKeysOf(seed_a);
  CurveKeyPair b = CurveKeysOf(seed_b);
  EXPECT_NE(a.public_key, b.public_key);
  EXPECT_FALSE(SameBytes(a.secret_key.span(), b.secret_key.span()));
}

TEST(CurveKeys, CurveKeysAreDeterministic) {
  Bytes seed(kSeedBytes, 0x42);
  CurveKeyPair a = CurveKeysOf(seed);
  CurveKeyPair b = CurveKeysOf(seed);
  EXPECT_EQ(a.public_key, b.public_key);
  EXPECT_TRUE(SameBytes(a.secret_key.span(), b.secret_key.span()));
}

TEST(CurveKeys, CurvePublicKeyOfRejectsAnInvalidPoint) {
  // y = 2 is not the y-coordinate of any point on edwards25519.
  Hash32 not_on_curve{};
  not_on_curve[0] = 0x02;
  auto a = CurvePublicKeyOf(not_on_curve);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, ErrorCode::kInvalidArgument);

  // The neutral element (y = 1) has small order.
  Hash32 identity{};
  identity[0] = 0x01;
  auto b = CurvePublicKeyOf(identity);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace kintsugi::crypto
