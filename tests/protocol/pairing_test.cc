#include "protocol/pairing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "test_util.h"

namespace kintsugi::protocol {
namespace {

using fixtures::FilledHash;
using fixtures::IdentityFrom;

constexpr std::uint64_t kNow = 1'700'000'000'000;
constexpr std::uint64_t kExpires = kNow + kDefaultInviteSeconds * 1000;
constexpr std::uint16_t kPort = 0xB7C1;

constexpr std::uint8_t kHelloType = static_cast<std::uint8_t>(PairMessage::kHello);
constexpr std::uint8_t kReplyType = static_cast<std::uint8_t>(PairMessage::kReply);
constexpr std::uint8_t kFinishType = static_cast<std::uint8_t>(PairMessage::kFinish);
constexpr std::uint8_t kWelcomeType = static_cast<std::uint8_t>(PairMessage::kWelcome);
constexpr std::uint8_t kRefusedType = static_cast<std::uint8_t>(PairMessage::kRefused);

// Sizes as the header describes the messages.
constexpr std::size_t kHelloBytes = 1 + 1 + 2 + crypto::kPakeSidBytes + crypto::kPakeShareBytes;
constexpr std::size_t kReplyBytes = 1 + crypto::kPakeShareBytes + 32;

InviteCode TheCode() { return InviteCode{417, {10, 20, 30}}; }
InviteCode SameNameplateOtherWords() { return InviteCode{417, {10, 20, 31}}; }
InviteCode OtherNameplateSameWords() { return InviteCode{418, {10, 20, 30}}; }

// The honest joiner, as the transport reports it.
const PairingPeer kJoiner{"192.168.1.20", "connection 1"};

Bytes Refusal(RefusalReason reason) { return Bytes{kRefusedType, static_cast<std::uint8_t>(reason)}; }

Bytes KeyBytes(const crypto::SymmetricKey& key) { return Bytes(key.bytes().begin(), key.bytes().end()); }

class PairingTest : public ::testing::Test {
 protected:
  PairingJoiner NewJoiner(const InviteCode& code) { return PairingJoiner(code, joiner_id_, joiner_rng_); }

  Bytes InviterHandle(ByteView message, std::uint64_t now_ms = kNow, const PairingPeer& from = kJoiner) {
    return inviter_.Handle(from, message, now_ms, inviter_rng_);
  }

  // Runs hello -> reply -> finish and returns the finish (the joiner then
  // waits for the welcome).
  Bytes FinishOf(PairingJoiner& joiner, const PairingPeer& from = kJoiner) {
    Bytes reply = InviterHandle(joiner.hello(), kNow, from);
    EXPECT_EQ(reply.size(), kReplyBytes);
    auto finish = joiner.Handle(reply, joiner_rng_);
    EXPECT_TRUE(finish.ok()) << finish.error().message;
    return finish.ok() ? *finish : Bytes{};
  }

  // A joiner with the wrong words makes one failed attempt, each from an
  // address of its own (one address gets only kMaxAttemptsPerSource).
  void FailOneAttempt() {
    PairingJoiner wrong = NewJoiner(SameNameplateOtherWords());
    ++strangers_;
    const PairingPeer stranger{"10.0.0." + std::to_string(strangers_), "stranger " + std::to_string(strangers_)};
    Bytes reply = InviterHandle(wrong.hello(), kNow, stranger);
    ASSERT_EQ(reply.size(), kReplyBytes);
    auto result = wrong.Handle(reply, joiner_rng_);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kVerificationFailed);
  }

  crypto::PublicKey inviter_id_ = IdentityFrom(0xa1).public_key();
  crypto::PublicKey joiner_id_ = IdentityFrom(0xb2).public_key();
  int strangers_ = 0;
  crypto::DeterministicRandom inviter_rng_{FilledHash(0x11)};
  crypto::DeterministicRandom joiner_rng_{FilledHash(0x22)};
  PairingInviter inviter_{TheCode(), kExpires, inviter_id_, kPort, inviter_rng_};
};

// --- The exchange ----------------------------------------------------------------

TEST_F(PairingTest, FullExchangeGivesBothSidesTheSameLedger) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes finish = FinishOf(joiner);
  ASSERT_FALSE(finish.empty());
  EXPECT_EQ(finish[0], kFinishType);
  Bytes welcome = InviterHandle(finish);
  ASSERT_FALSE(welcome.empty());
  ASSERT_EQ(welcome[0], kWelcomeType);
  auto done = joiner.Handle(welcome, joiner_rng_);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(done->empty());

