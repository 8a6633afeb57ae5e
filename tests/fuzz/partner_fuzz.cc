// A stateful fuzz target: a key-holding partner plays against a receiving
// engine. The input is a script; each step is one of the partner's moves or
// the victim's:
//
//   the partner writes honestly (its own engine seals the entry) and the entry
//   waits in its outbox; the outbox is delivered in order, one entry out of
//   order, or reversed; the partner's real keys seal an entry behind its
//   engine's back with any clock, any body (the input's bytes), any parents,
//   or a second entry at a seq already written (a fork); a flood of copies
//   and bit-flipped copies in one batch; the victim writes; the victim's
//   daemon restarts; either clock jumps.
//
// Properties checked (a violation aborts):
//  - the engine never fails a batch (a bad entry is refused, not an error),
//    and a clock no device can hold (0 ms, or from 2^46 ms) is never stored;
//  - a restart leaves the views as they were;
//  - memory is bounded: the victim stores no more entries than it was sent
//    plus its own, no more entries wait than are stored, and the heap in use
//    after an input is back where it was before it (no growth from one
//    partner's script to the next);
//  - at the end, the victim's views (state and timeline) are the views folded
//    again from scratch from what it stored, and verify runs.
//
// Each input starts from the same paired couple (a template made once and
// copied), on real SQLite files in a fresh directory.
//
// The script, as the seeds in corpus/partner/ are written: up to 64 steps,
// each a byte (mod 12) and its arguments; u16 is big-endian, and "below n"
// is a u16 mod n; a missing byte reads as 0.
//   0 partner writes           u8 clock step (s), u8 note
//   1 deliver the first n      u16 (below outbox + 1)
//   2 deliver one              u16 (below outbox)
//   3 deliver all, reversed
//   4 hostile clock            u64 clock, u16 length and the note, u8 parents, u16 each
//   5 hostile body             u8 s ahead, u8 counter, u16 length and the body, u8 parents, u16 each
//   6 fork                     u16 (below outbox)
//   7 flood                    u16 count - 1 (below 256), then per copy: u8 (odd: flip), u16 byte, u8 bit
//   8 victim writes            u8 note
//   9 victim restarts
//  10 victim's clock jumps     u8 hours
//  11 partner's clock is set   u64 (mod a day, around the victim's)
#include <malloc.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "daemon/engine.h"
#include "daemon/store/key_file.h"
#include "daemon/sample_history.h"
#include "daemon/store/store.h"
#include "daemon/views.h"
#include "protocol/body.h"
#include "protocol/entry_seal.h"
#include "protocol/hlc.h"
#include "protocol/kinds.h"
#include "protocol/validation.h"

namespace {

using namespace kintsugi;
using namespace kintsugi::daemon;
namespace fs = std::filesystem;

[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "partner_fuzz: %s\n", what);
  std::abort();
}

void Check(bool holds, const char* what) {
  if (!holds) Violated(what);
}

constexpr std::uint64_t kStartMs = 1'760'000'000'000;

// Reads the script: bytes, with zeros once it runs out.
class Script {
 public:
  explicit Script(ByteView in) : in_(in) {}
  bool done() const { return at_ >= in_.size(); }
  std::uint8_t U8() { return done() ? 0 : in_[at_++]; }
  std::uint64_t U64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | U8();
    return v;
  }
  std::size_t Below(std::size_t n) { return n == 0 ? 0 : (std::size_t{U8()} << 8 | U8()) % n; }
  std::string Text(std::size_t max) {
    const std::size_t n = Below(max + 1);
    std::string out;
    for (std::size_t i = 0; i < n && !done(); ++i) out.push_back(static_cast<char>(U8()));
    return out;
  }

 private:
  ByteView in_;
  std::size_t at_ = 0;
};

std::unique_ptr<Engine> OpenEngine(const fs::path& dir, Clock& clock, crypto::RandomSource& rng) {
  auto store = Store::Open((dir / "ledger.db").string(), Store::Durability::kNormal);
  Check(store.ok(), "the store does not open");
  auto engine = Engine::Open(std::move(store).value(), (dir / "identity.key").string(), clock, rng,
                             crypto::kMinLimits);
  Check(engine.ok(), "the engine does not open");
  return std::move(engine).value();
}

