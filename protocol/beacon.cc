// docs/PROTOCOL.md, section "Discovery beacon".
#include "protocol/beacon.h"

#include <cassert>
#include <string>
#include <string_view>

#include "crypto/aead.h"
#include "protocol/wire.h"

namespace kintsugi::protocol {
namespace {

constexpr std::string_view kBeaconAd = "kintsugi beacon v1";
// window (8) || port (2) || sender (8)
constexpr std::size_t kPlaintextBytes = 8 + 2 + 8;
static_assert(kBeaconBytes == crypto::kAeadNonceBytes + kPlaintextBytes + crypto::kAeadTagBytes);

}  // namespace

Bytes SealBeacon(const crypto::SymmetricKey& key, const Beacon& beacon, std::uint64_t unix_seconds,
                 crypto::RandomSource& rng) {
  WireWriter plain;
  plain.U64(unix_seconds / kBeaconWindowSeconds);
  plain.U8(static_cast<std::uint8_t>(beacon.port >> 8));
  plain.U8(static_cast<std::uint8_t>(beacon.port));
  plain.Raw(beacon.sender);

  crypto::AeadNonce nonce;
  rng.Fill(nonce);
  WireWriter out;
  out.Raw(nonce);
  out.Raw(crypto::Seal(key, nonce, plain.bytes(), AsBytes(kBeaconAd)));
  return out.Take();
}

Result<Beacon> OpenBeacon(const crypto::SymmetricKey& key, ByteView datagram,
                          std::uint64_t unix_seconds) {
  if (datagram.size() != kBeaconBytes) {
    return MakeError(ErrorCode::kMalformed, "a beacon is " + std::to_string(kBeaconBytes) +
                                                " bytes, not " + std::to_string(datagram.size()));
  }
  WireReader in(datagram);
  crypto::AeadNonce nonce;
  in.Raw(nonce);
  auto plain = crypto::Open(key, nonce, in.View(in.remaining()), AsBytes(kBeaconAd));
  if (!plain.ok()) {
    return MakeError(ErrorCode::kVerificationFailed, "beacon was not sealed with this key");
  }

  WireReader r(*plain);
  const std::uint64_t window = r.U64();
  Beacon beacon;
  beacon.port = static_cast<std::uint16_t>(r.U8() << 8);
  beacon.port = static_cast<std::uint16_t>(beacon.port | r.U8());
  r.Raw(beacon.sender);
  assert(r.AtEnd());  // the length check above fixes the plaintext's length

  // Written without window ± 1, which would overflow at the ends of the range.
  const std::uint64_t now = unix_seconds / kBeaconWindowSeconds;
  const std::uint64_t apart = window > now ? window - now : now - window;
  if (apart > 1) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "beacon was sealed in another time window (a replay, or a clock far off)");
  }
  return beacon;
}

}  // namespace kintsugi::protocol
