#include "protocol/entry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>

#include "crypto/hash.h"

namespace kintsugi::protocol {
namespace {

// Byte offsets of the fixed header fields (docs/PROTOCOL.md, "Entry").
constexpr std::size_t kVersionAt = 0;
constexpr std::size_t kSeqAt = 1 + 32 + 32;
constexpr std::size_t kPrevAt = kSeqAt + 8;
constexpr std::size_t kHlcAt = kPrevAt + 32;
constexpr std::size_t kParentCountAt = kHlcAt + 8;
constexpr std::size_t kParentsAt = kParentCountAt + 1;

Hash32 Filled(std::uint8_t fill) {
  Hash32 h;
  h.fill(fill);
  return h;
}

// A structurally valid entry (Decode does not check seals or signatures).
Entry MakeEntry(std::size_t parent_count = 0, std::size_t body_bytes = 80) {
  Entry e;
  e.ledger_id = Filled(0x11);
  e.author = Filled(0x22);
  e.seq = 1;
  e.hlc = 0x0102030405060708ull;
  for (std::size_t i = 0; i < parent_count; ++i) {
    EntryId p = Filled(0x30);
    p[0] = static_cast<std::uint8_t>(i + 1);  // strictly ascending
    e.parents.push_back(p);
  }
  e.nonce.fill(0x44);
  e.sealed_body.resize(body_bytes);
  for (std::size_t i = 0; i < body_bytes; ++i) e.sealed_body[i] = static_cast<std::uint8_t>(i);
  e.signature.fill(0x66);
  return e;
}

void ExpectDecodeFails(const Bytes& bytes, ErrorCode code) {
  auto decoded = Decode(bytes);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().code, code) << decoded.error().message;
}

TEST(Entry, FixedPartSizeMatchesTheLayout) {
  EXPECT_EQ(kEntryFixedBytes, 206u);
  EXPECT_EQ(kMaxEntryBytes, kEntryFixedBytes + 16 * 32 + 128 * 1024 + 16);
  EXPECT_EQ(kMaxEntryBytes, 131'806u);  // as docs/PROTOCOL.md says
}

TEST(Entry, EncodingLengthIsFixedPartPlusParentsPlusBody) {
  for (std::size_t parents : {0u, 1u, 5u, 16u}) {
    Entry e = MakeEntry(parents, 100);
    EXPECT_EQ(Encode(e).size(), kEntryFixedBytes + 32 * parents + 100) << parents;
  }
}

TEST(Entry, EncodesIntegersBigEndianAtTheirOffsets) {
  Entry e = MakeEntry(2);
  e.seq = 0x0a0b0c0d0e0f1011ull;
  Bytes bytes = Encode(e);
  EXPECT_EQ(bytes[kVersionAt], kEntryVersion);
  EXPECT_EQ(bytes[kSeqAt], 0x0a);
  EXPECT_EQ(bytes[kSeqAt + 7], 0x11);
  EXPECT_EQ(bytes[kHlcAt], 0x01);
  EXPECT_EQ(bytes[kHlcAt + 7], 0x08);
  EXPECT_EQ(bytes[kParentCountAt], 2);
  // The body length sits just before the body: 4 bytes, big-endian.
  std::size_t len_at = kParentsAt + 2 * 32 + 24;
  EXPECT_EQ(bytes[len_at], 0);
  EXPECT_EQ(bytes[len_at + 3], 80);
}

TEST(Entry, DecodeRoundTripsWithNoParents) {
  Entry e = MakeEntry(0);
  auto decoded = Decode(Encode(e));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, e);
}

TEST(Entry, DecodeRoundTripsWithSeveralParents) {
  for (std::size_t parents : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{7}, kMaxParents}) {
    Entry e = MakeEntry(parents);
    e.seq = 9;
    e.prev = Filled(0x99);
    auto decoded = Decode(Encode(e));
    ASSERT_TRUE(decoded.ok()) << parents << ": " << decoded.error().message;
    EXPECT_EQ(*decoded, e);
    EXPECT_EQ(Encode(*decoded), Encode(e));
  }
}

TEST(Entry, DecodeAcceptsBodyOfExactlyTheTagLength) {
  Entry e = MakeEntry(0, crypto::kAeadTagBytes);
  auto decoded = Decode(Encode(e));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->sealed_body.size(), crypto::kAeadTagBytes);
}

