#include "protocol/validation.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "protocol/hlc.h"
#include "test_util.h"

namespace kintsugi::protocol {
namespace {

using fixtures::Draft;
using fixtures::FilledHash;
using fixtures::IdentityFrom;
using fixtures::LedgerKeyFrom;
using fixtures::MustSeal;

constexpr Rejection kAllRejections[] = {
    Rejection::kMalformed,   Rejection::kTooLarge, Rejection::kWrongLedger,
    Rejection::kUnknownAuthor, Rejection::kBadSignature, Rejection::kSeqGap,
    Rejection::kSeqBehind,   Rejection::kPrevMismatch, Rejection::kIdMismatch, Rejection::kClockOutOfRange,
};
static_assert(std::size(kAllRejections) == static_cast<std::size_t>(Rejection::kClockOutOfRange) + 1);

// A ledger with two members; alice has written entries 1 and 2.
class Validation : public ::testing::Test {
 protected:
  Validation() {
    members_ = {alice_.public_key(), bob_.public_key()};
    ledger_.ledger_id = FilledHash(0x1e);  // the ledger id testing::Draft uses
    ledger_.members = members_;
    first_ = MustSeal(Draft(1, EntryId{}), alice_, ledger_key_, 0x01);
    second_ = MustSeal(Draft(2, first_.id, {FilledHash(0x02)}), alice_, ledger_key_, 0x02);
  }

  void ExpectRejected(const Entry& entry, const ChainHead& head, Rejection reason) {
    Verdict v = ValidateNext(entry, ledger_, head);
    ASSERT_FALSE(v.ok()) << "expected " << RejectionName(reason);
    EXPECT_EQ(v.error().reason, reason)
        << "got " << RejectionName(v.error().reason) << ": " << v.error().detail;
    EXPECT_FALSE(v.error().detail.empty());
  }

  // Re-signs `e` with `key` after a change to its header.
  static void Resign(Entry& e, const crypto::SigningKey& key) { e.signature = key.Sign(SigningMessage(e)); }

  crypto::SigningKey alice_ = IdentityFrom(0xa1);
  crypto::SigningKey bob_ = IdentityFrom(0xb0);
  crypto::SigningKey mallory_ = IdentityFrom(0x3a);
  crypto::SymmetricKey ledger_key_ = LedgerKeyFrom(0x1c);
  std::vector<crypto::PublicKey> members_;
  LedgerContext ledger_;
  SealedEntry first_;
  SealedEntry second_;
  ChainHead empty_{};
  ChainHead after_first() const { return ChainHead{1, first_.id}; }
};

TEST_F(Validation, AcceptsFirstEntryOnEmptyChain) {
  Verdict v = ValidateNext(first_.entry, ledger_, empty_);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().detail);
}

TEST_F(Validation, AcceptsSecondEntryAfterTheFirst) {
  Verdict v = ValidateNext(second_.entry, ledger_, after_first());
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().detail);
}

TEST_F(Validation, AcceptsEntryFromTheSecondMember) {
  SealedEntry from_bob = MustSeal(Draft(1, EntryId{}), bob_, ledger_key_);
  EXPECT_TRUE(ValidateNext(from_bob.entry, ledger_, empty_).ok());
}

TEST_F(Validation, RejectsEntryOfAnotherLedger) {
  EntryDraft draft = Draft(1, EntryId{});
  draft.ledger_id = FilledHash(0xee);
  SealedEntry other = MustSeal(draft, alice_, ledger_key_);
  ExpectRejected(other.entry, empty_, Rejection::kWrongLedger);
}

TEST_F(Validation, RejectsEntryByANonMember) {
  SealedEntry forged = MustSeal(Draft(1, EntryId{}), mallory_, ledger_key_);
  ExpectRejected(forged.entry, empty_, Rejection::kUnknownAuthor);
}

