#include "crypto/sodium_init.h"

#include <sodium.h>

#include <cstdlib>

namespace kintsugi::crypto {

void EnsureSodium() {
  static const bool ready = [] { return sodium_init() >= 0; }();
  if (!ready) std::abort();
}

}  // namespace kintsugi::crypto