TEST(Entry, DecodeAcceptsTheLargestEntry) {
  Entry e = MakeEntry(kMaxParents, kMaxSealedBodyBytes);
  Bytes bytes = Encode(e);
  ASSERT_EQ(bytes.size(), kMaxEntryBytes);
  auto decoded = Decode(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, e);
}

TEST(Entry, DecodeRejectsTruncationAtEveryPrefixLength) {
  for (std::size_t parents : {0u, 3u}) {
    Bytes bytes = Encode(MakeEntry(parents, 40));
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      auto decoded = Decode(ByteView(bytes).first(n));
      ASSERT_FALSE(decoded.ok()) << "parents " << parents << ", prefix " << n;
      EXPECT_EQ(decoded.error().code, ErrorCode::kMalformed) << "prefix " << n;
    }
  }
}

TEST(Entry, DecodeRejectsTrailingBytes) {
  Bytes bytes = Encode(MakeEntry(1));
  bytes.push_back(0);
  ExpectDecodeFails(bytes, ErrorCode::kMalformed);
}

TEST(Entry, DecodeRejectsWrongVersion) {
  for (std::uint8_t version : {0, 2, 255}) {
    Bytes bytes = Encode(MakeEntry());
    bytes[kVersionAt] = version;
    ExpectDecodeFails(bytes, ErrorCode::kMalformed);
  }
}

TEST(Entry, DecodeRejectsParentsInDescendingOrder) {
  Entry e = MakeEntry(3);
  std::swap(e.parents[0], e.parents[2]);
  ExpectDecodeFails(Encode(e), ErrorCode::kMalformed);
}

TEST(Entry, DecodeRejectsParentsOutOfOrderOnlyAtTheEnd) {
  Entry e = MakeEntry(4);
  std::swap(e.parents[2], e.parents[3]);
  ExpectDecodeFails(Encode(e), ErrorCode::kMalformed);
}

TEST(Entry, DecodeRejectsDuplicateParents) {
  Entry e = MakeEntry(3);
  e.parents[2] = e.parents[1];
  ExpectDecodeFails(Encode(e), ErrorCode::kMalformed);
}

// Encode refuses to make over-limit bytes (it asserts), so these tests build
// them from a valid encoding by hand, as an attacker would.
TEST(Entry, DecodeRejectsMoreThan16ParentsAsTooLarge) {
  Bytes bytes = Encode(MakeEntry(kMaxParents));
  bytes[kParentCountAt] = kMaxParents + 1;
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(kParentsAt + 32 * kMaxParents), 32, 0xee);
  ExpectDecodeFails(bytes, ErrorCode::kTooLarge);
}

TEST(Entry, DecodeRejectsParentCount255AsTooLarge) {
  Bytes bytes = Encode(MakeEntry(0));
  bytes[kParentCountAt] = 255;
  ExpectDecodeFails(bytes, ErrorCode::kTooLarge);
}

TEST(Entry, DecodeRejectsSealedBodyOverTheLimitAsTooLarge) {
  Entry e = MakeEntry(0, kMaxSealedBodyBytes);
  Bytes bytes = Encode(e);
  // body_len sits just before the body: header is 142 bytes without parents.
  constexpr std::size_t kBodyLenAt = kParentsAt + 24;
  const std::uint32_t over = static_cast<std::uint32_t>(kMaxSealedBodyBytes + 1);
  for (int i = 0; i < 4; ++i) bytes[kBodyLenAt + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(over >> (24 - 8 * i));
  bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(kBodyLenAt + 4), 0x00);
  ASSERT_LE(bytes.size(), kMaxEntryBytes);
  ExpectDecodeFails(bytes, ErrorCode::kTooLarge);
}

TEST(Entry, DecodeRejectsHugeDeclaredBodyLengthAsTooLarge) {
  Bytes bytes = Encode(MakeEntry(0));
  std::size_t len_at = kParentsAt + 24;
  std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(len_at), 4, 0xff);
  ExpectDecodeFails(bytes, ErrorCode::kTooLarge);
}

TEST(Entry, DecodeRejectsInputLargerThanTheMaximumAsTooLarge) {
  Bytes bytes = Encode(MakeEntry(kMaxParents, kMaxSealedBodyBytes));
  bytes.push_back(0);
  ASSERT_EQ(bytes.size(), kMaxEntryBytes + 1);
  ExpectDecodeFails(bytes, ErrorCode::kTooLarge);
  ExpectDecodeFails(Bytes(kMaxEntryBytes + 1, 0), ErrorCode::kTooLarge);
}

