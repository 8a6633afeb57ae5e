// Checks the fixed entry vectors in tests/vectors/entry_v1.json (made by
// tests/vectors/make_vectors.cc). A change of the entry format, the seal or
// the signature must change these vectors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "crypto/random.h"
#include "protocol/entry.h"
#include "protocol/entry_seal.h"
#include "protocol/validation.h"
#include "tests/protocol/vector_file.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

using vectors::HexBytes;
using vectors::HexHash;

json LoadVectors() { return vectors::LoadVectorFile("entry_v1.json"); }

class Vectors : public ::testing::Test {
 protected:
  void SetUp() override {
    doc_ = LoadVectors();
    ASSERT_TRUE(doc_.is_object());
    ASSERT_EQ(doc_.value("format", ""), "kintsugi entry v1");
    ASSERT_TRUE(doc_.contains("vectors"));
    ASSERT_TRUE(doc_["vectors"].is_array());
  }
  const json& vectors() const { return doc_["vectors"]; }
  json doc_;
};

TEST_F(Vectors, FileHoldsAFirstEntryAndAnEntryWithTwoParents) {
  bool saw_first = false;
  bool saw_two_parents = false;
  for (const json& v : vectors()) {
    const json& in = v["inputs"];
    if (in["seq"] == 1 && in["parents"].empty()) saw_first = true;
    if (in["seq"] == 2 && in["parents"].size() == 2) saw_two_parents = true;
  }
  EXPECT_TRUE(saw_first);
  EXPECT_TRUE(saw_two_parents);
}

TEST_F(Vectors, RebuildingFromTheInputsGivesTheSameBytes) {
  for (const json& v : vectors()) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const json& in = v["inputs"];
    const json& out = v["outputs"];
    auto author = crypto::SigningKey::FromSeed(HexBytes(in["identity_seed"]));
    ASSERT_TRUE(author.ok());
    auto ledger_key = crypto::SymmetricKey::FromBytes(HexBytes(in["ledger_key"]));
    ASSERT_TRUE(ledger_key.ok());
    crypto::DeterministicRandom rng(HexHash(in["rng_seed"]));
    EntryDraft draft;
    draft.ledger_id = HexHash(in["ledger_id"]);
    draft.seq = in["seq"].get<std::uint64_t>();
    draft.prev = HexHash(in["prev"]);
    draft.hlc = in["hlc"].get<std::uint64_t>();
    for (const json& p : in["parents"]) draft.parents.push_back(HexHash(p));
    draft.body = in["body"].get<std::string>();

    auto sealed = SealEntry(draft, *author, *ledger_key, rng);
    ASSERT_TRUE(sealed.ok()) << sealed.error().message;
    EXPECT_EQ(ToHex(author->public_key()), out["author"]);
    EXPECT_EQ(ToHex(sealed->encoded), out["encoded"]);
    EXPECT_EQ(ToHex(sealed->id), out["id"]);
    EXPECT_EQ(ToHex(sealed->key.Encode()), out["wrapped_key"]);
    EXPECT_EQ(SigningMessage(sealed->entry).size(), out["signing_message_length"].get<std::size_t>());
  }
}

TEST_F(Vectors, StoredEncodingDecodesVerifiesAndOpens) {
  for (const json& v : vectors()) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const json& in = v["inputs"];
    const json& out = v["outputs"];
    Bytes encoded = HexBytes(out["encoded"]);
    auto entry = Decode(encoded);
    ASSERT_TRUE(entry.ok()) << entry.error().message;

    EXPECT_EQ(Encode(*entry), encoded);
    EXPECT_EQ(ToHex(ComputeId(ByteView(encoded))), out["id"]);
    EXPECT_EQ(ToHex(entry->author), out["author"]);
    EXPECT_EQ(ToHex(entry->ledger_id), in["ledger_id"]);
    EXPECT_EQ(entry->seq, in["seq"].get<std::uint64_t>());
    EXPECT_EQ(ToHex(entry->prev), in["prev"]);
    EXPECT_EQ(entry->hlc, in["hlc"].get<std::uint64_t>());
    ASSERT_EQ(entry->parents.size(), in["parents"].size());
    for (std::size_t i = 0; i < entry->parents.size(); ++i) {
      EXPECT_EQ(ToHex(entry->parents[i]), in["parents"][i]);
    }
    EXPECT_EQ(SigningMessage(*entry).size(), out["signing_message_length"].get<std::size_t>());
    EXPECT_TRUE(SignatureValid(*entry));

    auto key = WrappedKey::Decode(HexBytes(out["wrapped_key"]));
    ASSERT_TRUE(key.ok()) << key.error().message;
    auto ledger_key = crypto::SymmetricKey::FromBytes(HexBytes(in["ledger_key"]));
    ASSERT_TRUE(ledger_key.ok());
    auto body = OpenBody(*entry, HexHash(out["id"]), *key, *ledger_key);
    ASSERT_TRUE(body.ok()) << body.error().message;
    EXPECT_EQ(*body, in["body"].get<std::string>());
  }
}