  auto a = inviter_.TakeOutcome();
  auto b = joiner.TakeOutcome();
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->ledger_id, b->ledger_id);
  EXPECT_FALSE(IsZero(a->ledger_id));
  EXPECT_EQ(KeyBytes(a->ledger_key), KeyBytes(b->ledger_key));
  EXPECT_EQ(KeyBytes(a->beacon_key), KeyBytes(b->beacon_key));
  EXPECT_NE(KeyBytes(a->ledger_key), KeyBytes(a->beacon_key));
}

TEST_F(PairingTest, EachSideLearnsTheOthersIdentityAndTheJoinerLearnsThePort) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes welcome = InviterHandle(FinishOf(joiner));
  ASSERT_TRUE(joiner.Handle(welcome, joiner_rng_).ok());
  auto a = inviter_.TakeOutcome();
  auto b = joiner.TakeOutcome();
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(a->partner, joiner_id_);
  EXPECT_EQ(b->partner, inviter_id_);
  EXPECT_EQ(b->partner_port, kPort);
  EXPECT_EQ(a->partner_port, 0);
}

TEST_F(PairingTest, FullExchangeWorksWithSystemRandomness) {
  crypto::SystemRandom rng;
  PairingJoiner joiner(TheCode(), joiner_id_, rng);
  Bytes reply = inviter_.Handle(kJoiner, joiner.hello(), kNow, rng);
  auto finish = joiner.Handle(reply, rng);
  ASSERT_TRUE(finish.ok()) << finish.error().message;
  Bytes welcome = inviter_.Handle(kJoiner, *finish, kNow, rng);
  ASSERT_TRUE(joiner.Handle(welcome, rng).ok());
  auto a = inviter_.TakeOutcome();
  auto b = joiner.TakeOutcome();
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->ledger_id, b->ledger_id);
  EXPECT_EQ(KeyBytes(a->ledger_key), KeyBytes(b->ledger_key));
}

TEST_F(PairingTest, TwoPairingsWithTheSameCodeGiveDifferentLedgers) {
  std::vector<LedgerId> ids;
  for (std::uint8_t seed : {0x31, 0x32}) {
    crypto::DeterministicRandom rng(FilledHash(seed));
    PairingInviter inviter(TheCode(), kExpires, inviter_id_, kPort, rng);
    PairingJoiner joiner(TheCode(), joiner_id_, rng);
    auto finish = joiner.Handle(inviter.Handle(kJoiner, joiner.hello(), kNow, rng), rng);
    ASSERT_TRUE(finish.ok());
    ASSERT_TRUE(joiner.Handle(inviter.Handle(kJoiner, *finish, kNow, rng), rng).ok());
    auto outcome = joiner.TakeOutcome();
    ASSERT_TRUE(outcome.has_value());
    ids.push_back(outcome->ledger_id);
  }
  EXPECT_NE(ids[0], ids[1]);
}

TEST_F(PairingTest, MessagesHaveTheDocumentedShapes) {
  PairingJoiner joiner = NewJoiner(TheCode());
  const Bytes& hello = joiner.hello();
  ASSERT_EQ(hello.size(), kHelloBytes);
  EXPECT_EQ(hello[0], kHelloType);
  EXPECT_EQ(hello[1], 1);           // version
  EXPECT_EQ(hello[2], 417 >> 8);    // nameplate, big-endian
  EXPECT_EQ(hello[3], 417 & 0xff);
  Bytes reply = InviterHandle(hello);
  ASSERT_EQ(reply.size(), kReplyBytes);
  EXPECT_EQ(reply[0], kReplyType);
  auto finish = joiner.Handle(reply, joiner_rng_);
  ASSERT_TRUE(finish.ok());
  // type, confirm_B, nonce || sealed 32-byte identity || tag
  EXPECT_EQ(finish->size(), 1 + 32 + 24 + 32 + 16u);
  Bytes welcome = InviterHandle(*finish);
  // type, nonce || sealed identity and port || tag
  EXPECT_EQ(welcome.size(), 1 + 24 + 34 + 16u);
}

