// Validation of entries against the ledger they claim to extend. Every
// failure has a specific reason, so the daemon can say exactly why an entry
// was refused and `verify` can name the fault.
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "crypto/keys.h"
#include "protocol/entry.h"

namespace kintsugi::protocol {

enum class Rejection {
  kMalformed,      // the bytes do not decode
  kTooLarge,       // over a hard size limit
  kWrongLedger,    // names another ledger
  kUnknownAuthor,  // the author is not a member of this ledger
  kBadSignature,   // the signature does not verify
  kSeqGap,         // seq is beyond the author's next
  kSeqBehind,      // seq is at or below the author's head: a duplicate or a fork
  kPrevMismatch,   // prev is not the id of the author's head
  kIdMismatch,     // stored id differs from the hash of the stored bytes
  kClockOutOfRange,  // the hybrid clock's milliseconds are 0 or at least kMaxEntryMillis
};

// Entry clocks stay below 2^46 ms (the year 4199), so that every clock and
// every causal stamp built on it (a clock plus at most one per entry) fits a
// signed 64-bit integer with room to spare, on every device alike.
inline constexpr std::uint64_t kMaxEntryMillis = std::uint64_t{1} << 46;

// Stable name ("bad_signature"), used in IPC replies and logs.
std::string_view RejectionName(Rejection r);

struct EntryFault {
  Rejection reason;
  std::string detail;
};

// The newest entry of one author's chain; seq 0 means the chain is empty.
struct ChainHead {
  std::uint64_t seq = 0;
  EntryId id{};
};

struct LedgerContext {
  LedgerId ledger_id{};
  std::span<const crypto::PublicKey> members;
};

using Verdict = Result<void, EntryFault>;

// Whether ValidateNext verifies the signature, or the caller already did
// (for example on several cores at once) and found it valid.
enum class SignatureCheck { kVerify, kAlreadyVerified };

// Checks that `entry` belongs to the ledger, is signed by a member, and
// extends `head` (its author's chain head) by exactly one.
// Checks run cheapest first; the signature is checked before the chain so a
// forged entry is reported as forged.
Verdict ValidateNext(const Entry& entry, const LedgerContext& ledger, const ChainHead& head,
                     SignatureCheck check = SignatureCheck::kVerify);

// Decodes `bytes` and validates it as above, mapping decode failures to
// kMalformed / kTooLarge.
Result<Entry, EntryFault> DecodeAndValidate(ByteView bytes, const LedgerContext& ledger,
                                            const ChainHead& head);

// True when the author's signature over the entry verifies.
[[nodiscard]] bool SignatureValid(const Entry& entry);

}  // namespace kintsugi::protocol
