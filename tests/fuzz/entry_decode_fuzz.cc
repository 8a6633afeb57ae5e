// Fuzzes the entry decoder (protocol/entry.h) and entry validation
// (protocol/validation.h).
//
// Properties checked on every input:
//  - Decode never crashes, whatever the bytes.
//  - Canonical encoding: when Decode accepts the bytes, Encode of the result
//    gives back exactly those bytes (so an entry has one encoding and one id).
//  - DecodeAndValidate agrees with Decode: it fails with malformed/too_large
//    exactly when Decode fails, with the matching reason.
//  - Validating against the head the entry itself claims to extend never
//    reports a chain fault, and an accepted entry has a valid signature.
// The ledger context is fixed (tests/fuzz/fuzz_fixture.h) and matches the
// checked-in seeds, so mutations of them reach the signature check.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/keys.h"
#include "fuzz_fixture.h"
#include "protocol/entry.h"
#include "protocol/validation.h"

namespace {

using namespace kintsugi;

struct Context {
  std::vector<crypto::PublicKey> members;
  protocol::LedgerContext ledger;

  Context() {
    auto seed = fuzz::FuzzAuthorSeed();
    auto author = crypto::SigningKey::FromSeed(seed);
    if (!author.ok()) __builtin_trap();
    members.push_back(author->public_key());
    ledger = protocol::LedgerContext{fuzz::FuzzLedgerId(), members};
  }
};

const Context& Fixed() {
  static const Context context;
  return context;
}

bool IsChainFault(protocol::Rejection r) {
  return r == protocol::Rejection::kSeqGap || r == protocol::Rejection::kSeqBehind ||
         r == protocol::Rejection::kPrevMismatch;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Context& ctx = Fixed();
  ByteView input(data, size);

  auto decoded = protocol::Decode(input);
  // An empty chain: only a valid seq-1 entry passes.
  auto first = protocol::DecodeAndValidate(input, ctx.ledger, protocol::ChainHead{});

  if (!decoded.ok()) {
    if (first.ok()) __builtin_trap();  // validation accepted what decoding refused
    const protocol::Rejection expected = decoded.error().code == ErrorCode::kTooLarge
                                             ? protocol::Rejection::kTooLarge
                                             : protocol::Rejection::kMalformed;
    if (first.error().reason != expected) __builtin_trap();
    return 0;
  }

  const protocol::Entry& entry = *decoded;
  // Canonical: re-encoding gives back the input byte for byte.
  Bytes reencoded = protocol::Encode(entry);
  if (reencoded.size() != size) __builtin_trap();
  for (std::size_t i = 0; i < size; ++i) {
    if (reencoded[i] != data[i]) __builtin_trap();
  }
  if (protocol::ComputeId(entry) != protocol::ComputeId(input)) __builtin_trap();
  // The header is a prefix of the encoding.
  Bytes header = protocol::EncodeHeader(entry);
  if (header.size() > size) __builtin_trap();
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] != data[i]) __builtin_trap();
  }

  if (first.ok()) {
    if (!(first.value() == entry)) __builtin_trap();
    if (entry.seq != 1 || !protocol::SignatureValid(entry)) __builtin_trap();
  } else {
    const auto r = first.error().reason;
    if (r == protocol::Rejection::kMalformed || r == protocol::Rejection::kTooLarge ||
        r == protocol::Rejection::kIdMismatch) {
      __builtin_trap();  // the bytes decode, so these cannot be the reason
    }
  }

  // Against the head the entry claims to extend, only ledger, membership and
  // signature can fail.
  protocol::ChainHead claimed{entry.seq - 1, entry.prev};
  auto extended = protocol::DecodeAndValidate(input, ctx.ledger, claimed);
  if (extended.ok()) {
    if (!protocol::SignatureValid(entry)) __builtin_trap();
  } else if (IsChainFault(extended.error().reason)) {
    __builtin_trap();
  }
  // Same verdict through ValidateNext on the decoded entry.
  auto verdict = protocol::ValidateNext(entry, ctx.ledger, claimed);
  if (verdict.ok() != extended.ok()) __builtin_trap();
  if (!verdict.ok() && verdict.error().reason != extended.error().reason) __builtin_trap();
  return 0;
}