TEST_F(Validation, RejectsEveryEntryWhenTheLedgerHasNoMembers) {
  LedgerContext no_members{ledger_.ledger_id, {}};
  Verdict v = ValidateNext(first_.entry, no_members, empty_);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().reason, Rejection::kUnknownAuthor);
}

TEST_F(Validation, RejectsAFlippedSignatureBit) {
  Entry e = first_.entry;
  e.signature[17] ^= 0x04;
  ExpectRejected(e, empty_, Rejection::kBadSignature);
}

TEST_F(Validation, RejectsAFlippedHeaderByte) {
  Entry e = first_.entry;
  e.hlc ^= 0x100;
  ExpectRejected(e, empty_, Rejection::kBadSignature);
}

TEST_F(Validation, RejectsAFlippedSealedBodyByte) {
  Entry e = first_.entry;
  e.sealed_body[3] ^= 0x01;
  ExpectRejected(e, empty_, Rejection::kBadSignature);
}

TEST_F(Validation, RejectsEntryClaimedByAnotherMember) {
  // Alice's signature presented as Bob's entry.
  Entry e = first_.entry;
  e.author = bob_.public_key();
  ExpectRejected(e, empty_, Rejection::kBadSignature);
}

TEST_F(Validation, ReportsAForgeryBeforeAChainProblem) {
  Entry e = second_.entry;
  e.signature[0] ^= 1;
  // Against an empty chain this would also be a seq gap.
  ExpectRejected(e, empty_, Rejection::kBadSignature);
}

TEST_F(Validation, RejectsASeqGap) {
  // Entry 2 on an empty chain: entry 1 is missing.
  ExpectRejected(second_.entry, empty_, Rejection::kSeqGap);
  SealedEntry fifth = MustSeal(Draft(5, first_.id), alice_, ledger_key_);
  ExpectRejected(fifth.entry, after_first(), Rejection::kSeqGap);
}

TEST_F(Validation, AlreadyVerifiedSkipsOnlyTheSignatureCheck) {
  SealedEntry forged = first_;
  forged.entry.signature[0] ^= 0x01;
  ExpectRejected(forged.entry, empty_, Rejection::kBadSignature);
  // The caller vouches for the signature: every other rule still applies.
  EXPECT_TRUE(ValidateNext(first_.entry, ledger_, empty_, SignatureCheck::kAlreadyVerified).ok());
  auto gap = ValidateNext(second_.entry, ledger_, empty_, SignatureCheck::kAlreadyVerified);
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.error().reason, Rejection::kSeqGap);
}

TEST_F(Validation, SeqBehindHoldsAtTheTopOfTheSeqRange) {
  ChainHead at_top{UINT64_MAX, first_.id};
  ExpectRejected(second_.entry, at_top, Rejection::kSeqBehind);
}

TEST_F(Validation, RejectsADuplicateAsSeqBehind) {
  ExpectRejected(first_.entry, after_first(), Rejection::kSeqBehind);
}

TEST_F(Validation, RejectsAForkAsSeqBehind) {
  ChainHead after_second{2, second_.id};
  SealedEntry fork = MustSeal(Draft(2, first_.id, {}, R"({"kind":"checkin","note":"fork"})"),
                              alice_, ledger_key_, 0x09);
  ExpectRejected(fork.entry, after_second, Rejection::kSeqBehind);
  ExpectRejected(first_.entry, after_second, Rejection::kSeqBehind);
}

TEST_F(Validation, RejectsAPrevThatIsNotTheHead) {
  SealedEntry wrong_prev = MustSeal(Draft(2, FilledHash(0x99)), alice_, ledger_key_);
  ExpectRejected(wrong_prev.entry, after_first(), Rejection::kPrevMismatch);
}

TEST_F(Validation, RejectsSeqTwoWithZeroPrev) {
  Entry e = second_.entry;
  e.prev = EntryId{};
  Resign(e, alice_);
  ExpectRejected(e, after_first(), Rejection::kPrevMismatch);
}

