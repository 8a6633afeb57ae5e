// Checks the fixed vectors in tests/vectors/wire_v1.json (made by
// tests/vectors/make_wire_vectors.cc) the way a second implementation would:
// each refusal gives its reason, each sync frame is laid out by hand from
// docs/PROTOCOL.md's table, the pairing run is replayed from the random bytes
// the file spells out (no deterministic generator), a beacon is sealed by
// hand, and the backup file is taken apart with libsodium alone.
#include <gtest/gtest.h>
#include <sodium.h>

#include <set>
#include <nlohmann/json.hpp>
#include <string>

#include "crypto/aead.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "protocol/backup.h"
#include "protocol/beacon.h"
#include "protocol/entry.h"
#include "protocol/invite.h"
#include "protocol/pairing.h"
#include "protocol/sync.h"
#include "protocol/validation.h"
#include "tests/protocol/vector_file.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

Bytes Hex(const json& j) { return vectors::HexBytes(j); }
Hash32 Hex32(const json& j) { return vectors::HexHash(j); }

json LoadWireVectors() {
  json doc = vectors::LoadVectorFile("wire_v1.json");
  EXPECT_EQ(doc.value("format", ""), "kintsugi wire v1");
  return doc;
}

// Gives back the spelled-out random bytes, one draw per Fill, in order.
class Replay final : public crypto::RandomSource {
 public:
  explicit Replay(const json& draws) {
    for (const json& d : draws) draws_.push_back(Hex(d));
  }
  void Fill(std::span<std::uint8_t> out) override {
    ASSERT_LT(next_, draws_.size()) << "more draws than the vector spells out";
    ASSERT_EQ(out.size(), draws_[next_].size()) << "draw " << next_ << " has another size";
    std::copy(draws_[next_].begin(), draws_[next_].end(), out.begin());
    ++next_;
  }
  bool all_used() const { return next_ == draws_.size(); }

 private:
  std::vector<Bytes> draws_;
  std::size_t next_ = 0;
};