// The paired couple every input starts from: made once, copied per input.
struct Template {
  fs::path dir;
  LedgerKeys partner_keys;
};

const Template& TheTemplate() {
  static const Template* made = [] {
    spdlog::set_level(spdlog::level::off);
    char pattern[] = "/tmp/kintsugi-partner-fuzz-XXXXXX";
    Check(::mkdtemp(pattern) != nullptr, "no temporary directory");
    const fs::path dir = pattern;
    fs::create_directories(dir / "victim");
    fs::create_directories(dir / "partner");
    ManualClock clock(kStartMs);
    crypto::DeterministicRandom rng(Hash32{});
    {
      auto victim = OpenEngine(dir / "victim", clock, rng);
      auto partner = OpenEngine(dir / "partner", clock, rng);
      Check(victim->Init(protocol::MemberIntro{"Vic"}).ok(), "init");
      Check(partner->Init(protocol::MemberIntro{"Pat"}).ok(), "init");
      Check(PairInMemory(*victim, *partner, clock, rng).ok(), "pairing");
      Check(PullAll(*victim, *partner).ok() && PullAll(*partner, *victim).ok(), "first sync");
    }
    auto keys = ReadKeyFile((dir / "partner" / "identity.key").string());
    Check(keys.ok(), "the partner's key file");
    std::atexit([] { std::error_code ec; fs::remove_all(TheTemplate().dir, ec); });
    return new Template{dir, std::move(keys).value()};
  }();
  return *made;
}

std::string StateOf(Engine& e) { return e.views().state().ToJson().dump(); }

std::string TimelineOf(Engine& e) {
  TimelineQuery query;
  query.limit = 1'000'000;
  auto items = e.Timeline(query);
  Check(items.ok(), "the timeline does not read");
  std::string out;
  for (const auto& item : *items) {
    out += ToHex(item.item.id) + " " + std::to_string(item.key.first) + " " + item.effect.ToJson().dump() + "\n";
  }
  return out;
}

