// Fuzzes the sync message codec (protocol/sync.h): DecodeSync on arbitrary
// frames, as received from a partner's daemon.
//
// Properties checked:
//  - nothing crashes or throws;
//  - a failure is kTooLarge or kMalformed with a non-empty message, and
//    kTooLarge for every frame over kMaxSyncFrameBytes;
//  - a frame that decodes respects the limits (hello version, at most
//    kMaxHeads heads, at most kMaxBatchEntries entries of at most
//    kMaxEntryBytes, wrapped keys of WrappedKey::kEncodedBytes) and
//    re-encodes to exactly the same bytes (the encoding is canonical).
//
// Seeds (corpus/sync/) are valid encodings of each message type, truncated and
// over-limit variants, and garbage. They are written by this file built with
// -DKINTSUGI_FUZZ_SEEDGEN, which also checks that each seed still decodes or
// fails as intended. Regenerate them after a change to the sync messages,
// from the source tree with a normal build in build/:
//   c++ -std=c++20 -DKINTSUGI_FUZZ_SEEDGEN -I. -Ibuild/generated
//       tests/fuzz/sync_fuzz.cc build/protocol/libkintsugi_protocol.a
//       build/crypto/libkintsugi_crypto.a -lsodium -o /tmp/sync_seedgen
//   /tmp/sync_seedgen tests/fuzz/corpus/sync
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <variant>
#ifdef KINTSUGI_FUZZ_SEEDGEN
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "protocol/wire.h"
#endif

#include "protocol/entry_seal.h"
#include "protocol/sync.h"

