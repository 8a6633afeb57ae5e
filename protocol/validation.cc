#include "protocol/validation.h"

#include <algorithm>

#include "protocol/hlc.h"

namespace kintsugi::protocol {

std::string_view RejectionName(Rejection r) {
  switch (r) {
    case Rejection::kMalformed: return "malformed";
    case Rejection::kTooLarge: return "too_large";
    case Rejection::kWrongLedger: return "wrong_ledger";
    case Rejection::kUnknownAuthor: return "unknown_author";
    case Rejection::kBadSignature: return "bad_signature";
    case Rejection::kSeqGap: return "seq_gap";
    case Rejection::kSeqBehind: return "seq_behind";
    case Rejection::kPrevMismatch: return "prev_mismatch";
    case Rejection::kIdMismatch: return "id_mismatch";
    case Rejection::kClockOutOfRange: return "clock_out_of_range";
  }
  return "malformed";
}

bool SignatureValid(const Entry& entry) {
  return crypto::VerifySignature(entry.author, SigningMessage(entry), entry.signature);
}

Verdict ValidateNext(const Entry& entry, const LedgerContext& ledger, const ChainHead& head,
                     SignatureCheck check) {
  if (entry.ledger_id != ledger.ledger_id) {
    return EntryFault{Rejection::kWrongLedger, "entry belongs to ledger " +
                                                   ToHex(entry.ledger_id).substr(0, 16)};
  }
  if (std::find(ledger.members.begin(), ledger.members.end(), entry.author) ==
      ledger.members.end()) {
    return EntryFault{Rejection::kUnknownAuthor,
                      "author " + ToHex(entry.author).substr(0, 16) + " is not a member"};
  }
  if (const std::uint64_t ms = HlcMillis(entry.hlc); ms == 0 || ms >= kMaxEntryMillis) {
    return EntryFault{Rejection::kClockOutOfRange,
                      "clock " + std::to_string(ms) + " ms is outside 1 to 2^46 ms since 1970 (the year 4199)"};
  }
  if (check == SignatureCheck::kVerify && !SignatureValid(entry)) {
    return EntryFault{Rejection::kBadSignature, "signature does not verify"};
  }
  if (entry.seq > head.seq && entry.seq - head.seq > 1) {
    return EntryFault{Rejection::kSeqGap, "seq " + std::to_string(entry.seq) + " after head " +
                                              std::to_string(head.seq)};
  }
  if (entry.seq <= head.seq) {
    return EntryFault{Rejection::kSeqBehind, "seq " + std::to_string(entry.seq) +
                                                 " is not after head " + std::to_string(head.seq)};
  }
  if (entry.prev != head.id) {
    return EntryFault{Rejection::kPrevMismatch, "prev does not name the chain's previous entry"};
  }
  return Verdict::Ok();
}

Result<Entry, EntryFault> DecodeAndValidate(ByteView bytes, const LedgerContext& ledger,
                                            const ChainHead& head) {
  auto decoded = Decode(bytes);
  if (!decoded.ok()) {
    Rejection reason = decoded.error().code == ErrorCode::kTooLarge ? Rejection::kTooLarge
                                                                    : Rejection::kMalformed;
    return EntryFault{reason, decoded.error().message};
  }
  auto verdict = ValidateNext(*decoded, ledger, head);
  if (!verdict.ok()) return verdict.take_error();
  return std::move(decoded).value();
}

}  // namespace kintsugi::protocol