TEST_F(PairingTest, SuccessfulPairingUsesUpTheInvite) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes finish = FinishOf(joiner);
  Bytes welcome = InviterHandle(finish);
  ASSERT_EQ(welcome.at(0), kWelcomeType);
  EXPECT_FALSE(inviter_.open(kNow));
  EXPECT_FALSE(inviter_.burned());
  EXPECT_EQ(inviter_.attempts(), 1);

  PairingJoiner again = NewJoiner(TheCode());
  EXPECT_EQ(InviterHandle(again.hello()), Refusal(RefusalReason::kNoInvite));
  EXPECT_EQ(inviter_.attempts(), 1);
  // Nor is the same finish accepted twice.
  EXPECT_EQ(InviterHandle(finish), Refusal(RefusalReason::kNoInvite));
  EXPECT_TRUE(inviter_.outcome().has_value());
}

// --- Wrong codes and the attempt limit --------------------------------------------

TEST_F(PairingTest, WrongWordsFailAtTheReplyAndCountOneAttempt) {
  PairingJoiner joiner = NewJoiner(SameNameplateOtherWords());
  Bytes reply = InviterHandle(joiner.hello());
  ASSERT_EQ(reply.size(), kReplyBytes);
  EXPECT_EQ(reply[0], kReplyType);
  auto result = joiner.Handle(reply, joiner_rng_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kVerificationFailed);
  EXPECT_EQ(inviter_.attempts(), 1);
  EXPECT_TRUE(inviter_.open(kNow));
  EXPECT_FALSE(joiner.TakeOutcome().has_value());
  EXPECT_FALSE(inviter_.outcome().has_value());
}

TEST_F(PairingTest, RightCodeStillWorksAfterAWrongAttempt) {
  FailOneAttempt();
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes welcome = InviterHandle(FinishOf(joiner));
  ASSERT_EQ(welcome.at(0), kWelcomeType);
  EXPECT_TRUE(joiner.Handle(welcome, joiner_rng_).ok());
  EXPECT_EQ(inviter_.attempts(), 2);
  EXPECT_TRUE(inviter_.outcome().has_value());
}

TEST_F(PairingTest, InviterIsBurnedAfterTheMaximumNumberOfFailedAttempts) {
  for (int i = 0; i < kMaxPairingAttempts; ++i) {
    EXPECT_FALSE(inviter_.burned()) << i;
    FailOneAttempt();
  }
  EXPECT_EQ(inviter_.attempts(), kMaxPairingAttempts);
  EXPECT_TRUE(inviter_.burned());
  EXPECT_FALSE(inviter_.open(kNow));

  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes reply = InviterHandle(joiner.hello());
  EXPECT_EQ(reply, Refusal(RefusalReason::kBurned));
  EXPECT_EQ(inviter_.attempts(), kMaxPairingAttempts);
  auto result = joiner.Handle(reply, joiner_rng_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(result.error().message.find("used up"), std::string::npos) << result.error().message;
}

// Regression: the last allowed attempt, with the right code, must succeed.
// (Its finish was once refused as "used up" because the hello that reached
// kMaxPairingAttempts already counted as burning the code.)
TEST_F(PairingTest, LastAllowedAttemptWithTheRightCodeSucceeds) {
  for (int i = 0; i < kMaxPairingAttempts - 1; ++i) FailOneAttempt();
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes welcome = InviterHandle(FinishOf(joiner));
  ASSERT_FALSE(welcome.empty());
  EXPECT_EQ(welcome[0], kWelcomeType);
  EXPECT_TRUE(joiner.Handle(welcome, joiner_rng_).ok());
}


TEST_F(PairingTest, FinishWithAFlippedMacByteIsRefusedAsWrongCode) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes finish = FinishOf(joiner);
  ASSERT_GT(finish.size(), 33u);
  for (std::size_t i : {std::size_t{1}, std::size_t{16}, std::size_t{32}}) {
    // Each try needs a fresh attempt (a wrong finish ends the one in
    // progress), from an address of its own (one address gets three).
    PairingJoiner fresh = NewJoiner(TheCode());
    const PairingPeer from{"10.0.1." + std::to_string(i), "tamperer " + std::to_string(i)};
    Bytes tampered = FinishOf(fresh, from);
    tampered[i] ^= 0x01;
    Bytes refusal = InviterHandle(tampered, kNow, from);
    EXPECT_EQ(refusal, Refusal(RefusalReason::kWrongCode)) << i;
    auto result = fresh.Handle(refusal, joiner_rng_);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(result.error().message, RefusalText(RefusalReason::kWrongCode));
  }
  EXPECT_FALSE(inviter_.outcome().has_value());
}

