// One-time libsodium initialisation. Every crypto entry point calls
// EnsureSodium(); it is cheap after the first call and thread-safe.
#pragma once

namespace kintsugi::crypto {

// Aborts if libsodium cannot initialise (no usable randomness source).
void EnsureSodium();

}  // namespace kintsugi::crypto