class Game {
 public:
  Game() : dir_(FreshCopy()), rng_(Hash32{}), victim_clock_(kStartMs + 60'000), partner_clock_(kStartMs + 60'000) {
    victim_ = OpenEngine(dir_ / "victim", victim_clock_, rng_);
    partner_ = OpenEngine(dir_ / "partner", partner_clock_, rng_);
    partner_self_ = partner_->identity().public_key();
    auto entries = victim_->GetStatus();
    Check(entries.ok(), "status");
    start_entries_ = entries->entries;
  }
  ~Game() {
    victim_.reset();
    partner_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  void Play(Script& s) {
    for (int step = 0; step < 64 && !s.done(); ++step) {
      switch (s.U8() % 12) {
        case 0: PartnerWrites(s); break;
        case 1: Deliver(s.Below(outbox_.size() + 1)); break;
        case 2: DeliverOne(s.Below(outbox_.size())); break;
        case 3: DeliverReversed(); break;
        case 4: {  // the script's bytes are read in the order written here
          const std::uint64_t clock = s.U64();
          std::string note = s.Text(40);
          Hostile(s, clock, protocol::EncodeBody(protocol::CheckIn{std::move(note), std::nullopt, std::nullopt}));
          break;
        }
        case 5: {
          const std::uint64_t clock = ValidClock(s);
          std::string body = s.Text(200);
          Hostile(s, clock, std::move(body));
          break;
        }
        case 6: Fork(s); break;
        case 7: Flood(s); break;
        case 8: VictimWrites(s); break;
        case 9: Restart(); break;
        case 10: victim_clock_.Set(victim_clock_.NowMillis() + s.U8() * std::uint64_t{3'600'000}); break;
        case 11: partner_clock_.Set(victim_clock_.NowMillis() + s.U64() % 86'400'000 - 43'200'000); break;
      }
    }
    Deliver(outbox_.size());
  }

  void Finish() {
    auto status = victim_->GetStatus();
    Check(status.ok(), "status");
    Check(status->entries <= start_entries_ + static_cast<std::int64_t>(sent_ + own_), "stored more than it was sent");
    Check(victim_->views().waiting() <= static_cast<std::size_t>(status->entries), "more entries wait than are stored");
    Check(victim_->Verify().ok(), "verify does not run");
    const std::string state = StateOf(*victim_);
    const std::string timeline = TimelineOf(*victim_);
    Status reset = victim_->store().InTransaction([&] { return victim_->store().ResetViews(victim_->ledger_id()); });
    Check(reset.ok(), "the views do not reset");
    Restart(/*compare=*/false);
    Check(StateOf(*victim_) == state, "the views differ from the views folded again from scratch");
    Check(TimelineOf(*victim_) == timeline, "the timeline differs from the one folded again from scratch");
  }

 private:
  static fs::path FreshCopy() {
    const Template& t = TheTemplate();
    static int serial = 0;
    const fs::path dir = t.dir.string() + "-" + std::to_string(::getpid()) + "-" + std::to_string(++serial);
    fs::create_directories(dir);
    fs::copy(t.dir / "victim", dir / "victim", fs::copy_options::recursive);
    fs::copy(t.dir / "partner", dir / "partner", fs::copy_options::recursive);
    return dir;
  }

  std::uint64_t ValidClock(Script& s) {
    const std::uint64_t ahead_ms = s.U8() * std::uint64_t{1000};
    return protocol::MakeHlc(partner_clock_.NowMillis() + ahead_ms, s.U8());
  }

  void Receive(const std::vector<protocol::SyncEntry>& batch, bool expect_none_stored = false) {
    if (batch.empty()) return;
    sent_ += batch.size();
    auto report = victim_->Receive(partner_self_, batch);
    Check(report.ok(), "a batch failed instead of being refused");
    if (expect_none_stored) Check(report->stored == 0, "an entry with a clock no device can hold was stored");
  }

  // The partner's chain head as its engine knows it.
  protocol::ChainHead PartnerHead() {
    auto head = partner_->Head(partner_self_);
    Check(head.ok(), "head");
    return *head;
  }

  void PartnerWrites(Script& s) {
    partner_clock_.Set(partner_clock_.NowMillis() + 1'000 + s.U8() * 1'000);
    auto appended = partner_->Append(protocol::CheckIn{"from Pat " + std::to_string(s.U8()), std::nullopt, std::nullopt});
    if (!appended.ok()) return;  // a forked chain refuses to append: that is the rule
    auto batch = partner_->EntriesAfter({partner_self_, appended->seq - 1, 1});
    Check(batch.ok() && batch->entries.size() == 1, "the partner's own entry");
    outbox_.push_back(batch->entries[0]);
  }

  void VictimWrites(Script& s) {
    victim_clock_.Set(victim_clock_.NowMillis() + 1'000);
    if (victim_->Append(protocol::CheckIn{"from Vic " + std::to_string(s.U8()), std::nullopt, std::nullopt}).ok()) {
      ++own_;
    }
  }

  void Deliver(std::size_t n) {
    std::vector<protocol::SyncEntry> batch(outbox_.begin(), outbox_.begin() + static_cast<long>(n));
    outbox_.erase(outbox_.begin(), outbox_.begin() + static_cast<long>(n));
    Receive(batch);
  }

  void DeliverOne(std::size_t i) {
    if (i >= outbox_.size()) return;
    Receive({outbox_[i]});
  }

  void DeliverReversed() {
    std::vector<protocol::SyncEntry> batch(outbox_.rbegin(), outbox_.rend());
    Receive(batch);
  }

  // An entry sealed with the partner's real keys behind its engine's back, at
  // the next seq of the partner's chain (so the partner's next honest entry
  // is a fork of it), with parents from the outbox.
  void Hostile(Script& s, std::uint64_t hlc, std::string body) {
    const Template& t = TheTemplate();
    const protocol::ChainHead head = PartnerHead();
    protocol::EntryDraft draft;
    draft.ledger_id = t.partner_keys.ledger_id;
    draft.seq = head.seq + 1;
    draft.prev = head.id;
    draft.hlc = hlc;
    draft.body = std::move(body);
    for (std::size_t i = 0, n = s.U8() % 3; i < n && !outbox_.empty(); ++i) {
      auto entry = protocol::Decode(outbox_[s.Below(outbox_.size())].entry);
      if (entry.ok()) draft.parents.push_back(protocol::ComputeId(*entry));
    }
    std::sort(draft.parents.begin(), draft.parents.end());
    draft.parents.erase(std::unique(draft.parents.begin(), draft.parents.end()), draft.parents.end());
    auto sealed = protocol::SealEntry(draft, t.partner_keys.identity, t.partner_keys.ledger_key, rng_);
    if (!sealed.ok()) return;  // a body too large to seal
    const std::uint64_t ms = protocol::HlcMillis(hlc);
    Receive({{sealed->encoded, sealed->key.Encode()}}, ms == 0 || ms >= protocol::kMaxEntryMillis);
  }

  // A second entry at a seq the partner already wrote: evidence of a fork.
  void Fork(Script& s) {
    if (outbox_.empty()) return;
    auto entry = protocol::Decode(outbox_[s.Below(outbox_.size())].entry);
    if (!entry.ok()) return;
    const Template& t = TheTemplate();
    protocol::EntryDraft draft{t.partner_keys.ledger_id, entry->seq, entry->prev, entry->hlc, entry->parents,
                               R"({"kind":"checkin","note":"the other story"})"};
    auto sealed = protocol::SealEntry(draft, t.partner_keys.identity, t.partner_keys.ledger_key, rng_);
    Check(sealed.ok(), "a fork seals");
    Receive({{sealed->encoded, sealed->key.Encode()}});
  }

  // Up to 256 entries in one batch: copies, and copies with a bit flipped.
  void Flood(Script& s) {
    if (outbox_.empty()) return;
    std::vector<protocol::SyncEntry> batch;
    const std::size_t n = 1 + s.Below(256);
    for (std::size_t i = 0; i < n; ++i) {
      protocol::SyncEntry e = outbox_[i % outbox_.size()];
      if (s.U8() & 1) {
        const std::size_t at = s.Below(e.entry.size());
        e.entry[at] ^= static_cast<std::uint8_t>(1 << (s.U8() % 8));
      }
      batch.push_back(std::move(e));
    }
    Receive(batch);
  }

  void Restart(bool compare = true) {
    const std::string before = compare ? StateOf(*victim_) : "";
    victim_.reset();
    victim_ = OpenEngine(dir_ / "victim", victim_clock_, rng_);
    if (compare) Check(StateOf(*victim_) == before, "a restart changed the views");
  }

  fs::path dir_;
  crypto::DeterministicRandom rng_;
  ManualClock victim_clock_;
  ManualClock partner_clock_;
  std::unique_ptr<Engine> victim_;
  std::unique_ptr<Engine> partner_;
  crypto::PublicKey partner_self_{};
  std::vector<protocol::SyncEntry> outbox_;
  std::int64_t start_entries_ = 0;
  std::size_t sent_ = 0;
  std::size_t own_ = 0;
};

std::size_t HeapInUse() { return mallinfo2().uordblks; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  TheTemplate();
  static std::size_t baseline = 0;
  static int runs = 0;
  {
    Game game;
    Script script(ByteView(data, size));
    game.Play(script);
    game.Finish();
  }
  // After a few inputs (SQLite's and the allocator's own first growth), the
  // heap in use after an input stays within 8 MiB of where it settled.
  const std::size_t in_use = HeapInUse();
  if (++runs == 4) baseline = in_use;
  if (runs > 4 && in_use > baseline + (8u << 20)) Violated("the heap grows from one input to the next");
  return 0;
}