TEST_F(PairingTest, WrongFinishEndsTheAttemptInProgress) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes finish = FinishOf(joiner);
  Bytes tampered = finish;
  tampered[5] ^= 0x80;
  EXPECT_EQ(InviterHandle(tampered), Refusal(RefusalReason::kWrongCode));
  // The genuine finish comes too late: the attempt is over.
  EXPECT_EQ(InviterHandle(finish), Refusal(RefusalReason::kMalformed));
  EXPECT_FALSE(inviter_.outcome().has_value());
}

TEST_F(PairingTest, FinishWithATamperedSealedIdentityIsRefusedAsMalformed) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes finish = FinishOf(joiner);
  finish.back() ^= 0x01;
  EXPECT_EQ(InviterHandle(finish), Refusal(RefusalReason::kMalformed));
  EXPECT_FALSE(inviter_.outcome().has_value());
  EXPECT_TRUE(inviter_.open(kNow));
}

// --- Refusals before any attempt ---------------------------------------------------

TEST_F(PairingTest, ExpiredInviteIsRefusedWithTheNoInviteText) {
  PairingJoiner joiner = NewJoiner(TheCode());
  EXPECT_TRUE(inviter_.open(kExpires - 1));
  EXPECT_FALSE(inviter_.open(kExpires));
  Bytes reply = InviterHandle(joiner.hello(), kExpires);
  EXPECT_EQ(reply, Refusal(RefusalReason::kNoInvite));
  EXPECT_EQ(inviter_.attempts(), 0);
  auto result = joiner.Handle(reply, joiner_rng_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(result.error().message, RefusalText(RefusalReason::kNoInvite));
  EXPECT_NE(result.error().message.find("no open invite"), std::string::npos);
}

TEST_F(PairingTest, InviteThatExpiresMidExchangeRefusesTheFinish) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes finish = FinishOf(joiner);
  EXPECT_EQ(InviterHandle(finish, kExpires), Refusal(RefusalReason::kNoInvite));
  EXPECT_FALSE(inviter_.outcome().has_value());
}

TEST_F(PairingTest, WrongNameplateIsRefusedWithoutCountingAnAttempt) {
  for (int i = 0; i < kMaxPairingAttempts + 2; ++i) {
    PairingJoiner joiner = NewJoiner(OtherNameplateSameWords());
    Bytes reply = InviterHandle(joiner.hello());
    EXPECT_EQ(reply, Refusal(RefusalReason::kNoInvite));
    auto result = joiner.Handle(reply, joiner_rng_);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
  }
  EXPECT_EQ(inviter_.attempts(), 0);
  EXPECT_TRUE(inviter_.open(kNow));
}

// --- Garbage ---------------------------------------------------------------------

TEST_F(PairingTest, InviterRefusesGarbageEmptyAndTruncatedMessagesAsMalformed) {
  const Bytes malformed = Refusal(RefusalReason::kMalformed);
  EXPECT_EQ(InviterHandle(ByteView{}), malformed);
  EXPECT_EQ(InviterHandle(Bytes{0xde, 0xad, 0xbe, 0xef}), malformed);
  EXPECT_EQ(InviterHandle(Bytes(kHelloBytes, 0xff)), malformed);

  PairingJoiner joiner = NewJoiner(TheCode());
  const Bytes& hello = joiner.hello();
  for (std::size_t len = 1; len < hello.size(); ++len) {
    EXPECT_EQ(InviterHandle(ByteView(hello).first(len)), malformed) << len;
  }
  Bytes longer = hello;
  longer.push_back(0);
  EXPECT_EQ(InviterHandle(longer), malformed);
  Bytes other_version = hello;
  other_version[1] = 2;
  EXPECT_EQ(InviterHandle(other_version), malformed);
  EXPECT_EQ(inviter_.attempts(), 0);

  // A finish before any hello.
  EXPECT_EQ(InviterHandle(Bytes(1 + 32 + 24 + 48, kFinishType)), malformed);

  // Truncated finishes, mid-attempt.
  Bytes finish = FinishOf(joiner);
  for (std::size_t len = 1; len < finish.size(); ++len) {
    EXPECT_EQ(InviterHandle(ByteView(finish).first(len)), malformed) << len;
  }
  EXPECT_FALSE(inviter_.outcome().has_value());
  EXPECT_TRUE(inviter_.open(kNow));
}

