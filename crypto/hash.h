// BLAKE2b-256 (unkeyed), used for entry ids and fingerprints; and SipHash
// (keyed), for hash tables keyed by bytes that someone else chose.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>

#include "crypto/bytes.h"

namespace kintsugi::crypto {

// BLAKE2b with a 32-byte output over `data`.
Hash32 Blake2b256(ByteView data);
// BLAKE2b-256 over the concatenation of `parts`.
Hash32 Blake2b256(std::initializer_list<ByteView> parts);

using ShortHashKey = std::array<std::uint8_t, 16>;
// A fresh random key for ShortHash.
ShortHashKey NewShortHashKey();
// SipHash-2-4 of `data` under `key` (libsodium's crypto_shorthash), as a
// little-endian integer. Under a key nobody else knows, a table keyed by
// bytes a partner chose stays fast even when they chose them to collide.
std::uint64_t ShortHash(ByteView data, const ShortHashKey& key);

}  // namespace kintsugi::crypto