namespace {

using namespace kintsugi;
using namespace kintsugi::protocol;

bool EntryWithinLimits(const SyncEntry& e) {
  if (e.entry.size() > kMaxEntryBytes) return false;
  return !e.wrapped_key || e.wrapped_key->size() == WrappedKey::kEncodedBytes;
}

bool WithinLimits(const SyncMessage& message) {
  if (const auto* hello = std::get_if<SyncHello>(&message)) {
    return hello->version == kSyncVersion && hello->heads.size() <= kMaxHeads;
  }
  if (const auto* batch = std::get_if<SyncEntries>(&message)) {
    if (batch->entries.size() > kMaxBatchEntries) return false;
    for (const auto& e : batch->entries) {
      if (!EntryWithinLimits(e)) return false;
    }
    return true;
  }
  if (const auto* push = std::get_if<SyncPush>(&message)) return EntryWithinLimits(push->entry);
  return std::holds_alternative<SyncWant>(message) || std::holds_alternative<SyncSharing>(message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView frame(data, size);
  auto decoded = DecodeSync(frame);
  if (!decoded.ok()) {
    const ErrorCode code = decoded.error().code;
    if (code != ErrorCode::kMalformed && code != ErrorCode::kTooLarge) __builtin_trap();
    if (size > kMaxSyncFrameBytes && code != ErrorCode::kTooLarge) __builtin_trap();
    if (decoded.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (size == 0 || size > kMaxSyncFrameBytes) __builtin_trap();
  if (!WithinLimits(*decoded)) __builtin_trap();

  Bytes encoded = EncodeSync(*decoded);
  if (encoded.size() != size || !std::equal(encoded.begin(), encoded.end(), data)) __builtin_trap();
  return 0;
}

#ifdef KINTSUGI_FUZZ_SEEDGEN
// Writes the seed corpus into the directory argv[1] and checks that each seed
// still decodes (or fails with the intended code). Not part of any build.
int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];

  auto Filled = [](std::uint8_t fill) {
    Hash32 h;
    h.fill(fill);
    return h;
  };
  auto EntryBytes = [](std::size_t size, std::uint8_t seed) {
    Bytes b(size);
    for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
    return b;
  };
  auto Key = [](std::uint8_t fill) { return Bytes(WrappedKey::kEncodedBytes, fill); };
  auto Hello = [&](std::size_t heads) {
    SyncHello m;
    m.ledger_id = Filled(0x1e);
    m.index_id.fill(0x2f);
    for (std::size_t i = 0; i < heads; ++i) {
      m.heads.push_back(SyncHead{Filled(static_cast<std::uint8_t>(0x40 + i)), 1000 * (i + 1),
                                 Filled(static_cast<std::uint8_t>(0x80 + i))});
    }
    return EncodeSync(m);
  };
  auto Batch = [&](std::vector<SyncEntry> entries, bool more) {
    return EncodeSync(SyncEntries{Filled(0xc3), std::move(entries), more});
  };
  auto Cut = [](const Bytes& b, std::size_t n) { return Bytes(b.begin(), b.begin() + static_cast<long>(n)); };

  const Bytes want = EncodeSync(SyncWant{Filled(0xa7), 41, 256});
  const Bytes several = Batch({SyncEntry{EntryBytes(300, 1), Key(0x11)}, SyncEntry{EntryBytes(17, 2), std::nullopt},
                               SyncEntry{EntryBytes(0, 3), Key(0x33)}},
                              true);
  const Bytes push = EncodeSync(SyncPush{SyncEntry{EntryBytes(120, 5), Key(0x55)}});
  const Bytes paused = EncodeSync(SyncSharing{0x0000019A2B3C4D5Eull});

  Bytes old_version = Hello(1);
  old_version[1] = 2;
  Bytes more_flag_2 = several;
  more_flag_2.back() = 2;
  Bytes key_flag_2 = EncodeSync(SyncPush{SyncEntry{EntryBytes(10, 6), std::nullopt}});
  key_flag_2.back() = 2;
  Bytes push_trailing = push;
  push_trailing.push_back(0);
  WireWriter count_257;
  count_257.U8(3);
  count_257.Raw(Filled(0xc3));
  count_257.U32(static_cast<std::uint32_t>(kMaxBatchEntries + 1));
  count_257.U8(0);
  WireWriter long_entry;
  long_entry.U8(4);
  long_entry.U32(static_cast<std::uint32_t>(kMaxEntryBytes + 1));
  long_entry.Raw(EntryBytes(64, 9));

  struct Seed {
    const char* name;
    Bytes bytes;
    std::optional<ErrorCode> error;  // nullopt: decodes
  };
  const std::vector<Seed> seeds = {
      {"hello_0_heads.bin", Hello(0), std::nullopt},
      {"hello_16_heads.bin", Hello(kMaxHeads), std::nullopt},
      {"hello_17_heads.bin", Hello(kMaxHeads + 1), ErrorCode::kTooLarge},
      {"hello_version_2.bin", old_version, ErrorCode::kMalformed},
      {"want.bin", want, std::nullopt},
      {"want_truncated.bin", Cut(want, want.size() - 1), ErrorCode::kMalformed},
      {"entries_empty.bin", Batch({}, false), std::nullopt},
      {"entries_one_without_key.bin", Batch({SyncEntry{EntryBytes(64, 7), std::nullopt}}, false), std::nullopt},
      {"entries_several.bin", several, std::nullopt},
      {"entries_truncated.bin", Cut(several, 200), ErrorCode::kMalformed},
      {"entries_more_flag_2.bin", more_flag_2, ErrorCode::kMalformed},
      {"entries_count_257.bin", count_257.Take(), ErrorCode::kTooLarge},
      {"push_with_key.bin", push, std::nullopt},
      {"push_without_key.bin", EncodeSync(SyncPush{SyncEntry{EntryBytes(33, 8), std::nullopt}}), std::nullopt},
      {"push_key_flag_2.bin", key_flag_2, ErrorCode::kMalformed},
      {"push_entry_too_long.bin", long_entry.Take(), ErrorCode::kTooLarge},
      {"push_trailing_byte.bin", push_trailing, ErrorCode::kMalformed},
      {"empty.bin", Bytes{}, ErrorCode::kMalformed},
      {"sharing_paused.bin", paused, std::nullopt},
      {"sharing_resumed.bin", EncodeSync(SyncSharing{0}), std::nullopt},
      {"sharing_truncated.bin", Cut(paused, paused.size() - 1), ErrorCode::kMalformed},
      {"unknown_type.bin", Bytes{0x06, 0x00, 0x00}, ErrorCode::kMalformed},
      {"garbage.bin", Bytes{0x03, 0xff, 0xfe, 0x00, 0x01, 0x80, 0x7f, 0x10}, ErrorCode::kMalformed},
  };
  int failures = 0;
  for (const auto& seed : seeds) {
    auto decoded = DecodeSync(seed.bytes);
    bool as_intended = seed.error ? !decoded.ok() && decoded.error().code == *seed.error : decoded.ok();
    if (!as_intended) {
      std::fprintf(stderr, "seedgen: %s does not reach its intended verdict\n", seed.name);
      ++failures;
    }
    std::ofstream out(dir + "/" + seed.name, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(seed.bytes.data()), static_cast<std::streamsize>(seed.bytes.size()));
    if (!out) {
      std::fprintf(stderr, "seedgen: cannot write %s/%s\n", dir.c_str(), seed.name);
      return 2;
    }
  }
  std::printf("seedgen: wrote %zu seeds to %s, %d failed their check\n", seeds.size(), dir.c_str(), failures);
  return failures == 0 ? 0 : 1;
}
#endif  // KINTSUGI_FUZZ_SEEDGEN
