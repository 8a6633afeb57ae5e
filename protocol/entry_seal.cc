// docs/PROTOCOL.md, section "Sealing".
#include "protocol/entry_seal.h"

#include <algorithm>

#include "crypto/secure_buffer.h"
#include "protocol/wire.h"

namespace kintsugi::protocol {
namespace {

// ISO/IEC 7816-4 padding: 0x80 then zeros up to a multiple of kBodyPadBlock.
Bytes Pad(std::string_view body) {
  std::size_t padded = (body.size() / kBodyPadBlock + 1) * kBodyPadBlock;
  Bytes out(padded, 0);
  std::copy(body.begin(), body.end(), out.begin());
  out[body.size()] = 0x80;
  return out;
}

Result<std::string> Unpad(const Bytes& padded) {
  if (padded.empty() || padded.size() % kBodyPadBlock != 0) {
    return MakeError(ErrorCode::kMalformed, "body padding has the wrong length");
  }
  std::size_t i = padded.size();
  while (i > 0 && padded[i - 1] == 0) --i;
  if (i == 0 || padded[i - 1] != 0x80 || padded.size() - i >= kBodyPadBlock) {
    return MakeError(ErrorCode::kMalformed, "body padding is malformed");
  }
  return std::string(padded.begin(), padded.begin() + static_cast<std::ptrdiff_t>(i - 1));
}

Bytes WrapAd(const EntryId& id) {
  WireWriter w;
  w.Raw(AsBytes(std::string_view(kWrappedKeyContext)));
  w.Raw(id);
  return w.Take();
}

}  // namespace

Bytes WrappedKey::Encode() const {
  WireWriter w;
  w.Raw(nonce);
  w.Raw(sealed);
  return w.Take();
}

Result<WrappedKey> WrappedKey::Decode(ByteView bytes) {
  if (bytes.size() != kEncodedBytes) {
    return MakeError(ErrorCode::kMalformed, "wrapped key has the wrong length");
  }
  WireReader r(bytes);
  WrappedKey k;
  r.Raw(k.nonce);
  r.Raw(k.sealed);
  return k;
}

Result<SealedEntry> SealEntry(const EntryDraft& draft, const crypto::SigningKey& author,
                              const crypto::SymmetricKey& ledger_key, crypto::RandomSource& rng) {
  crypto::KeySlot slot;
  return SealEntry(draft, author, ledger_key, rng, slot);
}

Result<SealedEntry> SealEntry(const EntryDraft& draft, const crypto::SigningKey& author,
                              const crypto::SymmetricKey& ledger_key, crypto::RandomSource& rng,
                              crypto::KeySlot& slot) {
  if (draft.seq == 0 || (draft.seq == 1 && !IsZero(draft.prev))) {
    return MakeError(ErrorCode::kInvalidArgument, "seq starts at 1, and the first entry has no prev");
  }
  std::vector<EntryId> parents = draft.parents;
  std::sort(parents.begin(), parents.end());
  parents.erase(std::unique(parents.begin(), parents.end()), parents.end());
  if (parents.size() > kMaxParents) {
    return MakeError(ErrorCode::kInvalidArgument, "an entry names at most 16 parents");
  }
  Bytes padded = Pad(draft.body);
  if (padded.size() > kMaxBodyBytes) {
    return MakeError(ErrorCode::kTooLarge, "entry body is larger than " + std::to_string(kMaxBodyBytes / 1024) + " KiB");
  }
  SealedEntry out;
  Entry& e = out.entry;
  e.ledger_id = draft.ledger_id;
  e.author = author.public_key();
  e.seq = draft.seq;
  e.prev = draft.prev;
  e.hlc = draft.hlc;
  e.parents = std::move(parents);
  rng.Fill(e.nonce);
  // The header's length field must be right before it is used as associated data.
  e.sealed_body.resize(padded.size() + crypto::kAeadTagBytes);

  const crypto::SymmetricKey& entry_key = slot.Generate(rng);
  e.sealed_body = crypto::Seal(entry_key, e.nonce, padded, EncodeHeader(e));
  crypto::Wipe(padded);
  e.signature = author.Sign(SigningMessage(e));
  out.encoded = Encode(e);
  out.id = ComputeId(ByteView(out.encoded));

  rng.Fill(out.key.nonce);
  Bytes wrapped = crypto::Seal(ledger_key, out.key.nonce, entry_key.bytes(), WrapAd(out.id));
  std::copy(wrapped.begin(), wrapped.end(), out.key.sealed.begin());
  crypto::Wipe(slot.writable());  // the key lives on only wrapped
  return out;
}

Result<std::string> OpenBody(const Entry& entry, const EntryId& id, const WrappedKey& key,
                             const crypto::SymmetricKey& ledger_key) {
  auto entry_key = crypto::OpenKey(ledger_key, key.nonce, key.sealed, WrapAd(id));
  if (!entry_key.ok()) {
    return MakeError(ErrorCode::kVerificationFailed, "entry key does not open with the ledger key");
  }
  auto padded = crypto::Open(*entry_key, entry.nonce, entry.sealed_body, EncodeHeader(entry));
  if (!padded.ok()) {
    return MakeError(ErrorCode::kVerificationFailed, "entry body does not authenticate");
  }
  return Unpad(*padded);
}

Result<std::string> OpenBody(const Entry& entry, const EntryId& id, const WrappedKey& key,
                             const crypto::SymmetricKey& ledger_key, crypto::KeySlot& slot) {
  if (!crypto::OpenKeyInto(ledger_key, key.nonce, key.sealed, WrapAd(id), slot).ok()) {
    return MakeError(ErrorCode::kVerificationFailed, "entry key does not open with the ledger key");
  }
  auto padded = crypto::Open(slot.key(), entry.nonce, entry.sealed_body, EncodeHeader(entry));
  if (!padded.ok()) {
    return MakeError(ErrorCode::kVerificationFailed, "entry body does not authenticate");
  }
  return Unpad(*padded);
}

}  // namespace kintsugi::protocol
