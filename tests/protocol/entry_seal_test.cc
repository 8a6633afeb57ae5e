#include "protocol/entry_seal.h"

#include <gtest/gtest.h>

#include <string>

#include "protocol/validation.h"
#include "test_util.h"

namespace kintsugi::protocol {
namespace {

using fixtures::Draft;
using fixtures::FilledHash;
using fixtures::IdentityFrom;
using fixtures::LedgerKeyFrom;
using fixtures::MustSeal;

class EntrySeal : public ::testing::Test {
 protected:
  crypto::SigningKey author_ = IdentityFrom(0xa1);
  crypto::SymmetricKey ledger_key_ = LedgerKeyFrom(0x1c);
};

TEST_F(EntrySeal, SealThenOpenReturnsTheBody) {
  EntryDraft draft = Draft(1, EntryId{});
  SealedEntry s = MustSeal(draft, author_, ledger_key_);
  auto body = OpenBody(s.entry, s.id, s.key, ledger_key_);
  ASSERT_TRUE(body.ok()) << body.error().message;
  EXPECT_EQ(*body, draft.body);
}

TEST_F(EntrySeal, SealFillsTheHeaderFromTheDraft) {
  EntryDraft draft = Draft(3, FilledHash(0x33), {FilledHash(0x05)});
  SealedEntry s = MustSeal(draft, author_, ledger_key_);
  EXPECT_EQ(s.entry.version, kEntryVersion);
  EXPECT_EQ(s.entry.ledger_id, draft.ledger_id);
  EXPECT_EQ(s.entry.author, author_.public_key());
  EXPECT_EQ(s.entry.seq, 3u);
  EXPECT_EQ(s.entry.prev, draft.prev);
  EXPECT_EQ(s.entry.hlc, draft.hlc);
  EXPECT_EQ(s.entry.parents, draft.parents);
}

TEST_F(EntrySeal, SealedEntryIsConsistentEncodedSignedAndDecodable) {
  SealedEntry s = MustSeal(Draft(1, EntryId{}, {FilledHash(1), FilledHash(2)}), author_, ledger_key_);
  EXPECT_EQ(s.encoded, Encode(s.entry));
  EXPECT_EQ(s.id, ComputeId(s.entry));
  EXPECT_TRUE(SignatureValid(s.entry));
  auto decoded = Decode(s.encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, s.entry);
}

TEST_F(EntrySeal, SealSortsAndDeduplicatesParents) {
  EntryDraft draft = Draft(1, EntryId{}, {FilledHash(9), FilledHash(3), FilledHash(9), FilledHash(5)});
  SealedEntry s = MustSeal(draft, author_, ledger_key_);
  std::vector<EntryId> expected = {FilledHash(3), FilledHash(5), FilledHash(9)};
  EXPECT_EQ(s.entry.parents, expected);
  EXPECT_TRUE(Decode(s.encoded).ok());
}

TEST_F(EntrySeal, SealRejectsMoreThan16Parents) {
  std::vector<EntryId> parents;
  for (int i = 0; i < 17; ++i) parents.push_back(FilledHash(static_cast<std::uint8_t>(i + 1)));
  crypto::DeterministicRandom rng(FilledHash(1));
  auto sealed = SealEntry(Draft(1, EntryId{}, parents), author_, ledger_key_, rng);
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(EntrySeal, SealCountsParentsAfterRemovingDuplicates) {
  std::vector<EntryId> parents;
  for (int i = 0; i < 17; ++i) parents.push_back(FilledHash(static_cast<std::uint8_t>(i % 16 + 1)));
  SealedEntry s = MustSeal(Draft(1, EntryId{}, parents), author_, ledger_key_);
  EXPECT_EQ(s.entry.parents.size(), 16u);
}

TEST_F(EntrySeal, SealRefusesWhatDecodeWouldReject) {
  crypto::DeterministicRandom rng(FilledHash(1));
  auto seq_zero = SealEntry(Draft(0, EntryId{}, {}), author_, ledger_key_, rng);
  ASSERT_FALSE(seq_zero.ok());
  EXPECT_EQ(seq_zero.error().code, ErrorCode::kInvalidArgument);
  auto first_with_prev = SealEntry(Draft(1, FilledHash(4), {}), author_, ledger_key_, rng);
  ASSERT_FALSE(first_with_prev.ok());
  EXPECT_EQ(first_with_prev.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(EntrySeal, SealIsReproducibleFromTheSameRandomSeed) {
  EntryDraft draft = Draft(1, EntryId{});
  SealedEntry a = MustSeal(draft, author_, ledger_key_, 0x07);
  SealedEntry b = MustSeal(draft, author_, ledger_key_, 0x07);
  EXPECT_EQ(a.encoded, b.encoded);
  EXPECT_EQ(a.key.Encode(), b.key.Encode());
  SealedEntry c = MustSeal(draft, author_, ledger_key_, 0x08);
  EXPECT_NE(a.encoded, c.encoded);
  EXPECT_NE(a.entry.nonce, c.entry.nonce);
}

TEST_F(EntrySeal, ASealIntoAReusedSlotIsTheSameSealAndLeavesTheSlotWiped) {
  // The engine seals every append with one guarded slot for the entry's key:
  // the same random bytes give the same entry as a seal with its own key,
  // the next seal through the slot opens, and no key stays in the slot.
  EntryDraft draft = Draft(1, EntryId{});
  crypto::KeySlot slot;
  crypto::DeterministicRandom rng_a(FilledHash(0x07));
  auto a = SealEntry(draft, author_, ledger_key_, rng_a, slot);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->encoded, MustSeal(draft, author_, ledger_key_, 0x07).encoded);
  const auto left = slot.key().bytes();
  EXPECT_EQ(std::vector<std::uint8_t>(left.begin(), left.end()),
            std::vector<std::uint8_t>(crypto::kSymmetricKeyBytes, 0));

  auto b = SealEntry(draft, author_, ledger_key_, rng_a, slot);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(OpenBody(b->entry, b->id, b->key, ledger_key_).value(), draft.body);
}

TEST_F(EntrySeal, SealedBodyLengthIsAMultipleOf64PlusTheTag) {
  for (std::size_t n : {0u, 1u, 62u, 63u, 64u, 65u, 127u, 128u, 1000u, 4000u}) {
    SealedEntry s = MustSeal(Draft(1, EntryId{}, {}, std::string(n, 'x')), author_, ledger_key_);
    std::size_t len = s.entry.sealed_body.size();
    ASSERT_GE(len, 64u + crypto::kAeadTagBytes) << n;
    EXPECT_EQ((len - crypto::kAeadTagBytes) % kBodyPadBlock, 0u) << n;
    // At least one byte of padding (the 0x80 marker), at most one block.
    EXPECT_GT(len - crypto::kAeadTagBytes, n) << n;
    EXPECT_LE(len - crypto::kAeadTagBytes, n + kBodyPadBlock) << n;
  }
}

TEST_F(EntrySeal, BodiesOfSimilarLengthSealToTheSameLength) {
  SealedEntry a = MustSeal(Draft(1, EntryId{}, {}, std::string(10, 'a')), author_, ledger_key_);
  SealedEntry b = MustSeal(Draft(1, EntryId{}, {}, std::string(50, 'b')), author_, ledger_key_);
  EXPECT_EQ(a.entry.sealed_body.size(), b.entry.sealed_body.size());
}

TEST_F(EntrySeal, OpenReturnsBodiesOfEveryLengthAroundTheBlockSize) {
  for (std::size_t n : {0u, 1u, 63u, 64u, 65u, 128u}) {
    std::string body(n, 'q');
    SealedEntry s = MustSeal(Draft(1, EntryId{}, {}, body), author_, ledger_key_);
    auto opened = OpenBody(s.entry, s.id, s.key, ledger_key_);
    ASSERT_TRUE(opened.ok()) << n << ": " << opened.error().message;
    EXPECT_EQ(*opened, body);
  }
}

TEST_F(EntrySeal, OpenKeepsBodiesThatEndInPaddingLikeBytes) {
  for (std::string body : {std::string("abc\x80", 4), std::string("abc\0", 4),
                           std::string("\x80\0\0", 3), std::string(63, '\0')}) {
    SealedEntry s = MustSeal(Draft(1, EntryId{}, {}, body), author_, ledger_key_);
    auto opened = OpenBody(s.entry, s.id, s.key, ledger_key_);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(*opened, body);
  }
}

TEST_F(EntrySeal, BodyOfTheLargestSizeSeals) {
  // 65535 bytes pad to exactly 64 KiB.
  std::string body(kMaxBodyBytes - 1, 'z');
  SealedEntry s = MustSeal(Draft(1, EntryId{}, {}, body), author_, ledger_key_);
  EXPECT_EQ(s.entry.sealed_body.size(), kMaxSealedBodyBytes);
  EXPECT_TRUE(Decode(s.encoded).ok());
  auto opened = OpenBody(s.entry, s.id, s.key, ledger_key_);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, body);
}

TEST_F(EntrySeal, BodyTooLargeIsRejected) {
  crypto::DeterministicRandom rng(FilledHash(1));
  auto sealed = SealEntry(Draft(1, EntryId{}, {}, std::string(kMaxBodyBytes, 'z')), author_,
                          ledger_key_, rng);
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.error().code, ErrorCode::kTooLarge);
}

TEST_F(EntrySeal, OpenFailsWithTheWrongLedgerKey) {
  SealedEntry s = MustSeal(Draft(1, EntryId{}), author_, ledger_key_);
  auto opened = OpenBody(s.entry, s.id, s.key, LedgerKeyFrom(0x1d));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed);
}

TEST_F(EntrySeal, OpenFailsWithTheWrappedKeyOfAnotherEntry) {
  SealedEntry a = MustSeal(Draft(1, EntryId{}), author_, ledger_key_, 0x01);
  SealedEntry b = MustSeal(Draft(1, EntryId{}), author_, ledger_key_, 0x02);
  ASSERT_NE(a.id, b.id);
  auto opened = OpenBody(a.entry, a.id, b.key, ledger_key_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed);
}

TEST_F(EntrySeal, WrappedKeyIsBoundToTheEntryId) {
  // Even the right entry does not open when the wrap is presented under another id.
  SealedEntry s = MustSeal(Draft(1, EntryId{}), author_, ledger_key_);
  EntryId other = s.id;
  other[0] ^= 1;
  auto opened = OpenBody(s.entry, other, s.key, ledger_key_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed);
}

TEST_F(EntrySeal, OpenFailsWithATamperedWrappedKey) {
  SealedEntry s = MustSeal(Draft(1, EntryId{}), author_, ledger_key_);
  WrappedKey bad_nonce = s.key;
  bad_nonce.nonce[0] ^= 1;
  EXPECT_FALSE(OpenBody(s.entry, s.id, bad_nonce, ledger_key_).ok());
  WrappedKey bad_sealed = s.key;
  bad_sealed.sealed[10] ^= 1;
  EXPECT_FALSE(OpenBody(s.entry, s.id, bad_sealed, ledger_key_).ok());
}

TEST_F(EntrySeal, OpenFailsWithATamperedSealedBody) {
  SealedEntry s = MustSeal(Draft(1, EntryId{}), author_, ledger_key_);
  for (std::size_t i : {std::size_t{0}, s.entry.sealed_body.size() / 2, s.entry.sealed_body.size() - 1}) {
    Entry tampered = s.entry;
    tampered.sealed_body[i] ^= 0x01;
    auto opened = OpenBody(tampered, s.id, s.key, ledger_key_);
    ASSERT_FALSE(opened.ok()) << i;
    EXPECT_EQ(opened.error().code, ErrorCode::kVerificationFailed);
  }
}

TEST_F(EntrySeal, OpenFailsWithATamperedHeaderField) {
  SealedEntry s = MustSeal(Draft(2, FilledHash(0x55), {FilledHash(0x01)}), author_, ledger_key_);
  auto fails = [&](auto mutate) {
    Entry tampered = s.entry;
    mutate(tampered);
    // The id passed is the original, so the wrapped key still opens and only
    // the header (the body's associated data) differs.
    auto opened = OpenBody(tampered, s.id, s.key, ledger_key_);
    return !opened.ok() && opened.error().code == ErrorCode::kVerificationFailed;
  };
  EXPECT_TRUE(fails([](Entry& e) { e.ledger_id[0] ^= 1; }));
  EXPECT_TRUE(fails([](Entry& e) { e.author[0] ^= 1; }));
  EXPECT_TRUE(fails([](Entry& e) { e.seq += 1; }));
  EXPECT_TRUE(fails([](Entry& e) { e.prev[0] ^= 1; }));
  EXPECT_TRUE(fails([](Entry& e) { e.hlc ^= 1; }));
  EXPECT_TRUE(fails([](Entry& e) { e.parents[0][0] ^= 1; }));
  EXPECT_TRUE(fails([](Entry& e) { e.parents.clear(); }));
  EXPECT_TRUE(fails([](Entry& e) { e.nonce[0] ^= 1; }));
  EXPECT_TRUE(fails([](Entry& e) { e.version = 2; }));
}

TEST_F(EntrySeal, OpenDoesNotDependOnTheSignature) {
  // The signature is outside the body's associated data: a withdrawn or
  // re-verified entry opens the same way as long as the id matches.
  SealedEntry s = MustSeal(Draft(1, EntryId{}), author_, ledger_key_);
  Entry resigned = s.entry;
  resigned.signature[0] ^= 1;
  EXPECT_TRUE(OpenBody(resigned, s.id, s.key, ledger_key_).ok());
}

TEST_F(EntrySeal, WrappedKeyEncodingRoundTrips) {
  SealedEntry s = MustSeal(Draft(1, EntryId{}), author_, ledger_key_);
  Bytes encoded = s.key.Encode();
  ASSERT_EQ(encoded.size(), WrappedKey::kEncodedBytes);
  EXPECT_EQ(WrappedKey::kEncodedBytes, 24u + 32u + 16u);
  auto decoded = WrappedKey::Decode(encoded);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->nonce, s.key.nonce);
  EXPECT_EQ(decoded->sealed, s.key.sealed);
  EXPECT_TRUE(OpenBody(s.entry, s.id, *decoded, ledger_key_).ok());
}

TEST_F(EntrySeal, WrappedKeyDecodeRejectsWrongLength) {
  for (std::size_t n : {std::size_t{0}, WrappedKey::kEncodedBytes - 1, WrappedKey::kEncodedBytes + 1}) {
    auto decoded = WrappedKey::Decode(Bytes(n, 0));
    ASSERT_FALSE(decoded.ok()) << n;
    EXPECT_EQ(decoded.error().code, ErrorCode::kMalformed);
  }
}

TEST_F(EntrySeal, EachEntryGetsItsOwnKeyAndNonce) {
  crypto::DeterministicRandom rng(FilledHash(0x10));
  auto a = SealEntry(Draft(1, EntryId{}), author_, ledger_key_, rng);
  auto b = SealEntry(Draft(1, EntryId{}), author_, ledger_key_, rng);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(a->entry.nonce, b->entry.nonce);
  EXPECT_NE(a->key.nonce, b->key.nonce);
  EXPECT_NE(a->entry.sealed_body, b->entry.sealed_body);
}

}  // namespace
}  // namespace kintsugi::protocol
