// Prints tests/vectors/wire_v1.json: fixed vectors for everything a second
// implementation must get byte for byte besides the entry itself (made by
// make_vectors.cc): an entry refused for each reason, a sync frame of each
// type, a whole pairing run with its keys and safety number, a discovery
// beacon, and a small backup file. Every random value is spelled out in the
// order it was drawn, so tests/protocol/wire_vectors_test.cc (and anyone
// else) rebuilds each one without libsodium's deterministic generator.
//
//   cmake --build build --target make_wire_vectors
//   build/tests/protocol/make_wire_vectors > tests/vectors/wire_v1.json
//
// Not a test and not installed.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "crypto/secure_buffer.h"
#include "protocol/backup.h"
#include "protocol/beacon.h"
#include "protocol/entry.h"
#include "protocol/entry_seal.h"
#include "protocol/hlc.h"
#include "tests/vectors/vector_inputs.h"
#include "protocol/invite.h"
#include "protocol/pairing.h"
#include "protocol/sync.h"
#include "protocol/validation.h"

namespace {

using namespace kintsugi;
using nlohmann::json;

using vectors::Counting;
using vectors::Filled;

// A deterministic source that remembers what it gave, draw by draw.
class Recording final : public crypto::RandomSource {
 public:
  explicit Recording(const Hash32& seed) : inner_(seed) {}
  void Fill(std::span<std::uint8_t> out) override {
    inner_.Fill(out);
    draws_.push_back(ToHex(ByteView(out.data(), out.size())));
  }
  json draws() const { return draws_; }

