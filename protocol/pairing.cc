// docs/PROTOCOL.md, section "Pairing".
#include "protocol/pairing.h"

#include <algorithm>
#include <string_view>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "protocol/wire.h"

namespace kintsugi::protocol {
namespace {

constexpr std::string_view kContext = "kintsugi pair v1";
constexpr char kKdfPurpose[] = "kntspair";
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kSidBytes = crypto::kPakeSidBytes;
constexpr std::size_t kMacBytes = 32;

enum KeyIndex : std::uint64_t {
  kConfirmInviter = 1,
  kConfirmJoiner = 2,
  kChannelJoiner = 3,
  kChannelInviter = 4,
  kLedgerKey = 5,
  kLedgerId = 6,
  kBeaconKey = 7,
};

crypto::SymmetricKey Subkey(const crypto::SecureBuffer& isk, KeyIndex index) {
  crypto::SecureBuffer k = crypto::DeriveKey(isk.span(), kKdfPurpose, index);
  return std::move(crypto::SymmetricKey::FromBytes(k.span())).value();
}

Bytes Transcript(std::uint16_t nameplate, ByteView sid, ByteView ya, ByteView yb) {
  WireWriter w;
  w.Raw(AsBytes(kContext));
  w.U8(static_cast<std::uint8_t>(nameplate >> 8));
  w.U8(static_cast<std::uint8_t>(nameplate));
  w.Raw(sid);
  w.Raw(ya);
  w.Raw(yb);
  return w.Take();
}

Bytes ConfirmMessage(char who, const Bytes& transcript) {
  WireWriter w;
  w.bytes().reserve(1 + transcript.size());
  w.U8(static_cast<std::uint8_t>(who));
  w.Raw(transcript);
  return w.Take();
}

// nonce || XChaCha20-Poly1305(key, nonce, payload, ad = transcript)
Bytes SealFor(const crypto::SymmetricKey& key, ByteView payload, const Bytes& transcript,
              crypto::RandomSource& rng) {
  crypto::AeadNonce nonce;
  rng.Fill(nonce);
  WireWriter w;
  w.bytes().reserve(nonce.size() + payload.size() + crypto::kAeadTagBytes);
  w.Raw(nonce);
  w.Raw(crypto::Seal(key, nonce, payload, transcript));
  return w.Take();
}

Result<Bytes> OpenFrom(const crypto::SymmetricKey& key, ByteView sealed, const Bytes& transcript) {
  if (sealed.size() < crypto::kAeadNonceBytes + crypto::kAeadTagBytes) {
    return MakeError(ErrorCode::kMalformed, "sealed pairing payload is too short");
  }
  crypto::AeadNonce nonce;
  std::copy_n(sealed.begin(), nonce.size(), nonce.begin());
  return crypto::Open(key, nonce, sealed.subspan(nonce.size()), transcript);
}

PairingOutcome OutcomeFrom(const crypto::SecureBuffer& isk, const crypto::PublicKey& partner) {
  crypto::SecureBuffer id = crypto::DeriveKey(isk.span(), kKdfPurpose, kLedgerId);
  PairingOutcome out{partner, {}, Subkey(isk, kLedgerKey), Subkey(isk, kBeaconKey), 0};
  std::copy(id.span().begin(), id.span().end(), out.ledger_id.begin());
  return out;
}

}  // namespace

std::string_view RefusalText(RefusalReason reason) {
  switch (reason) {
    case RefusalReason::kNoInvite:
      return "your partner has no open invite with that number (it may have expired): ask for a new code";
    case RefusalReason::kBurned:
      return "the code was tried too many times and is used up: ask your partner for a new code";
    case RefusalReason::kWrongCode:
      return "the code is wrong: check it with your partner";
    case RefusalReason::kMalformed:
      return "the pairing messages were not understood";
  }
  return "pairing was refused";
}

std::string SafetyNumber(const crypto::PublicKey& a, const crypto::PublicKey& b) {
  const crypto::PublicKey& lo = std::min(a, b);
  const crypto::PublicKey& hi = std::max(a, b);
  // Two BLAKE2b-256 outputs give 64 bytes; twelve 5-byte chunks give twelve
  // five-digit groups (40 bits each, reduced mod 100000: 199 bits in all).
  Hash32 h1 = crypto::Blake2b256({AsBytes("kintsugi safety number v1/1"), lo, hi});
  Hash32 h2 = crypto::Blake2b256({AsBytes("kintsugi safety number v1/2"), lo, hi});
  std::array<std::uint8_t, 64> bytes{};
  std::copy(h1.begin(), h1.end(), bytes.begin());
  std::copy(h2.begin(), h2.end(), bytes.begin() + 32);
  std::string out;
  for (int group = 0; group < 12; ++group) {
    std::uint64_t v = 0;
    for (int i = 0; i < 5; ++i) v = v << 8 | bytes[static_cast<std::size_t>(group * 5 + i)];
    std::string digits = std::to_string(v % 100000);
    if (group > 0) out += ' ';
    out += std::string(5 - digits.size(), '0') + digits;
  }
  return out;
}

crypto::SymmetricKey InviteBeaconKey() {
  Hash32 k = crypto::Blake2b256({AsBytes("kintsugi invite beacon v2")});
  return std::move(crypto::SymmetricKey::FromBytes(k)).value();
}

// --- Inviter ----------------------------------------------------------------

PairingInviter::PairingInviter(const InviteCode& code, std::uint64_t expires_at_ms,
                               const crypto::PublicKey& self, std::uint16_t sync_port,
                               crypto::RandomSource& rng)
    : code_(code), expires_at_ms_(expires_at_ms), self_(self), sync_port_(sync_port) {
  rng.Fill(beacon_tag_);
}

Bytes PairingInviter::Refuse(RefusalReason reason) const {
  return Bytes{static_cast<std::uint8_t>(PairMessage::kRefused), static_cast<std::uint8_t>(reason)};
}

Bytes PairingInviter::Handle(const PairingPeer& from, ByteView message, std::uint64_t now_ms,
                             crypto::RandomSource& rng) {
  if (message.empty()) return Refuse(RefusalReason::kMalformed);
  if (done_ || now_ms >= expires_at_ms_) return Refuse(RefusalReason::kNoInvite);
  WireReader r(message.subspan(1));
  switch (static_cast<PairMessage>(message[0])) {
    case PairMessage::kHello: {
      std::uint8_t version = r.U8();
      std::uint16_t nameplate = static_cast<std::uint16_t>(r.U8() << 8);
      nameplate = static_cast<std::uint16_t>(nameplate | r.U8());
      ByteView sid = r.View(kSidBytes);
      ByteView ya = r.View(crypto::kPakeShareBytes);
      if (!r.AtEnd() || version != kVersion) return Refuse(RefusalReason::kMalformed);
      // An address that missed the nameplate too often hears "no such
      // invite" whatever it names, as does one past the addresses counted:
      // it cannot tell a right guess from a wrong one.
      auto source = sources_.find(from.source);
      if (source == sources_.end()) {
        if (sources_.size() >= kMaxPairingSources) {
          ++ignored_;
          return Refuse(RefusalReason::kNoInvite);
        }
        source = sources_.emplace(from.source, SourceCount{}).first;
      }
      if (source->second.misses >= kMaxNameplateMisses) {
        ++ignored_;
        return Refuse(RefusalReason::kNoInvite);
      }
      if (nameplate != code_.nameplate) {
        ++source->second.misses;
        return Refuse(RefusalReason::kNoInvite);
      }
      if (attempts_ >= kMaxPairingAttempts || source->second.attempts >= kMaxAttemptsPerSource) {
        return Refuse(RefusalReason::kBurned);
      }
      ++attempts_;  // every hello is one guess at the code; its finish may still come
      ++source->second.attempts;
      std::string password = InvitePassword(code_);
      auto pake = crypto::CPace::Start(crypto::CPace::Role::kResponder, AsBytes(password),
                                       AsBytes(kContext), sid, rng);
      auto isk = pake.Finish(ya);
      if (!isk.ok()) return Refuse(RefusalReason::kMalformed);
      Bytes transcript = Transcript(nameplate, sid, ya, pake.share());
      crypto::SecureBuffer confirm = crypto::DeriveKey(isk->span(), kKdfPurpose, kConfirmInviter);
      auto mac = crypto::Mac(confirm.span(), ConfirmMessage('A', transcript));
      in_progress_.insert_or_assign(from.connection, Attempt{std::move(isk).value(), std::move(transcript)});
      WireWriter w;
      w.U8(static_cast<std::uint8_t>(PairMessage::kReply));
      w.Raw(pake.share());
      w.Raw(mac);
      return w.Take();
    }
    case PairMessage::kFinish: {
      auto found = in_progress_.find(from.connection);
      if (found == in_progress_.end()) return Refuse(RefusalReason::kMalformed);
      // Whatever comes of it, this connection's attempt is over.
      Attempt attempt = std::move(found->second);
      in_progress_.erase(found);
      ByteView mac = r.View(kMacBytes);
      ByteView sealed = r.View(r.remaining());
      if (!r.ok()) return Refuse(RefusalReason::kMalformed);
      crypto::SecureBuffer confirm = crypto::DeriveKey(attempt.isk.span(), kKdfPurpose, kConfirmJoiner);
      if (!crypto::MacValid(confirm.span(), ConfirmMessage('B', attempt.transcript), mac)) {
        return Refuse(burned() ? RefusalReason::kBurned : RefusalReason::kWrongCode);
      }
      auto identity = OpenFrom(Subkey(attempt.isk, kChannelJoiner), sealed, attempt.transcript);
      if (!identity.ok() || identity->size() != 32) return Refuse(RefusalReason::kMalformed);
      crypto::PublicKey partner;
      std::copy(identity->begin(), identity->end(), partner.begin());
      WireWriter payload;
      payload.Raw(self_);
      payload.U8(static_cast<std::uint8_t>(sync_port_ >> 8));
      payload.U8(static_cast<std::uint8_t>(sync_port_));
      WireWriter w;
      w.U8(static_cast<std::uint8_t>(PairMessage::kWelcome));
      w.Raw(SealFor(Subkey(attempt.isk, kChannelInviter), payload.bytes(), attempt.transcript, rng));
      outcome_ = OutcomeFrom(attempt.isk, partner);
      done_ = true;
      in_progress_.clear();
      return w.Take();
    }
    default:
      return Refuse(RefusalReason::kMalformed);
  }
}

// --- Joiner -----------------------------------------------------------------

namespace {

Bytes RandomSid(crypto::RandomSource& rng) {
  Bytes sid(kSidBytes);
  rng.Fill(sid);
  return sid;
}

}  // namespace

PairingJoiner::PairingJoiner(const InviteCode& code, const crypto::PublicKey& self,
                             crypto::RandomSource& rng)
    : code_(code),
      self_(self),
      sid_(RandomSid(rng)),
      pake_(crypto::CPace::Start(crypto::CPace::Role::kInitiator, AsBytes(InvitePassword(code)),
                                 AsBytes(kContext), sid_, rng)) {
  WireWriter w;
  w.U8(static_cast<std::uint8_t>(PairMessage::kHello));
  w.U8(kVersion);
  w.U8(static_cast<std::uint8_t>(code.nameplate >> 8));
  w.U8(static_cast<std::uint8_t>(code.nameplate));
  w.Raw(sid_);
  w.Raw(pake_.share());
  hello_ = w.Take();
}

Result<Bytes> PairingJoiner::Handle(ByteView message, crypto::RandomSource& rng) {
  if (message.empty()) return MakeError(ErrorCode::kMalformed, "empty pairing message");
  WireReader r(message.subspan(1));
  switch (static_cast<PairMessage>(message[0])) {
    case PairMessage::kRefused: {
      auto reason = static_cast<RefusalReason>(r.U8());
      refusal_ = reason;
      return MakeError(ErrorCode::kFailedPrecondition, std::string(RefusalText(reason)));
    }
    case PairMessage::kReply: {
      if (isk_) return MakeError(ErrorCode::kMalformed, "unexpected second reply");
      ByteView yb = r.View(crypto::kPakeShareBytes);
      ByteView mac = r.View(kMacBytes);
      if (!r.AtEnd()) return MakeError(ErrorCode::kMalformed, "pairing reply is malformed");
      auto isk = pake_.Finish(yb);
      if (!isk.ok()) return isk.take_error();
      transcript_ = Transcript(code_.nameplate, sid_, pake_.share(), yb);
      crypto::SecureBuffer confirm_a = crypto::DeriveKey(isk->span(), kKdfPurpose, kConfirmInviter);
      if (!crypto::MacValid(confirm_a.span(), ConfirmMessage('A', transcript_), mac)) {
        return MakeError(ErrorCode::kVerificationFailed,
                         "the code is wrong: check it with your partner (one device may try a code 3 times)");
      }
      isk_ = std::move(isk).value();
      crypto::SecureBuffer confirm_b = crypto::DeriveKey(isk_->span(), kKdfPurpose, kConfirmJoiner);
      WireWriter w;
      w.U8(static_cast<std::uint8_t>(PairMessage::kFinish));
      w.Raw(crypto::Mac(confirm_b.span(), ConfirmMessage('B', transcript_)));
      w.Raw(SealFor(Subkey(*isk_, kChannelJoiner), self_, transcript_, rng));
      return w.Take();
    }
    case PairMessage::kWelcome: {
      if (!isk_) return MakeError(ErrorCode::kMalformed, "welcome before the key exchange");
      auto payload = OpenFrom(Subkey(*isk_, kChannelInviter), r.View(r.remaining()), transcript_);
      if (!payload.ok() || payload->size() != 34) {
        return MakeError(ErrorCode::kVerificationFailed, "the partner's welcome does not verify");
      }
      crypto::PublicKey partner;
      std::copy_n(payload->begin(), 32, partner.begin());
      outcome_ = OutcomeFrom(*isk_, partner);
      outcome_->partner_port = static_cast<std::uint16_t>((*payload)[32] << 8 | (*payload)[33]);
      isk_.reset();
      return Bytes{};
    }
    default:
      return MakeError(ErrorCode::kMalformed, "unexpected pairing message");
  }
}

}  // namespace kintsugi::protocol
