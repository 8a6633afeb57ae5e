// docs/PROTOCOL.md, section "Sync".
#include "protocol/sync.h"

#include "protocol/entry_seal.h"
#include "protocol/wire.h"

namespace kintsugi::protocol {
namespace {

enum class SyncType : std::uint8_t { kHello = 1, kWant = 2, kEntries = 3, kPush = 4, kSharing = 5 };

void WriteEntry(WireWriter& w, const SyncEntry& e) {
  w.U32(static_cast<std::uint32_t>(e.entry.size()));
  w.Raw(e.entry);
  w.U8(e.wrapped_key ? 1 : 0);
  if (e.wrapped_key) w.Raw(*e.wrapped_key);
}

Result<SyncEntry> ReadEntry(WireReader& r) {
  std::uint32_t len = r.U32();
  if (r.ok() && len > kMaxEntryBytes) return MakeError(ErrorCode::kTooLarge, "entry over the size limit");
  ByteView bytes = r.View(len);
  std::uint8_t has_key = r.U8();
  if (!r.ok()) return MakeError(ErrorCode::kMalformed, "sync entry is truncated");
  if (has_key > 1) return MakeError(ErrorCode::kMalformed, "bad key flag");
  SyncEntry e{Bytes(bytes.begin(), bytes.end()), std::nullopt};
  if (has_key == 1) {
    ByteView key = r.View(WrappedKey::kEncodedBytes);
    if (!r.ok()) return MakeError(ErrorCode::kMalformed, "wrapped key is truncated");
    e.wrapped_key = Bytes(key.begin(), key.end());
  }
  return e;
}

struct Encoder {
  WireWriter& w;
  void operator()(const SyncHello& m) {
    w.U8(static_cast<std::uint8_t>(SyncType::kHello));
    w.U8(m.version);
    w.Raw(m.ledger_id);
    w.Raw(m.index_id);
    w.U8(static_cast<std::uint8_t>(m.heads.size()));
    for (const auto& h : m.heads) {
      w.Raw(h.author);
      w.U64(h.seq);
      w.Raw(h.id);
    }
  }
  void operator()(const SyncWant& m) {
    w.U8(static_cast<std::uint8_t>(SyncType::kWant));
    w.Raw(m.author);
    w.U64(m.after_seq);
    w.U8(static_cast<std::uint8_t>(m.max_count >> 8));
    w.U8(static_cast<std::uint8_t>(m.max_count));
  }
  void operator()(const SyncEntries& m) {
    w.U8(static_cast<std::uint8_t>(SyncType::kEntries));
    w.Raw(m.author);
    w.U32(static_cast<std::uint32_t>(m.entries.size()));
    for (const auto& e : m.entries) WriteEntry(w, e);
    w.U8(m.more ? 1 : 0);
  }
  void operator()(const SyncPush& m) {
    w.U8(static_cast<std::uint8_t>(SyncType::kPush));
    WriteEntry(w, m.entry);
  }
  void operator()(const SyncSharing& m) {
    w.U8(static_cast<std::uint8_t>(SyncType::kSharing));
    w.U64(m.paused_since_ms);
  }
};

Result<SyncMessage> Finish(WireReader& r, SyncMessage message) {
  if (!r.ok()) return MakeError(ErrorCode::kMalformed, "sync message is truncated");
  if (!r.AtEnd()) return MakeError(ErrorCode::kMalformed, "trailing bytes after sync message");
  return message;
}

}  // namespace

Bytes EncodeSync(const SyncMessage& message) {
  WireWriter w;
  std::visit(Encoder{w}, message);
  return w.Take();
}

Result<SyncMessage> DecodeSync(ByteView frame) {
  if (frame.size() > kMaxSyncFrameBytes) return MakeError(ErrorCode::kTooLarge, "sync frame too large");
  if (frame.empty()) return MakeError(ErrorCode::kMalformed, "empty sync frame");
  WireReader r(frame.subspan(1));
  switch (static_cast<SyncType>(frame[0])) {
    case SyncType::kHello: {
      SyncHello m;
      m.version = r.U8();
      if (r.ok() && m.version != kSyncVersion) {
        return MakeError(ErrorCode::kMalformed, "unsupported sync version " + std::to_string(m.version));
      }
      r.Raw(m.ledger_id);
      r.Raw(m.index_id);
      std::size_t count = r.U8();
      if (count > kMaxHeads) return MakeError(ErrorCode::kTooLarge, "too many heads");
      m.heads.resize(r.ok() ? count : 0);
      for (auto& h : m.heads) {
        r.Raw(h.author);
        h.seq = r.U64();
        r.Raw(h.id);
      }
      return Finish(r, std::move(m));
    }
    case SyncType::kWant: {
      SyncWant m;
      r.Raw(m.author);
      m.after_seq = r.U64();
      m.max_count = static_cast<std::uint16_t>(r.U8() << 8);
      m.max_count = static_cast<std::uint16_t>(m.max_count | r.U8());
      return Finish(r, m);
    }
    case SyncType::kEntries: {
      SyncEntries m;
      r.Raw(m.author);
      std::uint32_t count = r.U32();
      if (r.ok() && count > kMaxBatchEntries) return MakeError(ErrorCode::kTooLarge, "batch too large");
      for (std::uint32_t i = 0; r.ok() && i < count; ++i) {
        auto e = ReadEntry(r);
        if (!e.ok()) return e.take_error();
        m.entries.push_back(std::move(e).value());
      }
      std::uint8_t more = r.U8();
      if (r.ok() && more > 1) return MakeError(ErrorCode::kMalformed, "bad more flag");
      m.more = more == 1;
      return Finish(r, std::move(m));
    }
    case SyncType::kPush: {
      auto e = ReadEntry(r);
      if (!e.ok()) return e.take_error();
      return Finish(r, SyncPush{std::move(e).value()});
    }
    case SyncType::kSharing: {
      SyncSharing m;
      m.paused_since_ms = r.U64();
      return Finish(r, m);
    }
  }
  return MakeError(ErrorCode::kMalformed, "unknown sync message type " + std::to_string(frame[0]));
}

}  // namespace kintsugi::protocol