TEST_F(PairingTest, HelloWithAnInvalidShareIsRefusedAsMalformed) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes hello = joiner.hello();
  std::fill(hello.end() - crypto::kPakeShareBytes, hello.end(), 0xff);
  EXPECT_EQ(InviterHandle(hello), Refusal(RefusalReason::kMalformed));
  std::fill(hello.end() - crypto::kPakeShareBytes, hello.end(), 0x00);
  EXPECT_EQ(InviterHandle(hello), Refusal(RefusalReason::kMalformed));
}

TEST_F(PairingTest, JoinerRejectsGarbageEmptyAndTruncatedMessagesAsMalformed) {
  PairingJoiner joiner = NewJoiner(TheCode());
  auto ErrorOf = [&](ByteView message) {
    auto result = joiner.Handle(message, joiner_rng_);
    if (result.ok()) {
      ADD_FAILURE() << "a message of " << message.size() << " bytes was accepted";
      return ErrorCode::kInternal;
    }
    return result.error().code;
  };
  EXPECT_EQ(ErrorOf(ByteView{}), ErrorCode::kMalformed);
  EXPECT_EQ(ErrorOf(Bytes{0xde, 0xad, 0xbe, 0xef}), ErrorCode::kMalformed);
  // A welcome before the key exchange.
  EXPECT_EQ(ErrorOf(Bytes(1 + 24 + 34 + 16, kWelcomeType)), ErrorCode::kMalformed);

  Bytes reply = InviterHandle(joiner.hello());
  ASSERT_EQ(reply.size(), kReplyBytes);
  for (std::size_t len = 1; len < reply.size(); ++len) {
    EXPECT_EQ(ErrorOf(ByteView(reply).first(len)), ErrorCode::kMalformed) << len;
  }
  Bytes longer = reply;
  longer.push_back(0);
  EXPECT_EQ(ErrorOf(longer), ErrorCode::kMalformed);

  // After all that, the genuine reply still works.
  auto finish = joiner.Handle(reply, joiner_rng_);
  ASSERT_TRUE(finish.ok()) << finish.error().message;
  // A second reply is refused.
  EXPECT_EQ(ErrorOf(reply), ErrorCode::kMalformed);

  Bytes welcome = InviterHandle(*finish);
  ASSERT_EQ(welcome.at(0), kWelcomeType);
  for (std::size_t len = 1; len < welcome.size(); ++len) {
    auto result = joiner.Handle(ByteView(welcome).first(len), joiner_rng_);
    ASSERT_FALSE(result.ok()) << len;
    EXPECT_TRUE(result.error().code == ErrorCode::kMalformed ||
                result.error().code == ErrorCode::kVerificationFailed)
        << len;
  }
  Bytes tampered = welcome;
  tampered.back() ^= 0x01;
  EXPECT_EQ(ErrorOf(tampered), ErrorCode::kVerificationFailed);
  EXPECT_FALSE(joiner.TakeOutcome().has_value());

  // The genuine welcome still completes the pairing.
  auto done = joiner.Handle(welcome, joiner_rng_);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(joiner.TakeOutcome().has_value());
}

TEST_F(PairingTest, JoinerRejectsAReplyWithAnInvalidShare) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes reply = InviterHandle(joiner.hello());
  ASSERT_EQ(reply.size(), kReplyBytes);
  std::fill(reply.begin() + 1, reply.begin() + 1 + crypto::kPakeShareBytes, 0xff);
  auto result = joiner.Handle(reply, joiner_rng_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kVerificationFailed);
}

