// Prints tests/vectors/entry_v1.json: fixed entry vectors made by the code
// from fixed inputs (identity seed, ledger key, random seed, header fields and
// body). tests/protocol/vectors_test.cc rebuilds each entry from the stored
// inputs and checks the bytes, so any change of the entry format, the seal or
// the signature shows up as a vector mismatch.
//
//   cmake --build build --target make_vectors
//   build/tests/protocol/make_vectors > tests/vectors/entry_v1.json
//
// Not a test and not installed.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/aead.h"
#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "protocol/entry.h"
#include "protocol/entry_seal.h"
#include "protocol/hlc.h"
#include "tests/vectors/vector_inputs.h"

namespace {

using namespace kintsugi;
using nlohmann::json;

using vectors::Counting;
using vectors::Filled;

struct VectorInput {
  std::string name;
  Hash32 identity_seed;
  Hash32 rng_seed;
  std::uint64_t seq;
  Hash32 prev;
  std::uint64_t hlc;
  std::vector<Hash32> parents;
  std::string body;
};

const Hash32 kLedgerId = Counting(0x40);
const Hash32 kLedgerKey = Counting(0x80);

int Fail(const std::string& what) {
  std::cerr << "make_vectors: " << what << "\n";
  return 1;
}

}  // namespace

int main() {
  auto ledger_key = crypto::SymmetricKey::FromBytes(kLedgerKey);
  if (!ledger_key.ok()) return Fail(ledger_key.error().message);

  std::vector<VectorInput> inputs;
  inputs.push_back({"seq 1, no parents", Counting(0x00), Filled(0x01), 1, Hash32{},
                    protocol::MakeHlc(1'700'000'000'000, 0), {}, R"({"kind":"member","name":"Ada"})"});
  // The second entry extends the first; its prev is filled in below.
  inputs.push_back({"seq 2, two parents", Counting(0x00), Filled(0x02), 2, Hash32{},
                    protocol::MakeHlc(1'700'000'060'000, 3), {Filled(0x11), Filled(0xa7)},
                    R"({"kind":"checkin","mood":7,"note":"We walked by the river.","trust":8})"});

  json vectors = json::array();
  Hash32 last_id{};
  for (auto& in : inputs) {
    if (in.seq > 1) in.prev = last_id;
    auto author = crypto::SigningKey::FromSeed(in.identity_seed);
    if (!author.ok()) return Fail(author.error().message);
    crypto::DeterministicRandom rng(in.rng_seed);
    protocol::EntryDraft draft;
    draft.ledger_id = kLedgerId;
    draft.seq = in.seq;
    draft.prev = in.prev;
    draft.hlc = in.hlc;
    draft.parents = in.parents;
    draft.body = in.body;
    auto sealed = protocol::SealEntry(draft, *author, *ledger_key, rng);
    if (!sealed.ok()) return Fail(sealed.error().message);
    last_id = sealed->id;

    json parents = json::array();
    for (const auto& p : in.parents) parents.push_back(ToHex(p));
    // The random values, spelled out so an implementation without libsodium's
    // deterministic generator can rebuild the vector.
    std::string wrap_ad = std::string(protocol::kWrappedKeyContext) +
                          std::string(sealed->id.begin(), sealed->id.end());
    auto entry_key = crypto::OpenKey(*ledger_key, sealed->key.nonce, sealed->key.sealed,
                                     AsBytes(wrap_ad));
    if (!entry_key.ok()) return Fail("cannot unwrap the entry key");
    vectors.push_back(json{
        {"name", in.name},
        {"inputs",
         {{"identity_seed", ToHex(in.identity_seed)},
          {"ledger_id", ToHex(kLedgerId)},
          {"ledger_key", ToHex(kLedgerKey)},
          {"rng_seed", ToHex(in.rng_seed)},
          {"seq", in.seq},
          {"prev", ToHex(in.prev)},
          {"parents", parents},
          {"hlc", in.hlc},
          {"body", in.body}}},
        {"outputs",
         {{"author", ToHex(author->public_key())},
          {"encoded", ToHex(sealed->encoded)},
          {"id", ToHex(sealed->id)},
          {"nonce", ToHex(sealed->entry.nonce)},
          {"entry_key", ToHex(entry_key->bytes())},
          {"wrap_nonce", ToHex(sealed->key.nonce)},
          {"wrapped_key", ToHex(sealed->key.Encode())},
          {"signing_message_length", protocol::SigningMessage(sealed->entry).size()}}},
    });
  }

  json doc{
      {"format", "kintsugi entry v1"},
      {"generator", "tests/vectors/make_vectors.cc"},
      {"rng", "crypto::DeterministicRandom(rng_seed), one per vector: entry nonce, entry key, "
              "wrap nonce, in that order"},
      {"vectors", vectors},
  };
  std::cout << doc.dump(2) << "\n";
  return std::cout.good() ? 0 : 1;
}
