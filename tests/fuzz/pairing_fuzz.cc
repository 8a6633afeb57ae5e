// Fuzzes the pairing state machines (protocol/pairing.h): arbitrary bytes as
// a message from the network, to a PairingInviter (fixed code, far-future
// expiry) and to a PairingJoiner, both fresh and in the middle of an exchange.
//
// Each input runs twice:
//  1. fresh: handed to a new inviter (as if from a joiner) and to a new
//     joiner (as if from the inviter);
//  2. mid-exchange: a fixed, honest exchange runs hello -> reply -> finish,
//     then the input goes to the joiner (waiting for the welcome) and to the
//     inviter (waiting for the finish).
// Everything is deterministic (fixed code, identities, clock and random
// seeds), so the messages of the honest exchange are valid inputs: the seeds
// hello.bin, reply.bin, finish.bin and welcome.bin reach the reply, finish,
// welcome and done paths.
//
// Properties checked:
//  - nothing crashes or throws;
//  - the inviter always answers with a non-empty message: a reply of 65
//    bytes, a welcome only with an outcome naming the joiner's identity, or a
//    two-byte refusal with a known reason; it never counts more than
//    kMaxPairingAttempts attempts;
//  - the joiner answers with a finish, or with an empty message only when it
//    has an outcome naming the inviter's identity and port, or fails with
//    kMalformed, kVerificationFailed or kFailedPrecondition and a message;
//  - when the inviter welcomes the honest joiner, the welcome completes the
//    joiner and both sides hold the same ledger id, ledger key and beacon key.
//
// Seeds (corpus/pairing/) are the honest exchange's messages, tampered and
// truncated ones, refusals, and garbage. They are written by this file built
// with -DKINTSUGI_FUZZ_SEEDGEN (which also checks that each valid seed still
// reaches its path). Regenerate them after a change to the pairing messages,
// from the source tree with a normal build in build/:
//   c++ -std=c++20 -DKINTSUGI_FUZZ_SEEDGEN -I. -Ibuild/generated
//       tests/fuzz/pairing_fuzz.cc build/protocol/libkintsugi_protocol.a
//       build/crypto/libkintsugi_crypto.a -lsodium -o /tmp/pairing_seedgen
//   /tmp/pairing_seedgen tests/fuzz/corpus/pairing
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#ifdef KINTSUGI_FUZZ_SEEDGEN
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>
#endif

#include "crypto/keys.h"
#include "crypto/random.h"
#include "protocol/pairing.h"