TEST_F(PairingTest, EveryMessageTypeByteIsHandledAsExpected) {
  // The inviter, fresh, given each type byte in front of a valid hello body.
  PairingJoiner joiner = NewJoiner(TheCode());
  for (int type = 0; type < 256; ++type) {
    PairingInviter inviter(TheCode(), kExpires, inviter_id_, kPort, inviter_rng_);
    Bytes message = joiner.hello();
    message[0] = static_cast<std::uint8_t>(type);
    Bytes reply = inviter.Handle(kJoiner, message, kNow, inviter_rng_);
    if (type == kHelloType) {
      EXPECT_EQ(reply.size(), kReplyBytes);
      EXPECT_EQ(reply[0], kReplyType);
      EXPECT_EQ(inviter.attempts(), 1);
    } else {
      EXPECT_EQ(reply, Refusal(RefusalReason::kMalformed)) << type;
      EXPECT_EQ(inviter.attempts(), 0) << type;
    }
  }

  // The joiner, fresh each time, given each type byte in front of a genuine
  // reply body (from an inviter with its own, identical, state).
  for (int type = 0; type < 256; ++type) {
    crypto::DeterministicRandom rng(FilledHash(0x5a));
    PairingInviter inviter(TheCode(), kExpires, inviter_id_, kPort, rng);
    PairingJoiner fresh(TheCode(), joiner_id_, rng);
    Bytes message = inviter.Handle(kJoiner, fresh.hello(), kNow, rng);
    ASSERT_EQ(message.size(), kReplyBytes);
    message[0] = static_cast<std::uint8_t>(type);
    auto result = fresh.Handle(message, rng);
    if (type == kReplyType) {
      ASSERT_TRUE(result.ok()) << result.error().message;
      EXPECT_EQ(result->at(0), kFinishType);
    } else if (type == kRefusedType) {
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
    } else {
      ASSERT_FALSE(result.ok()) << type;
      EXPECT_EQ(result.error().code, ErrorCode::kMalformed) << type;
    }
  }
}

TEST_F(PairingTest, JoinerReportsEachRefusalWithItsText) {
  for (RefusalReason reason : {RefusalReason::kNoInvite, RefusalReason::kBurned, RefusalReason::kWrongCode,
                               RefusalReason::kMalformed}) {
    PairingJoiner joiner = NewJoiner(TheCode());
    auto result = joiner.Handle(Refusal(reason), joiner_rng_);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(result.error().message, RefusalText(reason));
    EXPECT_FALSE(result.error().message.empty());
  }
  EXPECT_NE(RefusalText(RefusalReason::kBurned).find("used up"), std::string::npos);
  EXPECT_NE(RefusalText(RefusalReason::kNoInvite).find("no open invite"), std::string::npos);
}

// --- Replays ---------------------------------------------------------------------

TEST_F(PairingTest, ReplyFromAnotherSessionFailsOnTheJoiner) {
  PairingJoiner first = NewJoiner(TheCode());
  Bytes first_reply = InviterHandle(first.hello());
  ASSERT_EQ(first_reply.size(), kReplyBytes);

  PairingJoiner second = NewJoiner(TheCode());
  ASSERT_NE(first.hello(), second.hello());
  auto result = second.Handle(first_reply, joiner_rng_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kVerificationFailed);
}

TEST_F(PairingTest, FinishFromAnEarlierSessionIsRefusedAsWrongCode) {
  PairingJoiner first = NewJoiner(TheCode());
  Bytes first_finish = FinishOf(first);
  PairingJoiner second = NewJoiner(TheCode());
  ASSERT_FALSE(FinishOf(second).empty());
  EXPECT_EQ(InviterHandle(first_finish), Refusal(RefusalReason::kWrongCode));
  EXPECT_FALSE(inviter_.outcome().has_value());
}

TEST_F(PairingTest, WelcomeFromAnotherSessionFailsOnTheJoiner) {
  crypto::DeterministicRandom rng(FilledHash(0x77));
  PairingInviter other(TheCode(), kExpires, inviter_id_, kPort, rng);
  PairingJoiner first(TheCode(), joiner_id_, rng);
  auto first_finish = first.Handle(other.Handle(kJoiner, first.hello(), kNow, rng), rng);
  ASSERT_TRUE(first_finish.ok());
  Bytes first_welcome = other.Handle(kJoiner, *first_finish, kNow, rng);
  ASSERT_EQ(first_welcome.at(0), kWelcomeType);

  PairingJoiner second = NewJoiner(TheCode());
  ASSERT_FALSE(FinishOf(second).empty());
  auto result = second.Handle(first_welcome, joiner_rng_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kVerificationFailed);
  EXPECT_FALSE(second.TakeOutcome().has_value());
}

// --- Safety numbers and invite beacon keys -----------------------------------------

TEST(SafetyNumber, IsTheSameRegardlessOfArgumentOrder) {
  auto a = IdentityFrom(0x01).public_key();
  auto b = IdentityFrom(0x02).public_key();
  EXPECT_EQ(SafetyNumber(a, b), SafetyNumber(b, a));
}

