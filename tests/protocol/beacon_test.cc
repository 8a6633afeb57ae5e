#include "protocol/beacon.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "crypto/aead.h"
#include "protocol/wire.h"
#include "test_util.h"

namespace kintsugi::protocol {
namespace {

using fixtures::FilledHash;
using fixtures::LedgerKeyFrom;

constexpr std::uint64_t kWindow = kBeaconWindowSeconds;
// Somewhere inside a window, not at its edge.
constexpr std::uint64_t kNow = 1'700'000'123;
constexpr std::uint64_t kNowWindow = kNow / kWindow;

Beacon SampleBeacon() {
  Beacon b;
  b.port = 0xA7C3;
  b.sender = {0x5e, 0x4d, 0x3c, 0x2b, 0x1a, 0x09, 0xf8, 0xe7};
  return b;
}

bool Contains(const Bytes& haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
         haystack.end();
}

class BeaconTest : public ::testing::Test {
 protected:
  Bytes Seal(const Beacon& b, std::uint64_t unix_seconds) {
    return SealBeacon(key_, b, unix_seconds, rng_);
  }

  crypto::SymmetricKey key_ = LedgerKeyFrom(0xbe);
  crypto::DeterministicRandom rng_{FilledHash(0x62)};
};

TEST_F(BeaconTest, SealThenOpenReturnsTheBeacon) {
  Bytes datagram = Seal(SampleBeacon(), kNow);
  EXPECT_EQ(datagram.size(), kBeaconBytes);
  auto opened = OpenBeacon(key_, datagram, kNow);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(opened->port, SampleBeacon().port);
  EXPECT_EQ(opened->sender, SampleBeacon().sender);
}

TEST_F(BeaconTest, RoundTripsEdgeValues) {
  for (std::uint16_t port : {0, 1, 0xFFFF}) {
    Beacon b;
    b.port = port;
    b.sender.fill(static_cast<std::uint8_t>(port));
    auto opened = OpenBeacon(key_, Seal(b, kNow), kNow);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->port, port);
    EXPECT_EQ(opened->sender, b.sender);
  }
}

TEST_F(BeaconTest, FollowsTheDocumentedLayout) {
  Bytes datagram = Seal(SampleBeacon(), kNow);
  ASSERT_EQ(datagram.size(), kBeaconBytes);
  crypto::AeadNonce nonce;
  std::copy_n(datagram.begin(), nonce.size(), nonce.begin());
  ByteView sealed = ByteView(datagram).subspan(crypto::kAeadNonceBytes);
  auto plain = crypto::Open(key_, nonce, sealed, AsBytes("kintsugi beacon v1"));
  ASSERT_TRUE(plain.ok()) << plain.error().message;

  WireWriter expected;
  expected.U64(kNowWindow);
  expected.U8(0xA7);
  expected.U8(0xC3);
  expected.Raw(SampleBeacon().sender);
  EXPECT_EQ(*plain, expected.bytes());

  // Without the associated data it does not open.
  EXPECT_FALSE(crypto::Open(key_, nonce, sealed, {}).ok());
}

TEST_F(BeaconTest, MatchesAFixedVector) {
  // Pins the format: a change to it must change this vector (and the docs).
  crypto::DeterministicRandom rng(FilledHash(0x01));
  Bytes datagram = SealBeacon(LedgerKeyFrom(0x02), SampleBeacon(), 1'700'000'000, rng);
  EXPECT_EQ(ToHex(datagram),
            "22db971933ab836c9523081f26f21c77211c1655ae973308"     // nonce
            "d160411556297062480ddf2ec8f21f78a914"                 // sealed plaintext
            "c5ba44cec596af2d75a01d6955d1dc26");                   // tag
}

TEST_F(BeaconTest, DoesNotOpenWithAnotherKey) {
  Bytes datagram = Seal(SampleBeacon(), kNow);
  auto opened = OpenBeacon(LedgerKeyFrom(0xbf), datagram, kNow);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed);
}

TEST_F(BeaconTest, EverySingleBitFlipFails) {
  const Bytes datagram = Seal(SampleBeacon(), kNow);
  for (std::size_t i = 0; i < datagram.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes flipped = datagram;
      flipped[i] ^= static_cast<std::uint8_t>(1u << bit);
      auto opened = OpenBeacon(key_, flipped, kNow);
      ASSERT_FALSE(opened.ok()) << "byte " << i << " bit " << bit;
      EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed)
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST_F(BeaconTest, RejectsTheWrongSizeAsMalformed) {
  const Bytes datagram = Seal(SampleBeacon(), kNow);
  std::vector<Bytes> wrong = {
      {},
      Bytes(datagram.begin(), datagram.end() - 1),
      Bytes(datagram.begin(), datagram.begin() + crypto::kAeadNonceBytes),
      Bytes(1000, 0),
  };
  Bytes longer = datagram;
  longer.push_back(0);
  wrong.push_back(longer);
  for (const Bytes& d : wrong) {
    auto opened = OpenBeacon(key_, d, kNow);
    ASSERT_FALSE(opened.ok()) << d.size();
    EXPECT_EQ(opened.error().code, ErrorCode::kMalformed) << d.size();
    EXPECT_NE(opened.error().message.find("58"), std::string::npos) << opened.error().message;
  }
}

TEST_F(BeaconTest, RejectsBeaconsFromTwoOrMoreWindowsAway) {
  for (std::uint64_t sealed_at : {kNow - 2 * kWindow, kNow + 2 * kWindow, kNow - 100 * kWindow,
                                  kNow + 100 * kWindow, std::uint64_t{0},
                                  std::numeric_limits<std::uint64_t>::max()}) {
    auto opened = OpenBeacon(key_, Seal(SampleBeacon(), sealed_at), kNow);
    ASSERT_FALSE(opened.ok()) << sealed_at;
    EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition) << sealed_at;
  }
}

TEST_F(BeaconTest, AcceptsTheCurrentWindowAndItsNeighbours) {
  for (std::uint64_t sealed_at : {kNow - kWindow, kNow, kNow + kWindow}) {
    auto opened = OpenBeacon(key_, Seal(SampleBeacon(), sealed_at), kNow);
    ASSERT_TRUE(opened.ok()) << sealed_at << ": " << opened.error().message;
    EXPECT_EQ(opened->sender, SampleBeacon().sender);
  }
}

TEST_F(BeaconTest, WindowEdgesAreExact) {
  const std::uint64_t start = kNowWindow * kWindow;  // first second of the receiver's window
  // Accepted: from the first second of the window before to the last second
  // of the window after.
  for (std::uint64_t sealed_at : {start - kWindow, start + 2 * kWindow - 1}) {
    const std::uint64_t last = start + kWindow - 1;  // last second of the receiver's window
    EXPECT_TRUE(OpenBeacon(key_, Seal(SampleBeacon(), sealed_at), start).ok()) << sealed_at;
    EXPECT_TRUE(OpenBeacon(key_, Seal(SampleBeacon(), sealed_at), last).ok()) << sealed_at;
  }
  // Refused: one second further either way.
  for (std::uint64_t sealed_at : {start - kWindow - 1, start + 2 * kWindow}) {
    auto opened = OpenBeacon(key_, Seal(SampleBeacon(), sealed_at), start);
    ASSERT_FALSE(opened.ok()) << sealed_at;
    EXPECT_EQ(opened.error().code, ErrorCode::kFailedPrecondition) << sealed_at;
  }
}

TEST_F(BeaconTest, WindowArithmeticDoesNotWrapAtTheEndsOfTime) {
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  EXPECT_TRUE(OpenBeacon(key_, Seal(SampleBeacon(), 0), 0).ok());
  EXPECT_TRUE(OpenBeacon(key_, Seal(SampleBeacon(), kWindow), 0).ok());
  EXPECT_TRUE(OpenBeacon(key_, Seal(SampleBeacon(), max), max).ok());
  EXPECT_TRUE(OpenBeacon(key_, Seal(SampleBeacon(), max - kWindow), max).ok());
  EXPECT_FALSE(OpenBeacon(key_, Seal(SampleBeacon(), max), 0).ok());
  EXPECT_FALSE(OpenBeacon(key_, Seal(SampleBeacon(), 0), max).ok());
}

TEST_F(BeaconTest, SameContentSealsDifferently) {
  Bytes a = Seal(SampleBeacon(), kNow);
  Bytes b = Seal(SampleBeacon(), kNow);
  EXPECT_NE(a, b);
  EXPECT_FALSE(std::equal(a.begin(), a.begin() + crypto::kAeadNonceBytes, b.begin()));
  EXPECT_TRUE(OpenBeacon(key_, a, kNow).ok());
  EXPECT_TRUE(OpenBeacon(key_, b, kNow).ok());
}

TEST_F(BeaconTest, HidesThePortAndSender) {
  const Beacon b = SampleBeacon();
  const std::array<std::uint8_t, 2> port_be = {0xA7, 0xC3};
  const std::array<std::uint8_t, 2> port_le = {0xC3, 0xA7};
  WireWriter window;
  window.U64(kNowWindow);
  for (int i = 0; i < 50; ++i) {
    Bytes datagram = Seal(b, kNow);
    EXPECT_FALSE(Contains(datagram, b.sender)) << i;
    EXPECT_FALSE(Contains(datagram, ByteView(b.sender).first(4))) << i;
    EXPECT_FALSE(Contains(datagram, window.bytes())) << i;
    if (i == 0) {
      // Two bytes can turn up by chance; this datagram is fixed by the seed.
      EXPECT_FALSE(Contains(datagram, port_be));
      EXPECT_FALSE(Contains(datagram, port_le));
    }
  }
}

}  // namespace
}  // namespace kintsugi::protocol