TEST_F(Vectors, EntriesFormAChainThatValidates) {
  // Each vector extends the one before it (same author, same ledger).
  ChainHead head;
  std::vector<crypto::PublicKey> members;
  LedgerContext ledger;
  for (const json& v : vectors()) {
    SCOPED_TRACE(v["name"].get<std::string>());
    Bytes encoded = HexBytes(v["outputs"]["encoded"]);
    if (members.empty()) {
      members.push_back(HexHash(v["outputs"]["author"]));
      ledger.ledger_id = HexHash(v["inputs"]["ledger_id"]);
      ledger.members = members;
    }
    auto entry = DecodeAndValidate(encoded, ledger, head);
    ASSERT_TRUE(entry.ok()) << RejectionName(entry.error().reason) << ": " << entry.error().detail;
    head = ChainHead{entry->seq, ComputeId(ByteView(encoded))};
  }
  EXPECT_EQ(head.seq, vectors().size());
}

TEST_F(Vectors, AFlippedBitInAnyStoredEncodingIsCaught) {
  for (const json& v : vectors()) {
    SCOPED_TRACE(v["name"].get<std::string>());
    Bytes encoded = HexBytes(v["outputs"]["encoded"]);
    for (std::size_t i = 0; i < encoded.size(); ++i) {
      Bytes tampered = encoded;
      tampered[i] ^= 0x01;
      auto entry = Decode(tampered);
      // Either it no longer decodes, or its signature no longer verifies.
      EXPECT_TRUE(!entry.ok() || !SignatureValid(*entry)) << "byte " << i;
    }
  }
}

}  // namespace
}  // namespace kintsugi::protocol

namespace kintsugi::protocol {
namespace {

// An implementation without libsodium's deterministic generator rebuilds the
// seal from the random values the file spells out: nonce, entry key and wrap
// nonce, following docs/PROTOCOL.md "Sealing" step by step.
TEST(VectorsSpelledOut, RandomValuesRebuildTheSealWithoutTheGenerator) {
  json doc = LoadVectors();
  ASSERT_TRUE(doc.contains("vectors"));
  for (const json& v : doc["vectors"]) {
    SCOPED_TRACE(v["name"].get<std::string>());
    const json& in = v["inputs"];
    const json& out = v["outputs"];
    auto entry = Decode(HexBytes(out["encoded"]));
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(ToHex(entry->nonce), out["nonce"]);

    // Step 2: 0x80 then zeros to a multiple of 64.
    std::string body = in["body"].get<std::string>();
    Bytes padded(body.begin(), body.end());
    padded.push_back(0x80);
    while (padded.size() % 64 != 0) padded.push_back(0);
    // Step 4: the body sealed under the entry key with the header as AD.
    auto entry_key = crypto::SymmetricKey::FromBytes(HexBytes(out["entry_key"]));
    ASSERT_TRUE(entry_key.ok());
    EXPECT_EQ(crypto::Seal(*entry_key, entry->nonce, padded, EncodeHeader(*entry)),
              entry->sealed_body);
    // Step 6: the entry key sealed under the ledger key, bound to the id.
    auto ledger_key = crypto::SymmetricKey::FromBytes(HexBytes(in["ledger_key"]));
    ASSERT_TRUE(ledger_key.ok());
    auto wrap_nonce = HexBytes(out["wrap_nonce"]);
    ASSERT_EQ(wrap_nonce.size(), crypto::kAeadNonceBytes);
    crypto::AeadNonce nonce;
    std::copy(wrap_nonce.begin(), wrap_nonce.end(), nonce.begin());
    Bytes ad(kWrappedKeyContext, kWrappedKeyContext + 15);
    Bytes id = HexBytes(out["id"]);
    ad.insert(ad.end(), id.begin(), id.end());
    Bytes wrapped = wrap_nonce;
    Bytes sealed_key = crypto::Seal(*ledger_key, nonce, entry_key->bytes(), ad);
    wrapped.insert(wrapped.end(), sealed_key.begin(), sealed_key.end());
    EXPECT_EQ(ToHex(wrapped), out["wrapped_key"]);
  }
}

}  // namespace
}  // namespace kintsugi::protocol
