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
// A neighbour must not be able to spend them cheaply, so the inviter also
// keeps count per source address: a hello that names the wrong nameplate is a
// miss, and an address with kMaxNameplateMisses misses is answered "no such
// invite" from then on; one address gets at most kMaxAttemptsPerSource of the
// guesses. The nameplate is in no beacon, so a stranger must guess it (1 in
// 999) with two tries per address. Attempts in progress are kept per
// connection, so a stranger's hello cannot break an honest joiner's.
//
// Thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "crypto/keys.h"
#include "crypto/pake.h"
#include "crypto/random.h"
#include "base/result.h"
#include "protocol/entry.h"
#include "protocol/invite.h"

namespace kintsugi::protocol {

inline constexpr int kMaxPairingAttempts = 5;     // guesses at the code, from everyone
inline constexpr int kMaxAttemptsPerSource = 3;   // of which from one address
inline constexpr int kMaxNameplateMisses = 2;     // wrong nameplates before an address is ignored
inline constexpr std::size_t kMaxPairingSources = 1024;  // addresses an invite keeps count of
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

// The key an open pairing window's beacon is sealed with, so that a joiner
// finds the inviter on the LAN without an address. It is a public constant:
// a key derived from the code would let anyone who captured a beacon test
// guesses at the words offline, and one derived from the nameplate would
// give the nameplate away to anyone who tries all 999. So the beacon hides
// nothing and says little: "an invite is open here, on this port", with a
// random tag (InviteTag) in place of the sender, that nothing links to the
// inviter's identity or to the couple's later beacons. CPace authenticates.
crypto::SymmetricKey InviteBeaconKey();

// Who sent a pairing message, as the transport saw it.
struct PairingPeer {
  std::string source;      // the joiner's network address, without the port
  std::string connection;  // tells one connection from another
};

class PairingInviter {
 public:
  PairingInviter(const InviteCode& code, std::uint64_t expires_at_ms, const crypto::PublicKey& self,
                 std::uint16_t sync_port, crypto::RandomSource& rng);

  // Handles one message from a joiner at time `now_ms` and returns the reply.
  // A successful finish sets outcome(); the invite is then used up.
  Bytes Handle(const PairingPeer& from, ByteView message, std::uint64_t now_ms, crypto::RandomSource& rng);

  bool open(std::uint64_t now_ms) const { return !done_ && !burned() && now_ms < expires_at_ms_; }
  // Every guess is spent: no new hello is answered. The finish of the last
  // attempt may still succeed.
  bool burned() const { return attempts_ >= kMaxPairingAttempts && !done_; }
  int attempts() const { return attempts_; }
  // Hellos answered "no such invite" because their address had missed the
  // nameplate too often, or too many addresses were counted already.
  std::uint64_t ignored() const { return ignored_; }
  // The tag this invite's beacons carry in place of a sender: random, fresh
  // for each invite.
  const std::array<std::uint8_t, 8>& beacon_tag() const { return beacon_tag_; }
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
  std::array<std::uint8_t, 8> beacon_tag_{};
  int attempts_ = 0;
  std::uint64_t ignored_ = 0;
  bool done_ = false;
  struct SourceCount {
    int attempts = 0;
    int misses = 0;
  };
  std::map<std::string, SourceCount> sources_;  // at most kMaxPairingSources
  // Attempts in progress, by connection: each began with a counted hello, so
  // there are at most kMaxPairingAttempts.
  struct Attempt {
    crypto::SecureBuffer isk;
    Bytes transcript;
  };
  std::map<std::string, Attempt> in_progress_;
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
  // The inviter's refusal, once one came.
  std::optional<RefusalReason> refusal() const { return refusal_; }

 private:
  InviteCode code_;
  crypto::PublicKey self_;
  std::optional<RefusalReason> refusal_;
  Bytes sid_;
  crypto::CPace pake_;
  Bytes hello_;
  std::optional<crypto::SecureBuffer> isk_;
  Bytes transcript_;
  std::optional<PairingOutcome> outcome_;
};

}  // namespace kintsugi::protocol