TEST(SafetyNumber, HasTwelveGroupsOfFiveDigits) {
  std::string number = SafetyNumber(IdentityFrom(0x01).public_key(), IdentityFrom(0x02).public_key());
  ASSERT_EQ(number.size(), 12 * 5 + 11u);
  for (std::size_t i = 0; i < number.size(); ++i) {
    if (i % 6 == 5) {
      EXPECT_EQ(number[i], ' ') << number;
    } else {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(number[i]))) << number;
    }
  }
}

TEST(SafetyNumber, FirstGroupIsTheFirstFortyBitsOfTheHashModuloOneHundredThousand) {
  auto a = IdentityFrom(0x01).public_key();
  auto b = IdentityFrom(0x02).public_key();
  const auto& lo = std::min(a, b);
  const auto& hi = std::max(a, b);
  Hash32 h = crypto::Blake2b256({AsBytes("kintsugi safety number v1/1"), lo, hi});
  std::uint64_t v = 0;
  for (int i = 0; i < 5; ++i) v = v << 8 | h[static_cast<std::size_t>(i)];
  std::string expected = std::to_string(v % 100000);
  expected.insert(0, 5 - expected.size(), '0');
  EXPECT_EQ(SafetyNumber(a, b).substr(0, 5), expected);
}

TEST(SafetyNumber, DiffersForDifferentKeys) {
  auto a = IdentityFrom(0x01).public_key();
  auto b = IdentityFrom(0x02).public_key();
  auto c = IdentityFrom(0x03).public_key();
  EXPECT_NE(SafetyNumber(a, b), SafetyNumber(a, c));
  EXPECT_NE(SafetyNumber(a, b), SafetyNumber(b, c));
  auto flipped = b;
  flipped[31] ^= 0x01;
  EXPECT_NE(SafetyNumber(a, b), SafetyNumber(a, flipped));
}

TEST(InviteBeaconKey, IsAPublicConstantSoNoBeaconTellsTheCodeOrItsNameplate) {
  // The header's construction, computed independently: BLAKE2b-256 of the
  // context alone. Nothing of the code goes in, not even the nameplate.
  Hash32 expected = crypto::Blake2b256({AsBytes("kintsugi invite beacon v2")});
  EXPECT_EQ(KeyBytes(InviteBeaconKey()), Bytes(expected.begin(), expected.end()));
}

TEST_F(PairingTest, InviteBeaconKeyIsNotTheLedgersBeaconKey) {
  PairingJoiner joiner = NewJoiner(TheCode());
  Bytes welcome = InviterHandle(FinishOf(joiner));
  ASSERT_TRUE(joiner.Handle(welcome, joiner_rng_).ok());
  auto outcome = joiner.TakeOutcome();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_NE(KeyBytes(outcome->beacon_key), KeyBytes(InviteBeaconKey()));
}

TEST(InviteBeaconTag, IsFreshForEachInviteAndNoPartOfTheInvitersIdentity) {
  crypto::DeterministicRandom rng(FilledHash(0x41));
  const crypto::PublicKey self = IdentityFrom(0xa1).public_key();
  PairingInviter first(TheCode(), kExpires, self, kPort, rng);
  PairingInviter second(TheCode(), kExpires, self, kPort, rng);
  EXPECT_NE(first.beacon_tag(), second.beacon_tag());
  EXPECT_FALSE(std::equal(first.beacon_tag().begin(), first.beacon_tag().end(), self.begin()));
}

// --- Strangers on the LAN ----------------------------------------------------------

TEST_F(PairingTest, AnAddressThatMissesTheNameplateTwiceIsToldNoInviteEvenWithTheRightOne) {
  const PairingPeer neighbour{"192.168.1.66", "neighbour"};
  for (std::uint16_t guess : {100, 101}) {
    PairingJoiner probe = NewJoiner(InviteCode{guess, {1, 2, 3}});
    EXPECT_EQ(InviterHandle(probe.hello(), kNow, neighbour), Refusal(RefusalReason::kNoInvite)) << guess;
  }
  // The third probe names the right number, and hears the same as a wrong one.
  PairingJoiner lucky = NewJoiner(TheCode());
  EXPECT_EQ(InviterHandle(lucky.hello(), kNow, neighbour), Refusal(RefusalReason::kNoInvite));
  EXPECT_EQ(inviter_.attempts(), 0);
  EXPECT_EQ(inviter_.ignored(), 1u);
  // The partner, from their own address, pairs.
  PairingJoiner partner = NewJoiner(TheCode());
  Bytes welcome = InviterHandle(FinishOf(partner));
  ASSERT_EQ(welcome.at(0), kWelcomeType);
  EXPECT_TRUE(partner.Handle(welcome, joiner_rng_).ok());
}