// A validly signed entry from a member whose clock is absurd (at or past 2^63,
// which turned negative as a causal stamp) is refused with a reason.
TEST_F(Validation, RejectsAClockOutsideTheRangeEvenWhenSigned) {
  for (std::uint64_t hlc : {std::uint64_t{0}, MakeHlc(0, 7), MakeHlc(kMaxEntryMillis, 0), std::uint64_t{1} << 63,
                            ~std::uint64_t{0}}) {
    Entry e = first_.entry;
    e.hlc = hlc;
    Resign(e, alice_);
    ASSERT_TRUE(SignatureValid(e));
    ExpectRejected(e, empty_, Rejection::kClockOutOfRange);
  }
  Entry edge = first_.entry;
  edge.hlc = MakeHlc(kMaxEntryMillis - 1, 0xffff);
  Resign(edge, alice_);
  EXPECT_TRUE(ValidateNext(edge, ledger_, empty_).ok()) << "the last millisecond in range is accepted";
}

TEST_F(Validation, SignatureValidIsTrueForSealedEntriesAndFalseWhenTampered) {
  EXPECT_TRUE(SignatureValid(first_.entry));
  EXPECT_TRUE(SignatureValid(second_.entry));
  Entry e = second_.entry;
  e.parents[0][0] ^= 1;
  EXPECT_FALSE(SignatureValid(e));
}

TEST_F(Validation, DecodeAndValidateAcceptsAValidEncoding) {
  auto r = DecodeAndValidate(second_.encoded, ledger_, after_first());
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(*r, second_.entry);
}

TEST_F(Validation, DecodeAndValidateMapsDecodeErrorsToMalformed) {
  Bytes truncated(first_.encoded.begin(), first_.encoded.end() - 1);
  auto r = DecodeAndValidate(truncated, ledger_, empty_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, Rejection::kMalformed);
  EXPECT_FALSE(r.error().detail.empty());

  Bytes trailing = first_.encoded;
  trailing.push_back(0);
  auto t = DecodeAndValidate(trailing, ledger_, empty_);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().reason, Rejection::kMalformed);
}

TEST_F(Validation, DecodeAndValidateMapsOversizeToTooLarge) {
  auto r = DecodeAndValidate(Bytes(kMaxEntryBytes + 1, 0), ledger_, empty_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, Rejection::kTooLarge);

  // A parent count over 16, patched into a valid encoding (Encode asserts
  // its limits, so over-limit bytes are made by hand, as an attacker would).
  Bytes many = Encode(first_.entry);
  constexpr std::size_t kParentCountAt = 1 + 32 + 32 + 8 + 32 + 8;
  ASSERT_EQ(many[kParentCountAt], 0);
  many[kParentCountAt] = 17;
  many.insert(many.begin() + kParentCountAt + 1, 17 * 32, 0x01);
  auto p = DecodeAndValidate(many, ledger_, empty_);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().reason, Rejection::kTooLarge);
}

TEST_F(Validation, DecodeAndValidatePassesOnValidationFaults) {
  auto r = DecodeAndValidate(second_.encoded, ledger_, empty_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, Rejection::kSeqGap);
  Bytes tampered = first_.encoded;
  tampered.back() ^= 1;  // last signature byte
  auto t = DecodeAndValidate(tampered, ledger_, empty_);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().reason, Rejection::kBadSignature);
}

TEST(Rejection, NamesAreDistinctAndNonEmpty) {
  std::set<std::string_view> names;
  for (Rejection r : kAllRejections) {
    EXPECT_FALSE(RejectionName(r).empty());
    names.insert(RejectionName(r));
  }
  EXPECT_EQ(names.size(), std::size(kAllRejections));
}

TEST(Rejection, NamesAreTheStableWireNames) {
  EXPECT_EQ(RejectionName(Rejection::kBadSignature), "bad_signature");
  EXPECT_EQ(RejectionName(Rejection::kSeqGap), "seq_gap");
  EXPECT_EQ(RejectionName(Rejection::kPrevMismatch), "prev_mismatch");
}

}  // namespace
}  // namespace kintsugi::protocol
