// Writes the seed corpus of entry_decode_fuzz: real entries of the fixed fuzz
// ledger (fuzz_fixture.h), sealed and signed exactly as the daemon does, plus
// near-valid variants (a flipped signature bit, a wrong ledger, truncation,
// trailing bytes, an unknown version, unsorted parents).
//
// Usage: fuzz_entry_seedgen OUT_DIR
// Deterministic: the same build writes the same bytes. Re-run it and check in
// the result whenever the entry format changes:
//   build/tests/fuzz/fuzz_entry_seedgen tests/fuzz/corpus/entry_decode
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "fuzz_fixture.h"
#include "protocol/body.h"
#include "protocol/entry.h"
#include "protocol/entry_seal.h"
#include "protocol/validation.h"

namespace {

using namespace kintsugi;

protocol::SealedEntry Seal(const protocol::EntryDraft& draft, const crypto::SigningKey& author,
                           const crypto::SymmetricKey& ledger_key, crypto::RandomSource& rng) {
  auto sealed = protocol::SealEntry(draft, author, ledger_key, rng);
  if (!sealed.ok()) {
    std::fprintf(stderr, "seedgen: SealEntry failed: %s\n", sealed.error().message.c_str());
    std::exit(1);
  }
  return std::move(sealed).value();
}

// Each seed must reach the verdict it was made for, or it seeds the wrong paths.
void Expect(const char* name, const Bytes& bytes, const protocol::LedgerContext& ledger,
            const protocol::ChainHead& head, std::optional<protocol::Rejection> want) {
  auto got = protocol::DecodeAndValidate(bytes, ledger, head);
  bool as_wanted = want ? !got.ok() && got.error().reason == *want : got.ok();
  if (!as_wanted) {
    std::fprintf(stderr, "seedgen: %s: expected %s, got %s\n", name,
                 want ? std::string(protocol::RejectionName(*want)).c_str() : "valid",
                 got.ok() ? "valid" : std::string(protocol::RejectionName(got.error().reason)).c_str());
    std::exit(1);
  }
}

void Write(const std::filesystem::path& dir, const std::string& name, const Bytes& bytes) {
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "seedgen: cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
  std::printf("%s (%zu bytes)\n", name.c_str(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir(argv[1]);
  std::filesystem::create_directories(dir);

  crypto::DeterministicRandom rng(fuzz::FuzzRandomSeed());
  auto author = crypto::SigningKey::FromSeed(fuzz::FuzzAuthorSeed());
  auto stranger = crypto::SigningKey::FromSeed(fuzz::FuzzStrangerSeed());
  if (!author.ok() || !stranger.ok()) return 1;
  auto ledger_key = crypto::SymmetricKey::Generate(rng);
  const protocol::LedgerId ledger = fuzz::FuzzLedgerId();
  constexpr std::uint64_t kMillis = 1704067200000;  // 2024-01-01T00:00:00Z

  // The member introduction that starts the chain.
  protocol::EntryDraft first;
  first.ledger_id = ledger;
  first.seq = 1;
  first.hlc = kMillis << 16;
  first.body = protocol::EncodeBody(protocol::MemberIntro{"Ada"});
  auto e1 = Seal(first, *author, ledger_key, rng);
  Write(dir, "valid_member_seq1.bin", e1.encoded);

  // A check-in extending it.
  protocol::EntryDraft second;
  second.ledger_id = ledger;
  second.seq = 2;
  second.prev = e1.id;
  second.hlc = (kMillis + 1000) << 16;
  second.body = protocol::EncodeBody(protocol::CheckIn{"a quiet evening together", 7, 9});
  auto e2 = Seal(second, *author, ledger_key, rng);
  Write(dir, "valid_checkin_seq2.bin", e2.encoded);

  // A check-in that names the heads of three other chains.
  protocol::EntryDraft third;
  third.ledger_id = ledger;
  third.seq = 3;
  third.prev = e2.id;
  third.hlc = (kMillis + 2000) << 16;
  for (int i = 0; i < 3; ++i) {
    protocol::EntryId parent;
    rng.Fill(parent);
    third.parents.push_back(parent);
  }
  third.body = protocol::EncodeBody(protocol::CheckIn{"saw your note", std::nullopt, 5});
  auto e3 = Seal(third, *author, ledger_key, rng);
  Write(dir, "valid_parents_seq3.bin", e3.encoded);

  // A longer body (several padding blocks).
  protocol::EntryDraft fourth = third;
  fourth.seq = 4;
  fourth.prev = e3.id;
  fourth.parents.clear();
  fourth.body = protocol::EncodeBody(protocol::CheckIn{std::string(3000, 'x'), 1, 10});
  Write(dir, "valid_long_seq4.bin", Seal(fourth, *author, ledger_key, rng).encoded);

  // Signed by someone who is not a member.
  const Bytes by_stranger = Seal(first, *stranger, ledger_key, rng).encoded;
  Write(dir, "stranger_seq1.bin", by_stranger);

  // Another ledger.
  protocol::EntryDraft other = first;
  other.ledger_id[0] ^= 0xFF;
  const Bytes in_other_ledger = Seal(other, *author, ledger_key, rng).encoded;
  Write(dir, "wrong_ledger_seq1.bin", in_other_ledger);

  // Decodes, but the signature does not verify.
  Bytes bad_sig = e1.encoded;
  bad_sig[bad_sig.size() - 10] ^= 0x01;
  Write(dir, "bad_signature_seq1.bin", bad_sig);

  // Decodes, but the body was changed after signing.
  Bytes bad_body = e2.encoded;
  bad_body[protocol::EncodeHeader(e2.entry).size()] ^= 0x80;
  Write(dir, "tampered_body_seq2.bin", bad_body);

  // Does not decode.
  Bytes truncated(e1.encoded.begin(), e1.encoded.end() - 1);
  Write(dir, "truncated.bin", truncated);
  Bytes trailing = e1.encoded;
  trailing.push_back(0);
  Write(dir, "trailing_byte.bin", trailing);
  Bytes version = e1.encoded;
  version[0] = 2;
  Write(dir, "bad_version.bin", version);
  protocol::Entry unsorted = e3.entry;
  std::swap(unsorted.parents[0], unsorted.parents[2]);
  Write(dir, "unsorted_parents.bin", protocol::Encode(unsorted));
  protocol::Entry short_body = e1.entry;
  short_body.sealed_body.resize(crypto::kAeadTagBytes - 1);
  Write(dir, "short_body.bin", protocol::Encode(short_body));
  protocol::Entry seq0 = e1.entry;
  seq0.seq = 0;
  Write(dir, "seq0.bin", protocol::Encode(seq0));
  Write(dir, "header_only.bin", protocol::EncodeHeader(e1.entry));

  // The verdicts entry_decode_fuzz reaches from these seeds.
  const std::vector<crypto::PublicKey> members{author->public_key()};
  const protocol::LedgerContext context{ledger, members};
  using R = protocol::Rejection;
  const protocol::ChainHead empty{};
  Expect("valid_member_seq1", e1.encoded, context, empty, std::nullopt);
  Expect("valid_checkin_seq2", e2.encoded, context, {1, e1.id}, std::nullopt);
  Expect("valid_checkin_seq2 on empty", e2.encoded, context, empty, R::kSeqGap);
  Expect("valid_parents_seq3", e3.encoded, context, {2, e2.id}, std::nullopt);
  Expect("stranger_seq1", by_stranger, context, empty, R::kUnknownAuthor);
  Expect("wrong_ledger_seq1", in_other_ledger, context, empty, R::kWrongLedger);
  Expect("bad_signature_seq1", bad_sig, context, empty, R::kBadSignature);
  Expect("tampered_body_seq2", bad_body, context, {1, e1.id}, R::kBadSignature);
  Expect("truncated", truncated, context, empty, R::kMalformed);
  Expect("trailing_byte", trailing, context, empty, R::kMalformed);
  Expect("bad_version", version, context, empty, R::kMalformed);
  Expect("seq0", protocol::Encode(seq0), context, empty, R::kMalformed);
  std::printf("seedgen: every seed reaches its intended verdict\n");
  return 0;
}
