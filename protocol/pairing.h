// Pairing: the two partners' daemons turn a spoken invite code into a shared
// ledger (docs/PROTOCOL.md, "Pairing"). The inviter (A) opened a pairing
// window and shows the code; the joiner (B) typed it. Four messages over an
// unauthenticated connection:
//
//   B → A  hello    nameplate, sid, Ya                 (CPace share, crypto/pake.h)
//   A → B  reply    Yb, confirm_A                      (proves A knows the code)
//   B → A  finish   confirm_B, seal_B(B's identity)    (proves B knows the code)
//   A → B  welcome  seal_A(A's identity, A's port)
//   A → B  refused  reason                             (instead of reply or welcome)
//
// Both derive from the CPace session key: the confirmation keys, a channel key
// per direction, and the shared ledger's id, ledger key and beacon key. The
// long-term identities travel sealed under keys only the two code holders
// have; the safety number lets the partners check them once more by eye.
//
// Each side is a state machine: bytes in, bytes out, no I/O. The inviter
// counts every hello as an attempt: after kMaxPairingAttempts without success
// the code is burned, so an attacker gets at most that many online guesses.
//
// Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "crypto/keys.h"
#include "crypto/pake.h"
#include "crypto/random.h"
#include "crypto/result.h"
#include "protocol/entry.h"
#include "protocol/invite.h"

namespace kintsugi::protocol {

inline constexpr int kMaxPairingAttempts = 5;
inline constexpr std::uint64_t kDefaultInviteSeconds = 600;

enum class PairMessage : std::uint8_t { kHello = 1, kReply = 2, kFinish = 3, kWelcome = 4, kRefused = 5 };

enum class RefusalReason : std::uint8_t {
  kNoInvite = 1,     // no open pairing window with that nameplate (or it expired)
  kBurned = 2,       // too many failed attempts
  kWrongCode = 3,    // the joiner's confirmation did not verify
  kMalformed = 4,
};
std::string_view RefusalText(RefusalReason reason);

// What both sides know once pairing succeeds.
struct PairingOutcome {
  crypto::PublicKey partner{};      // the partner's Ed25519 identity
  LedgerId ledger_id{};
  crypto::SymmetricKey ledger_key;  // the couple's ledger key
  crypto::SymmetricKey beacon_key;  // discovery beacons
  std::uint16_t partner_port = 0;   // the inviter's sync port (joiner side only)
};

// The 60-digit safety number of a pair of identities, the same on both
// screens: twelve groups of five digits.
std::string SafetyNumber(const crypto::PublicKey& a, const crypto::PublicKey& b);

// The beacon key an open pairing window announces itself with, so the joiner
// can find the inviter on the LAN without an address. It is derived from the
// nameplate ALONE: a key derived from the secret words would let anyone who
// captured a beacon test guesses at the words offline. The beacon therefore
// authenticates nothing; CPace does.
crypto::SymmetricKey InviteBeaconKey(std::uint16_t nameplate);

class PairingInviter {
 public:
  PairingInviter(const InviteCode& code, std::uint64_t expires_at_ms, const crypto::PublicKey& self,
                 std::uint16_t sync_port);

  // Handles one message from a joiner at time `now_ms` and returns the reply.
  // A successful finish sets outcome(); the invite is then used up.
  Bytes Handle(ByteView message, std::uint64_t now_ms, crypto::RandomSource& rng);

  bool open(std::uint64_t now_ms) const { return !done_ && !burned() && now_ms < expires_at_ms_; }
  // Every guess is spent: no new hello is answered. The finish of the last
  // attempt may still succeed.
  bool burned() const { return attempts_ >= kMaxPairingAttempts && !done_; }
  int attempts() const { return attempts_; }
  const std::optional<PairingOutcome>& outcome() const { return outcome_; }
  std::optional<PairingOutcome> TakeOutcome() { return std::move(outcome_); }
  const InviteCode& code() const { return code_; }
  std::uint64_t expires_at_ms() const { return expires_at_ms_; }

 private:
  Bytes Refuse(RefusalReason reason) const;

  InviteCode code_;
  std::uint64_t expires_at_ms_;
  crypto::PublicKey self_;
  std::uint16_t sync_port_;
  int attempts_ = 0;
  bool done_ = false;
  // The attempt in progress (one at a time).
  std::optional<crypto::SecureBuffer> isk_;
  Bytes transcript_;
  std::optional<PairingOutcome> outcome_;
};

class PairingJoiner {
 public:
  PairingJoiner(const InviteCode& code, const crypto::PublicKey& self, crypto::RandomSource& rng);

  // The first message to send.
  const Bytes& hello() const { return hello_; }

  // Handles the inviter's reply or welcome. Returns the next message to send
  // (the finish), an empty Bytes when done (then TakeOutcome() has it), or
  // an error: kVerificationFailed when the inviter's confirmation fails (the
  // code is wrong), kFailedPrecondition with the inviter's refusal, kMalformed
  // for anything else.
  Result<Bytes> Handle(ByteView message, crypto::RandomSource& rng);

  std::optional<PairingOutcome> TakeOutcome() { return std::move(outcome_); }

 private:
  InviteCode code_;
  crypto::PublicKey self_;
  Bytes sid_;
  crypto::CPace pake_;
  Bytes hello_;
  std::optional<crypto::SecureBuffer> isk_;
  Bytes transcript_;
  std::optional<PairingOutcome> outcome_;
};

}  // namespace kintsugi::protocol