TEST(Entry, DecodeRejectsSeqZero) {
  Entry e = MakeEntry();
  e.seq = 0;
  ExpectDecodeFails(Encode(e), ErrorCode::kMalformed);
}

TEST(Entry, DecodeRejectsSeqOneWithNonzeroPrev) {
  Entry e = MakeEntry();
  e.seq = 1;
  e.prev[31] = 1;
  ExpectDecodeFails(Encode(e), ErrorCode::kMalformed);
}

TEST(Entry, DecodeAcceptsLaterSeqWithNonzeroPrev) {
  Entry e = MakeEntry();
  e.seq = 2;
  e.prev = Filled(0x77);
  auto decoded = Decode(Encode(e));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->prev, e.prev);
}

TEST(Entry, DecodeRejectsBodyShorterThanTheTag) {
  for (std::size_t n = 0; n < crypto::kAeadTagBytes; ++n) {
    ExpectDecodeFails(Encode(MakeEntry(0, n)), ErrorCode::kMalformed);
  }
}

TEST(Entry, DecodeRejectsEmptyInput) { ExpectDecodeFails(Bytes{}, ErrorCode::kMalformed); }

TEST(Entry, HeaderIsThePrefixOfTheEncodingBeforeTheBody) {
  Entry e = MakeEntry(2);
  Bytes header = EncodeHeader(e);
  Bytes encoded = Encode(e);
  ASSERT_EQ(header.size(), kEntryFixedBytes - 64 + 2 * 32);
  EXPECT_TRUE(std::equal(header.begin(), header.end(), encoded.begin()));
  EXPECT_TRUE(std::equal(e.sealed_body.begin(), e.sealed_body.end(),
                         encoded.begin() + static_cast<std::ptrdiff_t>(header.size())));
  EXPECT_TRUE(std::equal(e.signature.begin(), e.signature.end(), encoded.end() - 64));
}

TEST(Entry, SigningMessageIsContextThenHeaderThenBody) {
  Entry e = MakeEntry(1);
  std::string_view context = kEntrySignatureContext;
  Bytes header = EncodeHeader(e);
  Bytes expected(context.begin(), context.end());
  expected.insert(expected.end(), header.begin(), header.end());
  expected.insert(expected.end(), e.sealed_body.begin(), e.sealed_body.end());
  EXPECT_EQ(SigningMessage(e), expected);
}

TEST(Entry, SigningMessageExcludesTheSignature) {
  Entry a = MakeEntry();
  Entry b = a;
  b.signature[0] ^= 1;
  EXPECT_EQ(SigningMessage(a), SigningMessage(b));
  EXPECT_NE(Encode(a), Encode(b));
}

TEST(Entry, IdIsBlake2bOfTheCompleteEncoding) {
  Entry e = MakeEntry(2);
  Bytes encoded = Encode(e);
  EXPECT_EQ(ComputeId(e), crypto::Blake2b256(encoded));
  EXPECT_EQ(ComputeId(ByteView(encoded)), ComputeId(e));
}

TEST(Entry, IdCoversTheSignature) {
  Entry a = MakeEntry();
  Entry b = a;
  b.signature[63] ^= 0x80;
  EXPECT_NE(ComputeId(a), ComputeId(b));
}

TEST(Entry, IdChangesWithEveryHeaderField) {
  Entry base = MakeEntry(1);
  EntryId id = ComputeId(base);
  auto differs = [&](auto mutate) {
    Entry e = base;
    mutate(e);
    return ComputeId(e) != id;
  };
  EXPECT_TRUE(differs([](Entry& e) { e.ledger_id[0] ^= 1; }));
  EXPECT_TRUE(differs([](Entry& e) { e.author[0] ^= 1; }));
  EXPECT_TRUE(differs([](Entry& e) { e.seq += 1; }));
  EXPECT_TRUE(differs([](Entry& e) { e.prev[5] ^= 1; }));
  EXPECT_TRUE(differs([](Entry& e) { e.hlc += 1; }));
  EXPECT_TRUE(differs([](Entry& e) { e.parents[0][31] ^= 1; }));
  EXPECT_TRUE(differs([](Entry& e) { e.nonce[0] ^= 1; }));
  EXPECT_TRUE(differs([](Entry& e) { e.sealed_body[0] ^= 1; }));
}

}  // namespace
}  // namespace kintsugi::protocol
