// Fuzzes the sync session (protocol/sync_session.h): the input is a script
// of what may happen to a link, one move per byte and its arguments after it:
// a message from the partner on one of a few channels (a hello naming the
// members or strangers with any seqs and index, a want, a batch or a push of
// real entries of the partner's, of a stranger's or of bytes that do not
// decode, the sharing message, or any frame DecodeSync accepts), a malformed
// frame, the dialled channel going up or down or redialled, what storing did
// (any count and head), a store that failed, a local append, this device
// pausing, resuming or leaving, its ledger growing, the keepalive with the
// ledger read or unreadable, time passing (or going back), and a reset.
//
// Properties checked after every move:
//  - nothing crashes or throws;
//  - state stays bounded: the partner's heads and the wants in flight name
//    only the ledger's members, and at most kMaxSyncChannels called-in
//    channels (and the dialled one) are kept;
//  - a Store comes only last, and only for a batch or a push;
//  - every want asks kMaxBatchEntries entries of a member;
//  - while this device pauses nothing but the sharing message is sent and
//    nothing is stored or answered; while the partner pauses nothing is pushed;
//  - once the link closed, nothing is sent, stored or answered, and no timer
//    is due, until a reset;
//  - peer.up and peer.down alternate, and after each move the last said is
//    what online() says.
//
// Seeds (corpus/sync_session/) are short scripts of each move, written by
// hand as bytes.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "crypto/keys.h"
#include "crypto/random.h"
#include "protocol/entry_seal.h"
#include "protocol/sync.h"
#include "protocol/sync_session.h"

namespace {

using namespace kintsugi;
using namespace kintsugi::protocol;
namespace effect = sync_effect;

constexpr std::uint64_t kStart = 1'700'000'000'000;

crypto::SigningKey KeyOf(std::uint8_t fill) {
  Bytes seed(crypto::kSeedBytes, fill);
  auto key = crypto::SigningKey::FromSeed(seed);
  if (!key.ok()) __builtin_trap();
  return std::move(key).value();
}

Hash32 Filled(std::uint8_t fill) {
  Hash32 h;
  h.fill(fill);
  return h;
}

struct Fixture {
  crypto::SigningKey self = KeyOf(0x01);
  crypto::SigningKey partner = KeyOf(0x02);
  crypto::SigningKey stranger = KeyOf(0x03);
  LedgerId ledger = Filled(0x1e);
  std::vector<SyncEntry> partners;   // seqs 1..8
  std::vector<SyncEntry> strangers;  // seqs 1..8

