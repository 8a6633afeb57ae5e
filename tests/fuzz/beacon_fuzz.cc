// Fuzzes discovery beacons (protocol/beacon.h): OpenBeacon on arbitrary
// datagrams, with a fixed key and a fixed receiver clock.
//
// Properties checked:
//  - nothing crashes or throws;
//  - a datagram of the wrong size is kMalformed; one of the right size that
//    fails is kVerificationFailed or kFailedPrecondition, never anything else;
//  - a beacon that opens survives the round trip SealBeacon -> OpenBeacon
//    unchanged.
//
// Seeds (corpus/beacon/) are beacons sealed with kFuzzKeyFill at kFuzzNow and
// at other windows, under another key, and of the wrong sizes.
#include <cstddef>
#include <cstdint>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "protocol/beacon.h"

namespace {

using namespace kintsugi;

// Test-only key and clock: the seeds were sealed with these.
constexpr std::uint8_t kFuzzKeyFill = 0x6b;
constexpr std::uint64_t kFuzzNow = 1'700'000'000;

const crypto::SymmetricKey& FuzzKey() {
  static const crypto::SymmetricKey key = [] {
    Bytes raw(crypto::kSymmetricKeyBytes, kFuzzKeyFill);
    auto k = crypto::SymmetricKey::FromBytes(raw);
    if (!k.ok()) __builtin_trap();
    return std::move(k).value();
  }();
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView datagram(data, size);
  auto beacon = protocol::OpenBeacon(FuzzKey(), datagram, kFuzzNow);
  if (!beacon.ok()) {
    const ErrorCode code = beacon.error().code;
    if (size != protocol::kBeaconBytes) {
      if (code != ErrorCode::kMalformed) __builtin_trap();
    } else if (code != ErrorCode::kVerificationFailed && code != ErrorCode::kFailedPrecondition) {
      __builtin_trap();
    }
    return 0;
  }
  if (size != protocol::kBeaconBytes) __builtin_trap();

  crypto::DeterministicRandom rng(Hash32{});
  Bytes sealed = protocol::SealBeacon(FuzzKey(), *beacon, kFuzzNow, rng);
  auto again = protocol::OpenBeacon(FuzzKey(), sealed, kFuzzNow);
  if (!again.ok()) __builtin_trap();
  if (again->port != beacon->port || again->sender != beacon->sender) __builtin_trap();
  return 0;
}
