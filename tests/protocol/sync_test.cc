#include "protocol/sync.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "protocol/entry_seal.h"
#include "protocol/wire.h"
#include "test_util.h"

namespace kintsugi::protocol {
namespace {

using fixtures::FilledHash;

IndexId IndexIdOf(std::uint8_t fill) {
  IndexId id;
  id.fill(fill);
  return id;
}

Bytes EntryBytes(std::size_t size, std::uint8_t seed) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

Bytes WrappedKeyBytes(std::uint8_t fill) { return Bytes(WrappedKey::kEncodedBytes, fill); }

SyncHello HelloWithHeads(std::size_t count) {
  SyncHello m;
  m.ledger_id = FilledHash(0x1e);
  m.index_id = IndexIdOf(0x2f);
  for (std::size_t i = 0; i < count; ++i) {
    SyncHead h;
    h.author = FilledHash(static_cast<std::uint8_t>(0x40 + i));
    h.seq = 1000 * (i + 1);
    h.id = FilledHash(static_cast<std::uint8_t>(0x80 + i));
    m.heads.push_back(h);
  }
  return m;
}

SyncWant SampleWant() {
  SyncWant m;
  m.author = FilledHash(0xa7);
  m.after_seq = 0x0102030405060708ull;
  m.max_count = 0xBEEF;
  return m;
}

SyncEntries EntriesOf(std::vector<SyncEntry> entries, bool more) {
  SyncEntries m;
  m.author = FilledHash(0xc3);
  m.entries = std::move(entries);
  m.more = more;
  return m;
}

SyncEntries SeveralEntries(bool more) {
  return EntriesOf({SyncEntry{EntryBytes(300, 1), WrappedKeyBytes(0x11)},
                    SyncEntry{EntryBytes(17, 2), std::nullopt},
                    SyncEntry{EntryBytes(0, 3), WrappedKeyBytes(0x33)},
                    SyncEntry{EntryBytes(1, 4), std::nullopt}},
                   more);
}

// One valid encoding of each kind, for the tests that break them.
std::vector<std::pair<std::string, SyncMessage>> SampleMessages() {
  return {
      {"hello with no heads", HelloWithHeads(0)},
      {"hello with 16 heads", HelloWithHeads(kMaxHeads)},
      {"want", SampleWant()},
      {"empty entries", EntriesOf({}, false)},
      {"one entry with key", EntriesOf({SyncEntry{EntryBytes(40, 9), WrappedKeyBytes(0x77)}}, true)},
      {"several entries", SeveralEntries(true)},
      {"push with key", SyncPush{SyncEntry{EntryBytes(120, 5), WrappedKeyBytes(0x55)}}},
      {"push without key", SyncPush{SyncEntry{EntryBytes(120, 6), std::nullopt}}},
      {"sharing, paused", SyncSharing{0x0000019A2B3C4D5Eull}},
      {"sharing, resumed", SyncSharing{0}},
  };
}

void ExpectRoundTrip(const SyncMessage& message) {
  Bytes encoded = EncodeSync(message);
  auto decoded = DecodeSync(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->index(), message.index());
  EXPECT_TRUE(*decoded == message);
  EXPECT_EQ(EncodeSync(*decoded), encoded);
}

ErrorCode DecodeError(ByteView frame) {
  auto decoded = DecodeSync(frame);
  if (decoded.ok()) {
    ADD_FAILURE() << "a frame of " << frame.size() << " bytes decoded";
    return ErrorCode::kInternal;
  }
  EXPECT_FALSE(decoded.error().message.empty());
  return decoded.error().code;
}

// The start of an entries frame: type, author, count.
WireWriter EntriesHeader(std::uint32_t count) {
  WireWriter w;
  w.U8(3);
  w.Raw(FilledHash(0xc3));
  w.U32(count);
  return w;
}

// --- Round trips ---------------------------------------------------------------

TEST(Sync, HelloWithNoHeadsRoundTrips) { ExpectRoundTrip(HelloWithHeads(0)); }

TEST(Sync, HelloWithTheMaximumOfSixteenHeadsRoundTrips) { ExpectRoundTrip(HelloWithHeads(kMaxHeads)); }

TEST(Sync, HelloWithExtremeSeqsRoundTrips) {
  SyncHello m = HelloWithHeads(2);
  m.heads[0].seq = 0;
  m.heads[1].seq = std::numeric_limits<std::uint64_t>::max();
  ExpectRoundTrip(m);
}

TEST(Sync, WantRoundTrips) { ExpectRoundTrip(SampleWant()); }

TEST(Sync, WantWithEdgeValuesRoundTrips) {
  SyncWant m;
  ExpectRoundTrip(m);
  m.author = FilledHash(0xff);
  m.after_seq = std::numeric_limits<std::uint64_t>::max();
  m.max_count = 0xFFFF;
  ExpectRoundTrip(m);
}

TEST(Sync, EntriesWithNoEntriesRoundTrip) {
  ExpectRoundTrip(EntriesOf({}, false));
  ExpectRoundTrip(EntriesOf({}, true));
}

TEST(Sync, EntriesWithOneEntryRoundTrip) {
  for (bool more : {false, true}) {
    ExpectRoundTrip(EntriesOf({SyncEntry{EntryBytes(64, 1), std::nullopt}}, more));
    ExpectRoundTrip(EntriesOf({SyncEntry{EntryBytes(64, 1), WrappedKeyBytes(0x99)}}, more));
  }
}

TEST(Sync, EntriesWithSeveralEntriesWithAndWithoutKeysRoundTrip) {
  ExpectRoundTrip(SeveralEntries(false));
  ExpectRoundTrip(SeveralEntries(true));
}

TEST(Sync, EntriesWithTheMaximumBatchCountRoundTrip) {
  std::vector<SyncEntry> entries(kMaxBatchEntries, SyncEntry{EntryBytes(3, 8), std::nullopt});
  ExpectRoundTrip(EntriesOf(std::move(entries), true));
}

TEST(Sync, EntryOfTheMaximumSizeRoundTrips) {
  ExpectRoundTrip(SyncPush{SyncEntry{EntryBytes(kMaxEntryBytes, 2), WrappedKeyBytes(0x01)}});
}

TEST(Sync, SharingRoundTripsPausedAndResumed) {
  ExpectRoundTrip(SyncSharing{0});
  ExpectRoundTrip(SyncSharing{1'790'000'000'000});
  ExpectRoundTrip(SyncSharing{std::numeric_limits<std::uint64_t>::max()});
}

TEST(Sync, PushRoundTrips) {
  ExpectRoundTrip(SyncPush{SyncEntry{EntryBytes(200, 3), WrappedKeyBytes(0x42)}});
  ExpectRoundTrip(SyncPush{SyncEntry{EntryBytes(200, 3), std::nullopt}});
  ExpectRoundTrip(SyncPush{SyncEntry{Bytes{}, std::nullopt}});
}

TEST(Sync, FrameOfExactlyTheMaximumSizeDecodes) {
  // 17 entries whose lengths fill the frame to exactly kMaxSyncFrameBytes.
  constexpr std::size_t kCount = 17;
  constexpr std::size_t kOverhead = 1 + 32 + 4 + kCount * (4 + 1) + 1;
  static_assert(kMaxSyncFrameBytes - kOverhead <= kCount * kMaxEntryBytes);
  std::size_t left = kMaxSyncFrameBytes - kOverhead;
  std::vector<SyncEntry> entries;
  for (std::size_t i = 0; i < kCount; ++i) {
    std::size_t size = left / (kCount - i);
    entries.push_back(SyncEntry{EntryBytes(size, static_cast<std::uint8_t>(i)), std::nullopt});
    left -= size;
  }
  SyncEntries m = EntriesOf(std::move(entries), false);
  Bytes encoded = EncodeSync(m);
  ASSERT_EQ(encoded.size(), kMaxSyncFrameBytes);
  ExpectRoundTrip(m);

  // One more byte and the size limit, not the trailing byte, is what refuses it.
  encoded.push_back(0);
  EXPECT_EQ(DecodeError(encoded), ErrorCode::kTooLarge);
}

// --- Layout --------------------------------------------------------------------

TEST(Sync, WantFollowsTheDocumentedLayout) {
  WireWriter expected;
  expected.U8(2);
  expected.Raw(FilledHash(0xa7));
  expected.U64(0x0102030405060708ull);
  expected.U8(0xBE);
  expected.U8(0xEF);
  EXPECT_EQ(EncodeSync(SampleWant()), expected.bytes());
}

TEST(Sync, HelloFollowsTheDocumentedLayout) {
  SyncHello m = HelloWithHeads(1);
  WireWriter expected;
  expected.U8(1);
  expected.U8(kSyncVersion);
  expected.Raw(m.ledger_id);
  expected.Raw(m.index_id);
  expected.U8(1);
  expected.Raw(m.heads[0].author);
  expected.U64(m.heads[0].seq);
  expected.Raw(m.heads[0].id);
  EXPECT_EQ(EncodeSync(m), expected.bytes());
}

TEST(Sync, SharingFollowsTheDocumentedLayout) {
  WireWriter expected;
  expected.U8(5);
  expected.U64(0x0102030405060708ull);
  EXPECT_EQ(EncodeSync(SyncSharing{0x0102030405060708ull}), expected.bytes());
  EXPECT_EQ(EncodeSync(SyncSharing{0}).size(), 9u);
}

TEST(Sync, RejectsASharingMessageOfAnyOtherLength) {
  for (std::size_t len : {0, 1, 7, 9, 16}) {
    Bytes frame(1 + len, 0x11);
    frame[0] = 5;
    EXPECT_EQ(DecodeError(frame), ErrorCode::kMalformed) << len;
  }
}

TEST(Sync, EntriesAndPushFollowTheDocumentedLayout) {
  Bytes entry = EntryBytes(5, 1);
  Bytes key = WrappedKeyBytes(0x5c);
  SyncEntries m = EntriesOf({SyncEntry{entry, key}, SyncEntry{entry, std::nullopt}}, true);
  WireWriter expected = EntriesHeader(2);
  expected.U32(5);
  expected.Raw(entry);
  expected.U8(1);
  expected.Raw(key);
  expected.U32(5);
  expected.Raw(entry);
  expected.U8(0);
  expected.U8(1);
  EXPECT_EQ(EncodeSync(m), expected.bytes());

  WireWriter push;
  push.U8(4);
  push.U32(5);
  push.Raw(entry);
  push.U8(0);
  EXPECT_EQ(EncodeSync(SyncPush{SyncEntry{entry, std::nullopt}}), push.bytes());
}

// --- Rejections ----------------------------------------------------------------

TEST(Sync, RejectsAnEmptyFrame) { EXPECT_EQ(DecodeError(ByteView{}), ErrorCode::kMalformed); }

TEST(Sync, RejectsUnknownMessageTypes) {
  Bytes body = EncodeSync(SampleWant());
  for (int type : {0, 6, 7, 0x7f, 0x80, 0xff}) {
    body[0] = static_cast<std::uint8_t>(type);
    EXPECT_EQ(DecodeError(body), ErrorCode::kMalformed) << type;
    EXPECT_EQ(DecodeError(Bytes{static_cast<std::uint8_t>(type)}), ErrorCode::kMalformed) << type;
  }
}

TEST(Sync, RejectsAnUnsupportedHelloVersion) {
  for (int version : {0, 2, 0xff}) {
    SyncHello m = HelloWithHeads(1);
    m.version = static_cast<std::uint8_t>(version);
    EXPECT_EQ(DecodeError(EncodeSync(m)), ErrorCode::kMalformed) << version;
  }
}

TEST(Sync, RejectsSeventeenHeadsAsTooLarge) {
  EXPECT_EQ(DecodeError(EncodeSync(HelloWithHeads(kMaxHeads + 1))), ErrorCode::kTooLarge);
}

TEST(Sync, RejectsATruncationAtEveryPrefixLength) {
  for (const auto& [name, message] : SampleMessages()) {
    Bytes encoded = EncodeSync(message);
    ASSERT_TRUE(DecodeSync(encoded).ok()) << name;
    for (std::size_t len = 0; len < encoded.size(); ++len) {
      auto decoded = DecodeSync(ByteView(encoded).first(len));
      ASSERT_FALSE(decoded.ok()) << name << " cut to " << len;
      EXPECT_EQ(decoded.error().code, ErrorCode::kMalformed) << name << " cut to " << len;
    }
  }
}

TEST(Sync, RejectsTrailingBytes) {
  for (const auto& [name, message] : SampleMessages()) {
    for (std::uint8_t extra : {0x00, 0x01, 0xff}) {
      Bytes encoded = EncodeSync(message);
      encoded.push_back(extra);
      EXPECT_EQ(DecodeError(encoded), ErrorCode::kMalformed) << name << " + " << int{extra};
    }
  }
}

TEST(Sync, RejectsABatchCountOverTheLimitAsTooLarge) {
  for (std::uint32_t count :
       {static_cast<std::uint32_t>(kMaxBatchEntries + 1), std::numeric_limits<std::uint32_t>::max()}) {
    WireWriter w = EntriesHeader(count);
    w.U8(0);
    EXPECT_EQ(DecodeError(w.bytes()), ErrorCode::kTooLarge) << count;
  }
}

TEST(Sync, RejectsAnEntryLengthOverTheLimitAsTooLarge) {
  for (std::uint32_t len :
       {static_cast<std::uint32_t>(kMaxEntryBytes + 1), std::numeric_limits<std::uint32_t>::max()}) {
    WireWriter batch = EntriesHeader(1);
    batch.U32(len);
    EXPECT_EQ(DecodeError(batch.bytes()), ErrorCode::kTooLarge) << len;

    WireWriter push;
    push.U8(4);
    push.U32(len);
    EXPECT_EQ(DecodeError(push.bytes()), ErrorCode::kTooLarge) << len;
  }
}

TEST(Sync, RejectsAnEntryLengthOverTheLimitEvenWithTheBytesPresent) {
  WireWriter push;
  push.U8(4);
  push.U32(static_cast<std::uint32_t>(kMaxEntryBytes + 1));
  push.Raw(EntryBytes(kMaxEntryBytes + 1, 0));
  push.U8(0);
  EXPECT_EQ(DecodeError(push.bytes()), ErrorCode::kTooLarge);
}

TEST(Sync, RejectsAKeyFlagOfTwo) {
  Bytes entry = EntryBytes(10, 1);
  WireWriter push;
  push.U8(4);
  push.U32(10);
  push.Raw(entry);
  push.U8(2);
  push.Raw(WrappedKeyBytes(0x22));
  EXPECT_EQ(DecodeError(push.bytes()), ErrorCode::kMalformed);

  WireWriter batch = EntriesHeader(1);
  batch.U32(10);
  batch.Raw(entry);
  batch.U8(2);
  batch.U8(0);
  EXPECT_EQ(DecodeError(batch.bytes()), ErrorCode::kMalformed);
}

TEST(Sync, RejectsAMoreFlagOfTwo) {
  Bytes encoded = EncodeSync(SeveralEntries(true));
  ASSERT_EQ(encoded.back(), 1);
  encoded.back() = 2;
  EXPECT_EQ(DecodeError(encoded), ErrorCode::kMalformed);
  encoded.back() = 0xff;
  EXPECT_EQ(DecodeError(encoded), ErrorCode::kMalformed);
}

TEST(Sync, RejectsAFrameOverTheMaximumSizeAsTooLarge) {
  Bytes frame(kMaxSyncFrameBytes + 1, 0);
  frame[0] = 3;
  EXPECT_EQ(DecodeError(frame), ErrorCode::kTooLarge);
  frame[0] = 0xff;  // even of an unknown type
  EXPECT_EQ(DecodeError(frame), ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace kintsugi::protocol