void BigEndian(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

void Append(Bytes& out, const Bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

std::uint64_t LittleEndian(const Bytes& in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | in.at(at + static_cast<std::size_t>(i));
  return v;
}

// --- Refusals ----------------------------------------------------------------

TEST(WireVectors, EachRefusedEntryGivesItsReasonAndEveryReasonHasOne) {
  const json doc = LoadWireVectors();
  const json& rejections = doc["rejections"];
  std::vector<crypto::PublicKey> members;
  for (const json& m : rejections["members"]) members.push_back(Hex32(m));
  const LedgerContext ledger{Hex32(rejections["ledger_id"]), members};
  std::set<std::string> reasons;
  for (const json& v : rejections["vectors"]) {
    SCOPED_TRACE(v["what"].get<std::string>());
    Bytes encoded = Hex(v["encoded"]);
    encoded.resize(encoded.size() + v.value("zero_bytes_after", std::size_t{0}), 0);
    const ChainHead head{v["head"]["seq"].get<std::uint64_t>(), Hex32(v["head"]["id"])};
    auto verdict = DecodeAndValidate(encoded, ledger, head);
    ASSERT_FALSE(verdict.ok());
    EXPECT_EQ(RejectionName(verdict.error().reason), v["reason"].get<std::string>()) << verdict.error().detail;
    reasons.insert(v["reason"].get<std::string>());
  }
  // id_mismatch is a stored entry's fault (its id column), found by verify,
  // not a property of the bytes: PROTOCOL.md says so.
  for (Rejection r : {Rejection::kMalformed, Rejection::kTooLarge, Rejection::kWrongLedger,
                      Rejection::kUnknownAuthor, Rejection::kBadSignature, Rejection::kSeqGap,
                      Rejection::kSeqBehind, Rejection::kPrevMismatch, Rejection::kClockOutOfRange}) {
    EXPECT_TRUE(reasons.contains(std::string(RejectionName(r)))) << RejectionName(r) << " has no vector";
  }
}

// --- Sync frames, laid out by hand from the table -----------------------------

void EntryField(Bytes& out, const json& e) {
  const Bytes entry = Hex(e["entry"]);
  BigEndian(out, entry.size(), 4);
  Append(out, entry);
  out.push_back(e["wrapped_key"].is_null() ? 0 : 1);
  if (!e["wrapped_key"].is_null()) Append(out, Hex(e["wrapped_key"]));
}

Bytes ByHand(const json& frame) {
  const std::string type = frame["type"];
  const json& f = frame["fields"];
  Bytes out;
  if (type == "hello") {
    out = {0x01, f["version"].get<std::uint8_t>()};
    Append(out, Hex(f["ledger_id"]));
    Append(out, Hex(f["index_id"]));
    out.push_back(static_cast<std::uint8_t>(f["heads"].size()));
    for (const json& h : f["heads"]) {
      Append(out, Hex(h["author"]));
      BigEndian(out, h["seq"].get<std::uint64_t>(), 8);
      Append(out, Hex(h["id"]));
    }
  } else if (type == "want") {
    out = {0x02};
    Append(out, Hex(f["author"]));
    BigEndian(out, f["after_seq"].get<std::uint64_t>(), 8);
    BigEndian(out, f["max_count"].get<std::uint64_t>(), 2);
  } else if (type == "entries") {
    out = {0x03};
    Append(out, Hex(f["author"]));
    BigEndian(out, f["entries"].size(), 4);
    for (const json& e : f["entries"]) EntryField(out, e);
    out.push_back(f["more"].get<bool>() ? 1 : 0);
  } else if (type == "push") {
    out = {0x04};
    EntryField(out, f);
  } else if (type == "sharing") {
    out = {0x05};
    BigEndian(out, f["paused_since_ms"].get<std::uint64_t>(), 8);
  }
  return out;
}

TEST(WireVectors, EachSyncFrameIsTheTablesLayoutAndDecodesAndEncodesBack) {
  const json doc = LoadWireVectors();
  std::set<std::string> types;
  for (const json& frame : doc["sync"]) {
    SCOPED_TRACE(frame["type"].get<std::string>());
    const Bytes encoded = Hex(frame["encoded"]);
    EXPECT_EQ(ToHex(ByHand(frame)), ToHex(encoded));
    auto message = DecodeSync(encoded);
    ASSERT_TRUE(message.ok()) << message.error().message;
    EXPECT_EQ(EncodeSync(*message), encoded);
    types.insert(frame["type"].get<std::string>());
  }
  EXPECT_EQ(types, (std::set<std::string>{"hello", "want", "entries", "push", "sharing"}));
}

// --- Pairing, replayed from its random bytes -----------------------------------

TEST(WireVectors, APairingRunReplaysFromItsRandomBytesToTheSameMessagesKeysAndSafetyNumber) {
  const json doc = LoadWireVectors();
  const json& p = doc["pairing"];
  auto code = ParseInviteCode(p["code"].get<std::string>());
  ASSERT_TRUE(code.ok());
  auto inviter_key = crypto::SigningKey::FromSeed(Hex(p["inviter_identity_seed"]));
  auto joiner_key = crypto::SigningKey::FromSeed(Hex(p["joiner_identity_seed"]));
  ASSERT_TRUE(inviter_key.ok() && joiner_key.ok());
  Replay inviter_rng(p["inviter_draws"]);
  Replay joiner_rng(p["joiner_draws"]);
  const std::uint64_t now = 1'700'000'000'000;
  PairingInviter inviter(*code, now + 600'000, inviter_key->public_key(),
                         p["inviter_sync_port"].get<std::uint16_t>(), inviter_rng);
  PairingJoiner joiner(*code, joiner_key->public_key(), joiner_rng);
  const PairingPeer peer{"192.0.2.7", "one"};

  // The hello as the table lays it out: type, version, nameplate, sid, Ya.
  const Bytes hello = joiner.hello();
  EXPECT_EQ(ToHex(hello), p["hello"]);
  EXPECT_EQ(ToHex(ByteView(hello).subspan(0, 4)), "010101a1");  // 417 = 0x01a1
  EXPECT_EQ(ToHex(ByteView(hello).subspan(4, 16)), p["joiner_draws"][0]);

  const Bytes reply = inviter.Handle(peer, hello, now, inviter_rng);
  EXPECT_EQ(ToHex(reply), p["reply"]);
  auto finish = joiner.Handle(reply, joiner_rng);
  ASSERT_TRUE(finish.ok()) << finish.error().message;
  EXPECT_EQ(ToHex(*finish), p["finish"]);
  const Bytes welcome = inviter.Handle(peer, *finish, now, inviter_rng);
  EXPECT_EQ(ToHex(welcome), p["welcome"]);
  auto done = joiner.Handle(welcome, joiner_rng);
  ASSERT_TRUE(done.ok() && done->empty());
  EXPECT_TRUE(inviter_rng.all_used());
  EXPECT_TRUE(joiner_rng.all_used());

  auto a = inviter.TakeOutcome();
  auto b = joiner.TakeOutcome();
  ASSERT_TRUE(a && b);
  for (const auto* outcome : {&*a, &*b}) {
    EXPECT_EQ(ToHex(outcome->ledger_id), p["ledger_id"]);
    EXPECT_EQ(ToHex(outcome->ledger_key.bytes()), p["ledger_key"]);
    EXPECT_EQ(ToHex(outcome->beacon_key.bytes()), p["beacon_key"]);
  }
  EXPECT_EQ(b->partner_port, p["inviter_sync_port"].get<std::uint16_t>());
  EXPECT_EQ(SafetyNumber(inviter_key->public_key(), joiner_key->public_key()), p["safety_number"]);
}

// --- Beacons, sealed by hand -------------------------------------------------

TEST(WireVectors, EachBeaconIsItsNonceAndTheSealOfWindowPortAndSender) {
  const json doc = LoadWireVectors();
  for (const json& v : doc["beacons"]) {
    SCOPED_TRACE(v["what"].get<std::string>());
    auto key = crypto::SymmetricKey::FromBytes(Hex(v["key"]));
    ASSERT_TRUE(key.ok());
    Bytes plain;
    BigEndian(plain, v["window"].get<std::uint64_t>(), 8);
    BigEndian(plain, v["port"].get<std::uint64_t>(), 2);
    Append(plain, Hex(v["sender"]));
    crypto::AeadNonce nonce;
    const Bytes nonce_bytes = Hex(v["nonce"]);
    ASSERT_EQ(nonce_bytes.size(), nonce.size());
    std::copy(nonce_bytes.begin(), nonce_bytes.end(), nonce.begin());
    Bytes datagram = nonce_bytes;
    Append(datagram, crypto::Seal(*key, nonce, plain, AsBytes("kintsugi beacon v1")));
    EXPECT_EQ(ToHex(datagram), v["datagram"]);
    EXPECT_EQ(v["window"].get<std::uint64_t>(), v["unix_seconds"].get<std::uint64_t>() / 300);
    auto opened = OpenBeacon(*key, datagram, v["unix_seconds"].get<std::uint64_t>());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->port, v["port"].get<std::uint16_t>());
  }
  // The invite's key is the hash of its label, and nothing else.
  const Hash32 invite_key = crypto::Blake2b256({AsBytes("kintsugi invite beacon v2")});
  EXPECT_EQ(doc["beacons"][1]["key"], ToHex(invite_key));
}

// --- A backup file, taken apart with libsodium alone ---------------------------

TEST(WireVectors, TheBackupFileIsTheTablesFrameAndOpensWithTheStreamByHand) {
  ASSERT_GE(sodium_init(), 0);
  const json doc = LoadWireVectors();
  const json& v = doc["backup"];
  const Bytes file = Hex(v["file"]);
  ASSERT_GT(file.size(), 64u + 4 + 32);
  EXPECT_EQ(std::string(file.begin(), file.begin() + 8), "KNTSBAK1");
  EXPECT_EQ(ToHex(ByteView(file).subspan(8, 16)), v["salt"]);
  EXPECT_EQ(LittleEndian(file, 24, 8), v["passes"].get<std::uint64_t>());
  EXPECT_EQ(LittleEndian(file, 32, 8), v["memory"].get<std::uint64_t>());
  // The checksum: BLAKE2b-256 of every byte before it.
  const Hash32 sum = crypto::Blake2b256({ByteView(file).first(file.size() - 32)});
  EXPECT_EQ(ToHex(sum), ToHex(ByteView(file).last(32)));

  const Bytes key = Hex(v["key"]);
  crypto_secretstream_xchacha20poly1305_state state;
  ASSERT_EQ(crypto_secretstream_xchacha20poly1305_init_pull(&state, file.data() + 40, key.data()), 0);
  std::size_t at = 64;
  std::vector<Bytes> chunks;
  unsigned char tag = 0;
  while (at < file.size() - 32) {
    const std::size_t length = LittleEndian(file, at, 4);
    at += 4;
    ASSERT_LE(at + length, file.size() - 32);
    Bytes plain(length - crypto_secretstream_xchacha20poly1305_ABYTES);
    unsigned long long plain_length = 0;
    // The first chunk authenticates the 64 bytes before it.
    const bool first = chunks.empty();
    ASSERT_EQ(crypto_secretstream_xchacha20poly1305_pull(&state, plain.data(), &plain_length, &tag, file.data() + at,
                                                         length, first ? file.data() : nullptr, first ? 64 : 0),
              0)
        << "chunk " << chunks.size();
    plain.resize(plain_length);
    chunks.push_back(plain);
    at += length;
  }
  EXPECT_EQ(tag, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
  ASSERT_EQ(chunks.size(), 2u);
  const Bytes& head = chunks[0];
  const std::string key_file = v["key_file"];
  ASSERT_EQ(head.size(), 8 + 8 + 4 + key_file.size() + 8);
  EXPECT_EQ(std::string(head.begin(), head.begin() + 8), "KNTSBAKP");
  EXPECT_EQ(LittleEndian(head, 8, 8), v["created_ms"].get<std::uint64_t>());
  EXPECT_EQ(LittleEndian(head, 16, 4), key_file.size());
  EXPECT_EQ(std::string(head.begin() + 20, head.begin() + 20 + static_cast<long>(key_file.size())), key_file);
  const std::string database = v["database"];
  EXPECT_EQ(LittleEndian(head, 20 + key_file.size(), 8), database.size());
  EXPECT_EQ(std::string(chunks[1].begin(), chunks[1].end()), database);

  // And the implementation agrees.
  auto header = ReadBackupHeader(file);
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_EQ(header->limits.ops, v["passes"].get<std::uint64_t>());
  auto sym = crypto::SymmetricKey::FromBytes(key);
  ASSERT_TRUE(sym.ok());
  auto contents = OpenBackup(file, *sym);
  ASSERT_TRUE(contents.ok()) << contents.error().message;
  EXPECT_EQ(contents->created_ms, v["created_ms"].get<std::uint64_t>());
}

}  // namespace
}  // namespace kintsugi::protocol