TEST_F(PairingTest, OneAddressGetsAtMostThreeOfTheFiveGuesses) {
  const PairingPeer neighbour{"192.168.1.66", "neighbour"};
  for (int i = 0; i < kMaxAttemptsPerSource; ++i) {
    PairingJoiner wrong = NewJoiner(SameNameplateOtherWords());
    EXPECT_EQ(InviterHandle(wrong.hello(), kNow, neighbour).size(), kReplyBytes) << i;
  }
  PairingJoiner more = NewJoiner(SameNameplateOtherWords());
  EXPECT_EQ(InviterHandle(more.hello(), kNow, neighbour), Refusal(RefusalReason::kBurned));
  EXPECT_EQ(inviter_.attempts(), kMaxAttemptsPerSource);
  EXPECT_TRUE(inviter_.open(kNow));
  PairingJoiner partner = NewJoiner(TheCode());
  Bytes welcome = InviterHandle(FinishOf(partner));
  ASSERT_EQ(welcome.at(0), kWelcomeType);
}

TEST_F(PairingTest, AStrangersHelloDoesNotBreakTheAttemptOfAnotherConnection) {
  PairingJoiner partner = NewJoiner(TheCode());
  Bytes finish = FinishOf(partner);
  // Between the partner's hello and finish, a stranger who knows the number
  // opens an attempt of their own, from the same address even.
  PairingJoiner stranger = NewJoiner(SameNameplateOtherWords());
  const PairingPeer other_connection{kJoiner.source, "connection 2"};
  EXPECT_EQ(InviterHandle(stranger.hello(), kNow, other_connection).size(), kReplyBytes);
  Bytes welcome = InviterHandle(finish);
  ASSERT_EQ(welcome.at(0), kWelcomeType);
  EXPECT_TRUE(partner.Handle(welcome, joiner_rng_).ok());
  EXPECT_TRUE(partner.TakeOutcome().has_value());
}

TEST_F(PairingTest, AFinishOnAConnectionWithNoAttemptIsRefused) {
  PairingJoiner partner = NewJoiner(TheCode());
  Bytes finish = FinishOf(partner);
  EXPECT_EQ(InviterHandle(finish, kNow, PairingPeer{kJoiner.source, "connection 2"}),
            Refusal(RefusalReason::kMalformed));
  EXPECT_FALSE(inviter_.outcome().has_value());
  // The attempt it tried to take over is untouched.
  EXPECT_EQ(InviterHandle(finish).at(0), kWelcomeType);
}

TEST_F(PairingTest, TheAddressesCountedAreBoundedAndThoseBeyondAreToldNoInvite) {
  for (std::size_t i = 0; i < kMaxPairingSources; ++i) {
    PairingJoiner probe = NewJoiner(OtherNameplateSameWords());
    const PairingPeer from{"addr " + std::to_string(i), "c " + std::to_string(i)};
    ASSERT_EQ(InviterHandle(probe.hello(), kNow, from), Refusal(RefusalReason::kNoInvite));
  }
  EXPECT_EQ(inviter_.ignored(), 0u);
  PairingJoiner late = NewJoiner(TheCode());
  EXPECT_EQ(InviterHandle(late.hello(), kNow, PairingPeer{"one more", "c"}), Refusal(RefusalReason::kNoInvite));
  EXPECT_EQ(inviter_.ignored(), 1u);
  EXPECT_EQ(inviter_.attempts(), 0);
}

TEST_F(PairingTest, TheJoinerKeepsTheInvitersRefusal) {
  PairingJoiner joiner = NewJoiner(TheCode());
  EXPECT_FALSE(joiner.refusal().has_value());
  ASSERT_FALSE(joiner.Handle(Refusal(RefusalReason::kNoInvite), joiner_rng_).ok());
  EXPECT_EQ(joiner.refusal(), RefusalReason::kNoInvite);
}

}  // namespace
}  // namespace kintsugi::protocol
