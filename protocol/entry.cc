// Encoding of docs/PROTOCOL.md, section "Entry".
#include "protocol/entry.h"

#include <cassert>
#include <string_view>

#include "crypto/hash.h"
#include "protocol/wire.h"

namespace kintsugi::protocol {
namespace {

void WriteHeader(WireWriter& w, const Entry& e) {
  // Entries come from SealEntry or Decode, which both enforce these.
  assert(e.parents.size() <= kMaxParents);
  assert(e.sealed_body.size() <= kMaxSealedBodyBytes);
  w.U8(e.version);
  w.Raw(e.ledger_id);
  w.Raw(e.author);
  w.U64(e.seq);
  w.Raw(e.prev);
  w.U64(e.hlc);
  w.U8(static_cast<std::uint8_t>(e.parents.size()));
  for (const auto& p : e.parents) w.Raw(p);
  w.Raw(e.nonce);
  w.U32(static_cast<std::uint32_t>(e.sealed_body.size()));
}

}  // namespace

Bytes EncodeHeader(const Entry& entry) {
  WireWriter w;
  WriteHeader(w, entry);
  return w.Take();
}

Bytes SigningMessage(const Entry& entry) {
  WireWriter w;
  w.Raw(AsBytes(std::string_view(kEntrySignatureContext)));
  WriteHeader(w, entry);
  w.Raw(entry.sealed_body);
  return w.Take();
}

Bytes Encode(const Entry& entry) {
  WireWriter w;
  w.bytes().reserve(kEntryFixedBytes + 32 * entry.parents.size() + entry.sealed_body.size());
  WriteHeader(w, entry);
  w.Raw(entry.sealed_body);
  w.Raw(entry.signature);
  return w.Take();
}

EntryId ComputeId(const Entry& entry) { return ComputeId(Encode(entry)); }

EntryId ComputeId(ByteView encoded) { return crypto::Blake2b256(encoded); }

Result<Entry> Decode(ByteView bytes) {
  if (bytes.size() > kMaxEntryBytes) {
    return MakeError(ErrorCode::kTooLarge, "entry is larger than " +
                                               std::to_string(kMaxEntryBytes) + " bytes");
  }
  WireReader r(bytes);
  Entry e;
  e.version = r.U8();
  if (r.ok() && e.version != kEntryVersion) {
    return MakeError(ErrorCode::kMalformed,
                     "unsupported entry version " + std::to_string(e.version));
  }
  r.Raw(e.ledger_id);
  r.Raw(e.author);
  e.seq = r.U64();
  r.Raw(e.prev);
  e.hlc = r.U64();
  std::size_t parent_count = r.U8();
  if (r.ok() && parent_count > kMaxParents) {
    return MakeError(ErrorCode::kTooLarge, "entry names more than 16 parents");
  }
  e.parents.resize(r.ok() ? parent_count : 0);
  for (auto& p : e.parents) r.Raw(p);
  r.Raw(e.nonce);
  std::uint32_t body_len = r.U32();
  if (r.ok() && body_len > kMaxSealedBodyBytes) {
    return MakeError(ErrorCode::kTooLarge, "sealed body is larger than the limit");
  }
  ByteView body = r.View(body_len);
  r.Raw(e.signature);
  if (!r.ok()) return MakeError(ErrorCode::kMalformed, "entry is truncated");
  if (!r.AtEnd()) return MakeError(ErrorCode::kMalformed, "trailing bytes after entry");
  if (body_len < crypto::kAeadTagBytes) {
    return MakeError(ErrorCode::kMalformed, "sealed body is shorter than its tag");
  }
  e.sealed_body.assign(body.begin(), body.end());
  if (e.seq == 0) return MakeError(ErrorCode::kMalformed, "entry seq is 0");
  if (e.seq == 1 && !IsZero(e.prev)) {
    return MakeError(ErrorCode::kMalformed, "first entry of a chain names a previous entry");
  }
  for (std::size_t i = 1; i < e.parents.size(); ++i) {
    if (!(e.parents[i - 1] < e.parents[i])) {
      return MakeError(ErrorCode::kMalformed, "parents are not strictly ascending");
    }
  }
  return e;
}

}  // namespace kintsugi::protocol