 private:
  crypto::DeterministicRandom inner_;
  std::vector<std::string> draws_;
};

[[noreturn]] void Fail(const std::string& what) {
  std::cerr << "make_wire_vectors: " << what << "\n";
  std::exit(1);
}

template <typename T>
T Must(Result<T> r, const char* what) {
  if (!r.ok()) Fail(std::string(what) + ": " + r.error().message);
  return std::move(r).value();
}

const Hash32 kLedgerId = Counting(0x40);
const Hash32 kOtherLedgerId = Counting(0x60);
const Hash32 kLedgerKey = Counting(0x80);
const std::uint64_t kHlc = protocol::MakeHlc(1'700'000'000'000, 0);

protocol::SealedEntry Seal(const crypto::SigningKey& author, std::uint64_t seq, const Hash32& prev,
                           std::uint64_t hlc, const Hash32& ledger_id, std::uint8_t rng_fill) {
  auto key = Must(crypto::SymmetricKey::FromBytes(kLedgerKey), "ledger key");
  crypto::DeterministicRandom rng(Filled(rng_fill));
  protocol::EntryDraft draft;
  draft.ledger_id = ledger_id;
  draft.seq = seq;
  draft.prev = prev;
  draft.hlc = hlc;
  draft.body = R"({"kind":"checkin","note":"a vector"})";
  return Must(protocol::SealEntry(draft, author, key, rng), "seal");
}

// The entry with one header field changed and signed again by `author`.
Bytes Resigned(protocol::Entry entry, const crypto::SigningKey& author) {
  entry.signature = author.Sign(protocol::SigningMessage(entry));
  return protocol::Encode(entry);
}

json Rejections(const crypto::SigningKey& ada, const crypto::SigningKey& stranger) {
  const auto first = Seal(ada, 1, Hash32{}, kHlc, kLedgerId, 0x01);
  const auto second = Seal(ada, 2, first.id, kHlc + 1, kLedgerId, 0x02);
  const json members = json::array({ToHex(ada.public_key())});
  const json empty_head{{"seq", 0}, {"id", ToHex(Hash32{})}};
  const json after_first{{"seq", 1}, {"id", ToHex(first.id)}};
  auto Vector = [&](const char* reason, const char* what, const Bytes& encoded, const json& head) {
    return json{{"reason", reason}, {"what", what}, {"encoded", ToHex(encoded)}, {"head", head}};
  };
  json out = json::array();
  out.push_back(Vector("malformed", "the first entry cut after 100 bytes",
                       Bytes(first.encoded.begin(), first.encoded.begin() + 100), empty_head));
  Bytes big = first.encoded;
  big.resize(protocol::kMaxEntryBytes + 1, 0);
  json too_large = Vector("too_large", "the first entry followed by zero bytes, one byte over the limit",
                          first.encoded, empty_head);
  too_large["zero_bytes_after"] = big.size() - first.encoded.size();
  out.push_back(too_large);
  out.push_back(Vector("wrong_ledger", "a first entry of another ledger (id 6061...7f)",
                       Seal(ada, 1, Hash32{}, kHlc, kOtherLedgerId, 0x03).encoded, empty_head));
  out.push_back(Vector("unknown_author", "a first entry signed by an identity that is not a member",
                       Seal(stranger, 1, Hash32{}, kHlc, kLedgerId, 0x04).encoded, empty_head));
  Bytes forged = first.encoded;
  forged.back() ^= 0x01;
  out.push_back(Vector("bad_signature", "the first entry with the last bit of its signature flipped", forged,
                       empty_head));
  out.push_back(Vector("seq_gap", "the second entry, while the author's chain is empty", second.encoded,
                       empty_head));
  out.push_back(Vector("seq_behind", "the first entry again, after it", first.encoded, after_first));
  protocol::Entry wrong_prev = second.entry;
  wrong_prev.prev = Filled(0xee);
  out.push_back(Vector("prev_mismatch", "the second entry with prev = ee..ee, signed again", Resigned(wrong_prev, ada),
                       after_first));
  protocol::Entry late = first.entry;
  late.hlc = protocol::kMaxEntryMillis << 16;
  out.push_back(Vector("clock_out_of_range", "the first entry with its clock at 2^46 ms, signed again",
                       Resigned(late, ada), empty_head));
  protocol::Entry zero = first.entry;
  zero.hlc = 5;  // 0 ms and a counter of 5
  out.push_back(Vector("clock_out_of_range", "the first entry with its clock at 0 ms (counter 5), signed again",
                       Resigned(zero, ada), empty_head));
  return json{{"ledger_id", ToHex(kLedgerId)}, {"members", members}, {"vectors", out}};
}

json SyncFrames(const protocol::SealedEntry& entry, const crypto::PublicKey& author) {
  const Bytes wrapped = entry.key.Encode();
  json out = json::array();
  auto Frame = [&](const char* type, json fields, const protocol::SyncMessage& message) {
    out.push_back(json{{"type", type}, {"fields", std::move(fields)}, {"encoded", ToHex(protocol::EncodeSync(message))}});
  };
  protocol::IndexId index{};
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = static_cast<std::uint8_t>(0xc0 + i);
  protocol::SyncHello hello{protocol::kSyncVersion, kLedgerId, index, {{author, 1, entry.id}}};
  Frame("hello",
        {{"version", 1}, {"ledger_id", ToHex(kLedgerId)}, {"index_id", ToHex(ByteView(index.data(), index.size()))},
         {"heads", json::array({{{"author", ToHex(author)}, {"seq", 1}, {"id", ToHex(entry.id)}}})}},
        hello);
  Frame("want", {{"author", ToHex(author)}, {"after_seq", 0}, {"max_count", 256}},
        protocol::SyncWant{author, 0, 256});
  protocol::SyncEntries batch{author, {{entry.encoded, wrapped}, {entry.encoded, std::nullopt}}, true};
  Frame("entries",
        {{"author", ToHex(author)},
         {"entries", json::array({{{"entry", ToHex(entry.encoded)}, {"wrapped_key", ToHex(wrapped)}},
                                  {{"entry", ToHex(entry.encoded)}, {"wrapped_key", nullptr}}})},
         {"more", true}},
        batch);
  Frame("push", {{"entry", ToHex(entry.encoded)}, {"wrapped_key", ToHex(wrapped)}},
        protocol::SyncPush{{entry.encoded, wrapped}});
  Frame("sharing", {{"paused_since_ms", 1'700'000'123'456}}, protocol::SyncSharing{1'700'000'123'456});
  Frame("sharing", {{"paused_since_ms", 0}}, protocol::SyncSharing{0});
  return out;
}

json Pairing() {
  const auto inviter_key = Must(crypto::SigningKey::FromSeed(Counting(0x00)), "inviter");
  const auto joiner_key = Must(crypto::SigningKey::FromSeed(Counting(0x20)), "joiner");
  const protocol::InviteCode code{417, {10, 20, 30}};
  const std::uint64_t now = 1'700'000'000'000;
  Recording inviter_rng(Filled(0x11));
  Recording joiner_rng(Filled(0x22));
  protocol::PairingInviter inviter(code, now + 600'000, inviter_key.public_key(), 47474, inviter_rng);
  protocol::PairingJoiner joiner(code, joiner_key.public_key(), joiner_rng);
  const protocol::PairingPeer peer{"192.0.2.7", "one"};
  const Bytes hello = joiner.hello();
  const Bytes reply = inviter.Handle(peer, hello, now, inviter_rng);
  const Bytes finish = Must(joiner.Handle(reply, joiner_rng), "finish");
  const Bytes welcome = inviter.Handle(peer, finish, now, inviter_rng);
  if (!Must(joiner.Handle(welcome, joiner_rng), "welcome").empty()) Fail("the joiner wanted more");
  auto outcome = inviter.TakeOutcome();
  if (!outcome) Fail("no outcome");
  return json{
      {"code", protocol::FormatInviteCode(code)},
      {"password", "417-" + std::string(protocol::InviteWordList()[10]) + "-" +
                       std::string(protocol::InviteWordList()[20]) + "-" + std::string(protocol::InviteWordList()[30])},
      {"inviter_identity_seed", ToHex(Counting(0x00))},
      {"joiner_identity_seed", ToHex(Counting(0x20))},
      {"inviter_sync_port", 47474},
      {"inviter_draws", inviter_rng.draws()},
      {"joiner_draws", joiner_rng.draws()},
      {"draws_are", "each side's random bytes in the order it asked for them: the inviter's beacon tag "
                    "(8), its CPace scalar (64 bytes, made a scalar by crypto_core_ristretto255_scalar_reduce), "
                    "the welcome's nonce (24); the joiner's sid (16), its CPace scalar (64, the same way), the "
                    "finish's nonce (24)"},
      {"hello", ToHex(hello)},
      {"reply", ToHex(reply)},
      {"finish", ToHex(finish)},
      {"welcome", ToHex(welcome)},
      {"ledger_id", ToHex(outcome->ledger_id)},
      {"ledger_key", ToHex(outcome->ledger_key.bytes())},
      {"beacon_key", ToHex(outcome->beacon_key.bytes())},
      {"safety_number", protocol::SafetyNumber(inviter_key.public_key(), joiner_key.public_key())},
  };
}

json Beacons() {
  json out = json::array();
  auto Vector = [&](const char* what, const crypto::SymmetricKey& key, std::uint16_t port,
                    const std::array<std::uint8_t, 8>& sender, std::uint8_t fill) {
    const std::uint64_t unix_seconds = 1'700'000'123;
    Recording rng(Filled(fill));
    const Bytes datagram = protocol::SealBeacon(key, {port, sender}, unix_seconds, rng);
    out.push_back(json{{"what", what},
                       {"key", ToHex(key.bytes())},
                       {"unix_seconds", unix_seconds},
                       {"window", unix_seconds / protocol::kBeaconWindowSeconds},
                       {"port", port},
                       {"sender", ToHex(ByteView(sender.data(), sender.size()))},
                       {"nonce", rng.draws()[0]},
                       {"datagram", ToHex(datagram)}});
  };
  auto couple = Must(crypto::SymmetricKey::FromBytes(Counting(0xa0)), "beacon key");
  Vector("a paired device's beacon (the couple's key k7)", couple, 47474, {3, 161, 7, 191, 243, 206, 16, 190}, 0x31);
  Vector("an invite's beacon (the public invite key)", protocol::InviteBeaconKey(), 47475,
         {0x5e, 0x11, 0x9a, 0x02, 0x77, 0xd4, 0x3c, 0xe8}, 0x32);
  return out;
}

json Backup() {
  auto key = Must(crypto::SymmetricKey::FromBytes(Counting(0xe0)), "backup key");
  protocol::BackupHeader header;
  header.salt = {};
  for (std::size_t i = 0; i < header.salt.size(); ++i) header.salt[i] = static_cast<std::uint8_t>(0x70 + i);
  header.limits = {3, 256ull << 20};
  protocol::BackupContents contents;
  contents.created_ms = 1'700'000'000'000;
  const std::string key_file = "a key file, as it is on disk";
  contents.key_file.emplace(key_file.size());
  std::copy(key_file.begin(), key_file.end(), contents.key_file->span().begin());
  const std::string database = "a database image";
  contents.database.assign(database.begin(), database.end());
  const Bytes file = protocol::SealBackup(contents, key, header);
  return json{{"key", ToHex(key.bytes())},
              {"key_is", "Argon2id(passphrase, salt, passes, memory), 32 bytes; given here, so the vector "
                         "costs no Argon2id run"},
              {"salt", ToHex(ByteView(header.salt.data(), header.salt.size()))},
              {"passes", header.limits.ops},
              {"memory", header.limits.mem_bytes},
              {"created_ms", contents.created_ms},
              {"key_file", key_file},
              {"database", database},
              {"file", ToHex(file)}};
}

}  // namespace

int main() {
  const auto ada = Must(crypto::SigningKey::FromSeed(Counting(0x00)), "ada");
  const auto stranger = Must(crypto::SigningKey::FromSeed(Counting(0x20)), "stranger");
  const auto first = Seal(ada, 1, Hash32{}, kHlc, kLedgerId, 0x01);
  json doc{
      {"format", "kintsugi wire v1"},
      {"generator", "tests/vectors/make_wire_vectors.cc"},
      {"entries_are", "sealed with identity seed 000102..1f (Ada) or 202122..3f (a stranger), ledger key "
                      "808182..9f, body {\"kind\":\"checkin\",\"note\":\"a vector\"}"},
      {"rejections", Rejections(ada, stranger)},
      {"sync", SyncFrames(first, ada.public_key())},
      {"pairing", Pairing()},
      {"beacons", Beacons()},
      {"backup", Backup()},
  };
  std::cout << doc.dump(2) << "\n";
  return std::cout.good() ? 0 : 1;
}