  Fixture() {
    auto ledger_key = crypto::SymmetricKey::FromBytes(Bytes(crypto::kSymmetricKeyBytes, 0x07));
    if (!ledger_key.ok()) __builtin_trap();
    for (const crypto::SigningKey* author : {&partner, &stranger}) {
      for (std::uint64_t seq = 1; seq <= 8; ++seq) {
        EntryDraft draft;
        draft.ledger_id = ledger;
        draft.seq = seq;
        draft.prev = seq == 1 ? EntryId{} : Filled(static_cast<std::uint8_t>(seq));
        draft.hlc = 0x0000018c00000000ull + seq;
        draft.body = R"({"kind":"checkin","note":"fuzz"})";
        crypto::DeterministicRandom rng(Filled(static_cast<std::uint8_t>(0x40 + seq)));
        auto sealed = SealEntry(draft, *author, *ledger_key, rng);
        if (!sealed.ok()) __builtin_trap();
        (author == &partner ? partners : strangers).push_back({sealed->encoded, std::nullopt});
      }
    }
  }
};

const Fixture& TheFixture() {
  static const Fixture fixture;
  return fixture;
}

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool done() const { return at_ >= size_; }
  std::uint8_t Byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::uint64_t Small() { return Byte() % 16; }
  Bytes Take(std::size_t n) {
    n = std::min(n, size_ - std::min(at_, size_));
    Bytes out(data_ + at_, data_ + at_ + n);
    at_ += n;
    return out;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

struct Model {
  std::uint64_t now = kStart;
  std::uint64_t mine = 3;      // this device's head
  std::uint64_t partners = 2;  // the partner's head, as this device holds it
  std::optional<std::uint64_t> left_ms;
  std::uint64_t paused_since = 0;
  std::optional<bool> online_said;
  bool store_asked = false;

  LocalLedger Local() const {
    const Fixture& f = TheFixture();
    LocalLedger local;
    local.hello.ledger_id = f.ledger;
    local.hello.index_id.fill(0xa1);
    local.hello.heads = {{f.self.public_key(), mine, Filled(0x11)}, {f.partner.public_key(), partners, Filled(0x22)}};
    local.left_ms = left_ms;
    return local;
  }
};

ChannelId ChannelOf(std::uint8_t b) {
  if (b % 5 == 0) return DialledChannel();
  return CalledInChannel(Bytes{0, static_cast<std::uint8_t>(b % 40)});
}

crypto::PublicKey AuthorOf(std::uint8_t b) {
  const Fixture& f = TheFixture();
  switch (b % 4) {
    case 0:
      return f.self.public_key();
    case 1:
      return f.partner.public_key();
    case 2:
      return f.stranger.public_key();
    default:
      return Filled(b);
  }
}

SyncMessage MessageOf(Reader& in) {
  const Fixture& f = TheFixture();
  switch (in.Byte() % 7) {
    case 0: {
      SyncHello hello;
      hello.ledger_id = in.Byte() % 8 == 0 ? Filled(0x77) : f.ledger;
      hello.index_id.fill(static_cast<std::uint8_t>(in.Byte() % 3));
      for (std::uint64_t n = in.Byte() % (kMaxHeads + 1); n > 0; --n) {
        const crypto::PublicKey author = AuthorOf(in.Byte());
        const std::uint64_t seq = in.Small();
        hello.heads.push_back({author, in.Byte() % 2 == 0 ? seq : seq * 1'000'000, Filled(0)});
      }
      return hello;
    }
    case 1:
      return SyncWant{AuthorOf(in.Byte()), in.Small(), static_cast<std::uint16_t>(in.Byte())};
    case 2:
    case 3: {
      const std::uint8_t who = in.Byte();
      const std::vector<SyncEntry>& pool = who % 3 == 2 ? f.strangers : f.partners;
      SyncEntries batch;
      batch.author = who % 3 == 1 ? f.stranger.public_key() : f.partner.public_key();
      const std::size_t first = in.Byte() % 8;
      const std::size_t count = in.Byte() % 9;
      for (std::size_t i = first; i < pool.size() && batch.entries.size() < count; ++i) {
        batch.entries.push_back(pool[i]);
      }
      if (in.Byte() % 6 == 0 && !batch.entries.empty()) batch.entries.back().entry = in.Take(in.Small());
      batch.more = in.Byte() % 2 == 0;
      return batch;
    }
    case 4: {
      const std::uint8_t which = in.Byte();
      const std::vector<SyncEntry>& pool = which % 3 == 2 ? f.strangers : f.partners;
      if (which % 5 == 4) return SyncPush{SyncEntry{in.Take(in.Small()), std::nullopt}};
      return SyncPush{pool[(which / 3) % pool.size()]};
    }
    case 5:
      return SyncSharing{in.Byte() % 2 == 0 ? 0 : kStart - in.Small()};
    default: {
      auto decoded = DecodeSync(in.Take(in.Byte()));
      if (decoded.ok()) return *decoded;
      return SyncSharing{0};
    }
  }
}

// Checks the effects of one move and keeps the model's view of them.
void Check(const SyncSession& session, const SyncEffects& effects, Model& model, bool closed_before) {
  const Fixture& f = TheFixture();
  for (std::size_t i = 0; i < effects.size(); ++i) {
    const SyncEffect& e = effects[i];
    if (std::holds_alternative<effect::Store>(e)) {
      if (i + 1 != effects.size() || !model.store_asked) __builtin_trap();
    }
    if (closed_before && (std::holds_alternative<effect::Send>(e) || std::holds_alternative<effect::Store>(e) ||
                          std::holds_alternative<effect::AnswerWant>(e))) {
      __builtin_trap();
    }
    if (session.paused() && !closed_before &&
        (std::holds_alternative<effect::Store>(e) || std::holds_alternative<effect::AnswerWant>(e))) {
      __builtin_trap();
    }
    if (const auto* send = std::get_if<effect::Send>(&e)) {
      if (session.paused() && !std::holds_alternative<SyncSharing>(send->message)) __builtin_trap();
      if (session.partner_paused_since_ms() != 0 && std::holds_alternative<SyncPush>(send->message)) __builtin_trap();
      if (const auto* want = std::get_if<SyncWant>(&send->message)) {
        if (want->max_count != kMaxBatchEntries) __builtin_trap();
        if (want->author != f.self.public_key() && want->author != f.partner.public_key()) __builtin_trap();
      }
    }
    if (const auto* online = std::get_if<effect::Online>(&e)) {
      if (model.online_said && *model.online_said == online->online) __builtin_trap();  // they alternate
      model.online_said = online->online;
    }
  }
  for (const auto& [author, seq] : session.partner_heads()) {
    if (author != f.self.public_key() && author != f.partner.public_key()) __builtin_trap();
  }
  for (const auto& [author, since] : session.wanting()) {
    if (author != f.self.public_key() && author != f.partner.public_key()) __builtin_trap();
  }
  if (session.channels() > kMaxSyncChannels + 1) __builtin_trap();
  if (session.closed() && (session.NextTimerMs() || session.TimerDue(model.now) || session.online(model.now))) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(data, size);
  Model model;
  SyncSession session;
  Check(session, session.Start(0, false, model.now), model, false);
  for (int moves = 0; !in.done() && moves < 256; ++moves) {
    const bool closed_before = session.closed();
    const std::uint8_t move = in.Byte();
    model.store_asked = false;
    SyncEffects effects;
    switch (move % 16) {
      case 0:
      case 1:
      case 2: {
        const ChannelId channel = ChannelOf(in.Byte());
        const SyncMessage message = MessageOf(in);
        model.store_asked = std::holds_alternative<SyncEntries>(message) || std::holds_alternative<SyncPush>(message);
        effects = session.OnMessage(channel, message, model.Local(), model.now);
        break;
      }
      case 3:
        effects = session.OnHeard(ChannelOf(in.Byte()), model.now);
        break;
      case 4: {
        const LocalLedger local = model.Local();
        effects = session.OnDialledUp(in.Byte() % 4 == 0 ? nullptr : &local, model.now);
        break;
      }
      case 5:
        effects = in.Byte() % 2 == 0 ? session.OnDialledDown(model.now) : session.OnDialling(model.now);
        break;
      case 6: {
        const std::uint64_t stored = in.Small();
        model.partners += in.Small() % 4;  // what was stored, as the ledger now holds it
        effects = session.OnStored({stored, model.partners}, model.Local(), model.now);
        break;
      }
      case 7:
        session.OnStoreFailed();
        break;
      case 8:
        ++model.mine;
        effects = session.OnLocalAppend({Bytes(in.Small(), 0xee), std::nullopt}, model.now);
        break;
      case 9: {
        const std::uint8_t what = in.Byte();
        if (what % 3 == 0) model.paused_since = model.paused_since == 0 ? model.now : 0;
        if (what % 3 == 1 && !model.left_ms) {
          ++model.mine;
          model.left_ms = model.now;
        }
        effects = session.OnSharingChanged(model.paused_since, model.Local(), model.now);
        break;
      }
      case 10: {
        const LocalLedger local = model.Local();
        effects = session.OnTimer(in.Byte() % 5 == 0 ? nullptr : &local, model.now);
        break;
      }
      case 11:
        effects = session.Tick(model.now);
        break;
      case 12:
        model.now += in.Byte() * 100;
        break;
      case 13: {
        const std::uint8_t far = in.Byte();
        model.now += far % 8 == 0 ? kLeaveDeliveryMs : far % 8 == 1 ? -std::uint64_t{1000} : far * 1000;
        break;
      }
      case 14:
        model.partners += in.Small();
        break;
      default:
        effects = session.Reset(model.now);
        const std::uint64_t now = model.now;
        model = Model{};
        model.now = now;
        (void)session.Start(0, false, model.now);
        break;
    }
    Check(session, effects, model, closed_before && move % 16 != 15);
    Check(session, session.Tick(model.now), model, session.closed());
    if (model.online_said.value_or(false) != session.online(model.now)) __builtin_trap();
  }
  return 0;
}