namespace {

using namespace kintsugi;
using namespace kintsugi::protocol;

constexpr InviteCode kFuzzCode{417, {10, 20, 30}};
constexpr std::uint64_t kFuzzNow = 1'700'000'000'000;
constexpr std::uint64_t kFuzzExpires = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint16_t kFuzzPort = 47123;
constexpr std::uint8_t kInviterSeedFill = 0x11;
constexpr std::uint8_t kJoinerSeedFill = 0x22;

constexpr std::size_t kReplyBytes = 1 + crypto::kPakeShareBytes + 32;
constexpr std::size_t kFinishBytes = 1 + 32 + 24 + 32 + 16;
constexpr std::size_t kWelcomeBytes = 1 + 24 + 34 + 16;

// Which paths an input reached (for the seed generator's self-check).
enum Reached : unsigned {
  kInviterReplied = 1,
  kJoinerFinished = 2,
  kInviterWelcomed = 4,
  kJoinerDone = 8,
};

crypto::PublicKey IdentityOf(std::uint8_t fill) {
  Bytes seed(crypto::kSeedBytes, fill);
  auto key = crypto::SigningKey::FromSeed(seed);
  if (!key.ok()) __builtin_trap();
  return key->public_key();
}

const crypto::PublicKey& InviterId() {
  static const crypto::PublicKey id = IdentityOf(0xa1);
  return id;
}

const crypto::PublicKey& JoinerId() {
  static const crypto::PublicKey id = IdentityOf(0xb2);
  return id;
}

crypto::DeterministicRandom RngOf(std::uint8_t fill) {
  Hash32 seed;
  seed.fill(fill);
  return crypto::DeterministicRandom(seed);
}

bool SameKey(const crypto::SymmetricKey& a, const crypto::SymmetricKey& b) {
  return std::equal(a.bytes().begin(), a.bytes().end(), b.bytes().begin(), b.bytes().end());
}

// The invite's beacon tag is drawn from a source of its own, so that the
// exchange's random values (and the seeds made from them) stay as they were.
PairingInviter NewInviter() {
  auto tag_rng = RngOf(0x7a);
  return PairingInviter(kFuzzCode, kFuzzExpires, InviterId(), kFuzzPort, tag_rng);
}

// Every message comes from one joiner on one connection.
const PairingPeer kFuzzPeer{"192.0.2.1", "fuzz"};

// Checks the inviter's answer; returns the outcome if it welcomed.
std::optional<PairingOutcome> CheckInviter(PairingInviter& inviter, const Bytes& reply, unsigned& reached) {
  if (reply.empty()) __builtin_trap();
  if (inviter.attempts() < 0 || inviter.attempts() > kMaxPairingAttempts) __builtin_trap();
  switch (static_cast<PairMessage>(reply[0])) {
    case PairMessage::kReply:
      if (reply.size() != kReplyBytes || inviter.outcome()) __builtin_trap();
      reached |= kInviterReplied;
      return std::nullopt;
    case PairMessage::kWelcome: {
      if (reply.size() != kWelcomeBytes || inviter.open(kFuzzNow)) __builtin_trap();
      auto outcome = inviter.TakeOutcome();
      if (!outcome || outcome->partner != JoinerId() || outcome->partner_port != 0) __builtin_trap();
      reached |= kInviterWelcomed;
      return outcome;
    }
    case PairMessage::kRefused:
      if (reply.size() != 2 || reply[1] < 1 || reply[1] > 4 || inviter.outcome()) __builtin_trap();
      return std::nullopt;
    default:
      __builtin_trap();
  }
}

// Checks the joiner's answer; returns the outcome if it is done.
std::optional<PairingOutcome> CheckJoiner(PairingJoiner& joiner, const Result<Bytes>& result,
                                          unsigned& reached) {
  if (!result.ok()) {
    const ErrorCode code = result.error().code;
    if (code != ErrorCode::kMalformed && code != ErrorCode::kVerificationFailed &&
        code != ErrorCode::kFailedPrecondition) {
      __builtin_trap();
    }
    if (result.error().message.empty()) __builtin_trap();
    if (joiner.TakeOutcome()) __builtin_trap();
    return std::nullopt;
  }
  auto outcome = joiner.TakeOutcome();
  if (result->empty()) {
    if (!outcome || outcome->partner != InviterId() || outcome->partner_port != kFuzzPort) __builtin_trap();
    reached |= kJoinerDone;
    return outcome;
  }
  if (outcome) __builtin_trap();
  if ((*result)[0] != static_cast<std::uint8_t>(PairMessage::kFinish) || result->size() != kFinishBytes) {
    __builtin_trap();
  }
  reached |= kJoinerFinished;
  return std::nullopt;
}

unsigned RunOne(ByteView message) {
  unsigned reached = 0;

  // 1. Fresh state machines.
  {
    auto inviter_rng = RngOf(kInviterSeedFill);
    auto joiner_rng = RngOf(kJoinerSeedFill);
    PairingInviter inviter = NewInviter();
    PairingJoiner joiner(kFuzzCode, JoinerId(), joiner_rng);
    CheckInviter(inviter, inviter.Handle(kFuzzPeer, message, kFuzzNow, inviter_rng), reached);
    CheckJoiner(joiner, joiner.Handle(message, joiner_rng), reached);
  }

  // 2. Mid-exchange: the inviter waits for the finish, the joiner for the welcome.
  {
    auto inviter_rng = RngOf(kInviterSeedFill);
    auto joiner_rng = RngOf(kJoinerSeedFill);
    PairingInviter inviter = NewInviter();
    PairingJoiner joiner(kFuzzCode, JoinerId(), joiner_rng);
    Bytes reply = inviter.Handle(kFuzzPeer, joiner.hello(), kFuzzNow, inviter_rng);
    auto finish = joiner.Handle(reply, joiner_rng);
    if (!finish.ok() || finish->empty()) __builtin_trap();  // the honest exchange must work

    auto joiner_done = CheckJoiner(joiner, joiner.Handle(message, joiner_rng), reached);
    Bytes answer = inviter.Handle(kFuzzPeer, message, kFuzzNow, inviter_rng);
    auto inviter_done = CheckInviter(inviter, answer, reached);
    if (inviter_done) {
      // The input was a valid finish, so not a welcome too: the joiner still
      // waits, and the inviter's welcome must complete it with the same keys.
      if (joiner_done) __builtin_trap();
      auto done = joiner.Handle(answer, joiner_rng);
      auto outcome = CheckJoiner(joiner, done, reached);
      if (!outcome || outcome->ledger_id != inviter_done->ledger_id ||
          !SameKey(outcome->ledger_key, inviter_done->ledger_key) ||
          !SameKey(outcome->beacon_key, inviter_done->beacon_key)) {
        __builtin_trap();
      }
    }
  }
  return reached;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  RunOne(ByteView(data, size));
  return 0;
}

#ifdef KINTSUGI_FUZZ_SEEDGEN
// Writes the seed corpus into the directory argv[1] and checks that each seed
// reaches the paths it is meant for. Not part of any build.
int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];

  // The honest exchange, exactly as RunOne's second stage runs it.
  auto inviter_rng = RngOf(kInviterSeedFill);
  auto joiner_rng = RngOf(kJoinerSeedFill);
  PairingInviter inviter = NewInviter();
  PairingJoiner joiner(kFuzzCode, JoinerId(), joiner_rng);
  const Bytes hello = joiner.hello();
  const Bytes reply = inviter.Handle(kFuzzPeer, hello, kFuzzNow, inviter_rng);
  auto finish_result = joiner.Handle(reply, joiner_rng);
  if (!finish_result.ok()) return 1;
  const Bytes finish = *finish_result;
  const Bytes welcome = inviter.Handle(kFuzzPeer, finish, kFuzzNow, inviter_rng);

  auto HelloFor = [](const InviteCode& code) {
    auto rng = RngOf(kJoinerSeedFill);
    return PairingJoiner(code, JoinerId(), rng).hello();
  };
  auto Flip = [](Bytes b, std::size_t i) {
    b.at(i) ^= 0x01;
    return b;
  };
  auto Cut = [](const Bytes& b, std::size_t n) { return Bytes(b.begin(), b.begin() + static_cast<long>(n)); };
  auto Refusal = [](std::uint8_t reason) { return Bytes{static_cast<std::uint8_t>(PairMessage::kRefused), reason}; };

  Bytes bad_version = hello;
  bad_version[1] = 2;
  Bytes identity_share = hello;
  std::fill(identity_share.end() - crypto::kPakeShareBytes, identity_share.end(), 0);
  Bytes trailing = hello;
  trailing.push_back(0);

  struct Seed {
    const char* name;
    Bytes bytes;
    unsigned must;      // paths it must reach
    unsigned must_not;  // paths it must not reach
  };
  const unsigned kAny = 0;
  const unsigned kDeep = kJoinerFinished | kInviterWelcomed | kJoinerDone;
  const std::vector<Seed> seeds = {
      {"hello.bin", hello, kInviterReplied, kDeep},
      {"hello_wrong_words.bin", HelloFor(InviteCode{417, {10, 20, 31}}), kInviterReplied, kDeep},
      {"hello_wrong_nameplate.bin", HelloFor(InviteCode{418, {10, 20, 30}}), kAny, kInviterReplied | kDeep},
      {"hello_bad_version.bin", bad_version, kAny, kInviterReplied | kDeep},
      {"hello_identity_share.bin", identity_share, kAny, kInviterReplied | kDeep},
      {"hello_truncated.bin", Cut(hello, 30), kAny, kInviterReplied | kDeep},
      {"hello_trailing_byte.bin", trailing, kAny, kInviterReplied | kDeep},
      {"reply.bin", reply, kJoinerFinished, kInviterReplied | kInviterWelcomed | kJoinerDone},
      {"reply_flipped_mac.bin", Flip(reply, reply.size() - 1), kAny, kDeep},
      {"reply_truncated.bin", Cut(reply, 40), kAny, kDeep},
      {"finish.bin", finish, kInviterWelcomed | kJoinerDone, kInviterReplied | kJoinerFinished},
      {"finish_flipped_mac.bin", Flip(finish, 1), kAny, kDeep},
      {"finish_flipped_seal.bin", Flip(finish, finish.size() - 1), kAny, kDeep},
      {"finish_mac_only.bin", Cut(finish, 33), kAny, kDeep},
      {"welcome.bin", welcome, kJoinerDone, kInviterReplied | kJoinerFinished | kInviterWelcomed},
      {"welcome_flipped.bin", Flip(welcome, 30), kAny, kDeep},
      {"welcome_truncated.bin", Cut(welcome, 20), kAny, kDeep},
      {"refused_no_invite.bin", Refusal(1), kAny, kDeep},
      {"refused_burned.bin", Refusal(2), kAny, kDeep},
      {"refused_wrong_code.bin", Refusal(3), kAny, kDeep},
      {"refused_malformed.bin", Refusal(4), kAny, kDeep},
      {"refused_unknown_reason.bin", Refusal(0x63), kAny, kDeep},
      {"refused_no_reason.bin", Bytes{static_cast<std::uint8_t>(PairMessage::kRefused)}, kAny, kDeep},
      {"empty.bin", Bytes{}, kAny, kInviterReplied | kDeep},
      {"unknown_type.bin", Bytes{0x00, 0x01, 0x02, 0x03}, kAny, kInviterReplied | kDeep},
      {"all_ff.bin", Bytes(hello.size(), 0xff), kAny, kInviterReplied | kDeep},
      {"garbage.bin", Bytes{0x03, 0xde, 0xad, 0xbe, 0xef, 0x04, 0x02, 0x01}, kAny, kInviterReplied | kDeep},
  };
  int failures = 0;
  for (const auto& seed : seeds) {
    unsigned reached = RunOne(seed.bytes);
    if ((reached & seed.must) != seed.must || (reached & seed.must_not) != 0) {
      std::fprintf(stderr, "seedgen: %s reached %#x, wanted all of %#x and none of %#x\n", seed.name,
                   reached, seed.must, seed.must_not);
      ++failures;
    }
    std::ofstream out(dir + "/" + seed.name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(seed.bytes.data()), static_cast<std::streamsize>(seed.bytes.size()));
    if (!out) {
      std::fprintf(stderr, "seedgen: cannot write %s/%s\n", dir.c_str(), seed.name);
      return 2;
    }
  }
  std::printf("seedgen: wrote %zu seeds to %s, %d failed their check\n", seeds.size(), dir.c_str(), failures);
  return failures == 0 ? 0 : 1;
}
#endif  // KINTSUGI_FUZZ_SEEDGEN
