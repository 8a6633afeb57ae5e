// BLAKE2b-256 (unkeyed), used for entry ids and fingerprints.
#pragma once

#include <initializer_list>

#include "crypto/bytes.h"

namespace kintsugi::crypto {

// BLAKE2b with a 32-byte output over `data`.
Hash32 Blake2b256(ByteView data);
// BLAKE2b-256 over the concatenation of `parts`.
Hash32 Blake2b256(std::initializer_list<ByteView> parts);

}  // namespace kintsugi::crypto
