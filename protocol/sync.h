// Sync messages between the partners' daemons (docs/PROTOCOL.md, "Sync").
// One frame per message over the CURVE-encrypted ZeroMQ link; the first byte
// is the type. Every message type is declared here once, with its codec.
//
//   hello    ledger, index id, the sender's chain heads    (sent by both on connect)
//   want     author, after seq, max count                  ("send me what follows")
//   entries  author, up to kMaxBatchEntries entries, more? (the answer to one want)
//   push     one new entry, live
//   sharing  whether the sender shares right now: 0, or since when it paused
//
// Flow control is by pulling: a daemon sends entries only in answer to a
// want, one batch per want, so a slow partner never makes it buffer more than
// one batch. Entries travel with their wrapped keys (absent once withdrawn).
//
// Pure: no I/O. Decoders check every length and refuse trailing bytes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "base/result.h"
#include "protocol/entry.h"

namespace kintsugi::protocol {

inline constexpr std::uint8_t kSyncVersion = 1;
inline constexpr std::size_t kMaxHeads = 16;
inline constexpr std::size_t kMaxBatchEntries = 256;
inline constexpr std::size_t kMaxBatchBytes = 1024 * 1024;
// The largest frame a decoder accepts (a full batch and its overheads).
inline constexpr std::size_t kMaxSyncFrameBytes = kMaxBatchBytes + kMaxEntryBytes + 4096;

using IndexId = std::array<std::uint8_t, 16>;

struct SyncHead {
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
  EntryId id{};
  bool operator==(const SyncHead&) const = default;
};

struct SyncEntry {
  Bytes entry;                     // canonical encoding
  std::optional<Bytes> wrapped_key;  // kEncodedBytes when present
  bool operator==(const SyncEntry&) const = default;
};

struct SyncHello {
  std::uint8_t version = kSyncVersion;
  LedgerId ledger_id{};
  IndexId index_id{};  // random per database; changes when it is reset or restored
  std::vector<SyncHead> heads;
  bool operator==(const SyncHello&) const = default;
};

struct SyncWant {
  crypto::PublicKey author{};
  std::uint64_t after_seq = 0;
  std::uint16_t max_count = 0;
  bool operator==(const SyncWant&) const = default;
};

struct SyncEntries {
  crypto::PublicKey author{};
  std::vector<SyncEntry> entries;  // consecutive seqs of `author`, ascending
  bool more = false;               // the sender has entries after these
  bool operator==(const SyncEntries&) const = default;
};

struct SyncPush {
  SyncEntry entry;
  bool operator==(const SyncPush&) const = default;
};

// The sender's sharing state. A device that paused sharing sends this
// instead of hello and exchanges no entries until it resumes; it never says
// why (docs/PROTOCOL.md, "Pause and leave").
struct SyncSharing {
  std::uint64_t paused_since_ms = 0;  // 0: sharing
  bool operator==(const SyncSharing&) const = default;
};

using SyncMessage = std::variant<SyncHello, SyncWant, SyncEntries, SyncPush, SyncSharing>;

Bytes EncodeSync(const SyncMessage& message);

// Fails with kTooLarge over kMaxSyncFrameBytes or a count over its limit, and
// kMalformed for an unknown type, a truncated frame, trailing bytes, or an
// entry or wrapped key of an impossible size. Entries are not decoded or
// verified here: the engine verifies each one before it stores it.
Result<SyncMessage> DecodeSync(ByteView frame);

}  // namespace kintsugi::protocol
