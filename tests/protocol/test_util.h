// Helpers shared by the protocol tests: fixed identities, keys and entries.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "protocol/entry.h"
#include "protocol/entry_seal.h"

namespace kintsugi::protocol::fixtures {

inline Hash32 FilledHash(std::uint8_t fill) {
  Hash32 h;
  h.fill(fill);
  return h;
}

inline crypto::SigningKey IdentityFrom(std::uint8_t fill) {
  Bytes seed(crypto::kSeedBytes, fill);
  auto key = crypto::SigningKey::FromSeed(seed);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

inline crypto::SymmetricKey LedgerKeyFrom(std::uint8_t fill) {
  Bytes raw(crypto::kSymmetricKeyBytes, fill);
  auto key = crypto::SymmetricKey::FromBytes(raw);
  EXPECT_TRUE(key.ok());
  return std::move(key).value();
}

inline EntryDraft Draft(std::uint64_t seq, const EntryId& prev, std::vector<EntryId> parents = {},
                        std::string body = R"({"kind":"checkin","note":"hello"})") {
  EntryDraft d;
  d.ledger_id = FilledHash(0x1e);
  d.seq = seq;
  d.prev = prev;
  d.hlc = 0x0000018c00000000ull + seq;
  d.parents = std::move(parents);
  d.body = std::move(body);
  return d;
}

inline SealedEntry MustSeal(const EntryDraft& draft, const crypto::SigningKey& author,
                            const crypto::SymmetricKey& ledger_key, std::uint8_t rng_fill = 0x42) {
  crypto::DeterministicRandom rng(FilledHash(rng_fill));
  auto sealed = SealEntry(draft, author, ledger_key, rng);
  EXPECT_TRUE(sealed.ok()) << (sealed.ok() ? "" : sealed.error().message);
  return std::move(sealed).value();
}

}  // namespace kintsugi::protocol::fixtures
