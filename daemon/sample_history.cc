#include "daemon/sample_history.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "protocol/invite.h"
#include "protocol/kinds.h"
#include "protocol/pairing.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;

constexpr std::uint64_t kHour = 3'600'000;
constexpr std::uint64_t kDay = 24 * kHour;

// A small deterministic generator for the story's ups and downs.
class Dice {
 public:
  explicit Dice(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  std::uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  int Between(int lo, int hi) { return lo + static_cast<int>(Next() % static_cast<std::uint64_t>(hi - lo + 1)); }
  bool OneIn(int n) { return Next() % static_cast<std::uint64_t>(n) == 0; }
  template <typename T, std::size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Next() % N];
  }

 private:
  std::uint64_t state_;
};

class Writer {
 public:
  Writer(Engine& a, Engine& b, ManualClock& clock, std::uint64_t start) : a_(a), b_(b), clock_(clock), start_(start) {}

  // Writes `params` as `who` at `hour` (fractional) of `day`; returns the id.
  Result<std::string> At(Engine& who, int day, double hour, json params) {
    clock_.Set(start_ + static_cast<std::uint64_t>(day) * kDay + static_cast<std::uint64_t>(hour * kHour));
    auto body = protocol::BodyFromParams(params);
    if (!body.ok()) return body.take_error();
    auto appended = who.AppendKind(std::move(body).value());
    if (!appended.ok()) return appended.take_error();
    ++written_;
    return ToHex(appended->id);
  }

  Status Sync() {
    KINTSUGI_RETURN_IF_ERROR(PullAll(a_, b_));
    return PullAll(b_, a_);
  }

  std::string Date(int day) const { return protocol::DateFromDay(static_cast<std::int64_t>((start_ + day * kDay) / kDay)); }
  std::uint64_t TimeOf(int day, double hour) const {
    return start_ + static_cast<std::uint64_t>(day) * kDay + static_cast<std::uint64_t>(hour * kHour);
  }
  int written() const { return written_; }

 private:
  Engine& a_;
  Engine& b_;
  ManualClock& clock_;
  std::uint64_t start_;
  int written_ = 0;
};

#define SAMPLE_WRITE(var, expr)         \
  auto var##_result = (expr);           \
  if (!var##_result.ok()) return var##_result.take_error(); \
  const std::string var = *var##_result

}  // namespace

Status PairInMemory(Engine& a, Engine& b, Clock& clock, crypto::RandomSource& rng) {
  const protocol::InviteCode code = protocol::NewInviteCode(rng);
  protocol::PairingInviter inviter(code, clock.NowMillis() + protocol::kDefaultInviteSeconds * 1000,
                                   a.identity().public_key(), 0, rng);
  protocol::PairingJoiner joiner(code, b.identity().public_key(), rng);
  Bytes reply = inviter.Handle({}, joiner.hello(), clock.NowMillis(), rng);
  auto finish = joiner.Handle(reply, rng);
  if (!finish.ok()) return finish.take_error();
  Bytes welcome = inviter.Handle({}, *finish, clock.NowMillis(), rng);
  auto done = joiner.Handle(welcome, rng);
  if (!done.ok()) return done.take_error();
  auto for_a = inviter.TakeOutcome();
  auto for_b = joiner.TakeOutcome();
  if (!for_a || !for_b) return MakeError(ErrorCode::kInternal, "pairing in memory did not finish");
  KINTSUGI_RETURN_IF_ERROR(a.AdoptPairing(*for_a));
  return b.AdoptPairing(*for_b);
}

Status PullAll(Engine& to, Engine& from) {
  auto hello = from.Hello();
  if (!hello.ok()) return hello.take_error();
  for (const auto& head : hello->heads) {
    for (;;) {
      auto mine = to.Head(head.author);
      if (!mine.ok()) return mine.take_error();
      if (mine->seq >= head.seq) break;
      auto batch = from.EntriesAfter(protocol::SyncWant{head.author, mine->seq, protocol::kMaxBatchEntries});
      if (!batch.ok()) return batch.take_error();
      if (batch->entries.empty()) break;
      auto report = to.Receive(head.author, batch->entries, Engine::Notify::kNone);
      if (!report.ok()) return report.take_error();
      if (report->stored == 0) break;
    }
  }
  return OkStatus();
}

Result<int> WriteSampleHistory(Engine& a, Engine& b, ManualClock& clock, const SampleOptions& options) {
  const std::uint64_t end = options.end_ms != 0 ? options.end_ms : clock.NowMillis();
  const int days = std::max(options.days, 30);
  // Day 0 starts at midnight UTC `days` days before the end.
  const std::uint64_t start = (end / kDay - static_cast<std::uint64_t>(days)) * kDay;
  Writer w(a, b, clock, start);
  Dice dice(options.seed);

  // Week one: the agreements.
  SAMPLE_WRITE(tell, w.At(a, 0, 8.5, {{"kind", "propose"}, {"title", "Tell before plans change"},
                                      {"text", "When my plans change, I tell you before, not after, and say when I will be home."},
                                      {"category", "commitment"}, {"review", w.Date(days + 30)}}));
  SAMPLE_WRITE(meet, w.At(b, 0, 20.5, {{"kind", "propose"}, {"title", "Our weekly meeting"},
                                       {"text", "Every other Sunday at 19:00, thirty minutes: appreciations, what went well, one issue, what each will try."},
                                       {"category", "ritual"}}));
  SAMPLE_WRITE(phones, w.At(b, 0, 20.7, {{"kind", "propose"}, {"title", "Phones away at dinner"},
                                         {"text", "No phones at the table."}, {"category", "boundary"}}));
  SAMPLE_WRITE(passwords, w.At(b, 0, 20.9, {{"kind", "propose"}, {"title", "Share every password"},
                                            {"text", "We share the passwords of all our accounts."}, {"category", "need"}}));
  KINTSUGI_RETURN_IF_ERROR(w.Sync());
  SAMPLE_WRITE(acc1, w.At(b, 1, 19.0, {{"kind", "accept"}, {"ref", tell}}));
  SAMPLE_WRITE(acc2, w.At(a, 1, 8.0, {{"kind", "accept"}, {"ref", meet}}));
  SAMPLE_WRITE(acc3, w.At(a, 1, 8.1, {{"kind", "accept"}, {"ref", phones}}));
  SAMPLE_WRITE(dec, w.At(a, 1, 8.2, {{"kind", "decline"}, {"ref", passwords},
                                     {"reason", "I would rather answer anything you ask, openly, than hand over everything. Can we talk about it?"}}));
  SAMPLE_WRITE(phase, w.At(a, 1, 8.4, {{"kind", "phase"}, {"phase", "atone"}, {"breach_named", w.Date(-12)},
                                       {"note", "I broke your trust. I want to own that, fully."}}));
  KINTSUGI_RETURN_IF_ERROR(w.Sync());
  SAMPLE_WRITE(phase_ok, w.At(b, 2, 20.0, {{"kind", "accept"}, {"ref", phase}}));
  KINTSUGI_RETURN_IF_ERROR(w.Sync());

  static const char* kThanks[] = {"You made tea when I came home tired.", "Thank you for telling me about the late meeting first.",
                                  "You listened without defending yourself.", "The walk by the river.",
                                  "You asked how my day was, and waited for the answer."};
  static const char* kNeeds[] = {"A quiet evening.", "To hear it from you first.", "Patience on the hard days.",
                                 "Time for myself on Saturday.", "A hug when I get home."};
  std::string talk, plan;
  for (int day = 2; day < days; ++day) {
    // Trust comes back slowly, with a setback around day 18.
    const double progress = static_cast<double>(day) / days;
    const int dip = (day >= 18 && day <= 21) ? 2 : 0;
    const int a_mood = std::clamp(static_cast<int>(std::lround(5 + 3 * progress)) + dice.Between(-1, 1) - dip / 2, 1, 10);
    const int a_trust = std::clamp(static_cast<int>(std::lround(6 + 2 * progress)) + dice.Between(-1, 0), 1, 10);
    const int b_mood = std::clamp(static_cast<int>(std::lround(4 + 3.5 * progress)) + dice.Between(-1, 1) - dip, 1, 10);
    const int b_trust = std::clamp(static_cast<int>(std::lround(3 + 4 * progress)) + dice.Between(-1, 1) - dip, 1, 10);
    if (!dice.OneIn(6)) {
      SAMPLE_WRITE(f, w.At(a, day, 8.0 + dice.Between(0, 60) / 60.0,
                           {{"kind", "feelings"}, {"mood", a_mood}, {"trust", a_trust},
                            {"appreciated", dice.Pick(kThanks)}, {"needed", dice.Pick(kNeeds)}}));
    }
    if (!dice.OneIn(5)) {
      SAMPLE_WRITE(f, w.At(b, day, 21.0 + dice.Between(0, 60) / 60.0,
                           {{"kind", "feelings"}, {"mood", b_mood}, {"trust", b_trust},
                            {"appreciated", dice.Pick(kThanks)}, {"needed", dice.Pick(kNeeds)}}));
    }
    if (day % 3 == 0) {
      SAMPLE_WRITE(s, w.At(a, day, 16.5, {{"kind", "status"}, {"text", "The meeting runs late: home by 19:30."},
                                          {"until", w.TimeOf(day, 19.5)}}));
      const char* outcome = day == 18 ? "missed" : day % 9 == 0 ? "struggled" : "kept";
      SAMPLE_WRITE(c, w.At(a, day, 20.0, {{"kind", "agreement"}, {"agreement", tell}, {"outcome", outcome},
                                          {"reflection", day == 18 ? "I forgot to say it, and I know what that does."
                                                                   : "Said it before, as agreed."}}));
    }
    if (day % 4 == 1) {
      SAMPLE_WRITE(p, w.At(b, day, 20.2, {{"kind", "agreement"}, {"agreement", phones},
                                          {"outcome", day % 12 == 1 ? "struggled" : "kept"}}));
    }
    if (dice.OneIn(3)) {
      SAMPLE_WRITE(ap, w.At(dice.OneIn(2) ? a : b, day, 12.0, {{"kind", "appreciation"}, {"text", dice.Pick(kThanks)}}));
    }
    if (day == 5) {
      SAMPLE_WRITE(pl, w.At(a, day, 9.0, {{"kind", "time.plan"}, {"what", "Dinner at the place by the river"},
                                          {"when", w.TimeOf(9, 19.0)}}));
      plan = pl;
    }
    if (day == 9) {
      SAMPLE_WRITE(d, w.At(b, day, 22.5, {{"kind", "time.done"}, {"what", "Dinner by the river"}, {"plan", plan},
                                          {"note", "We laughed, for the first time in a while."}}));
    }
    if (day == 12) {
      SAMPLE_WRITE(t, w.At(b, day, 21.5, {{"kind", "talk.request"}, {"topic", "How we spend Sundays, and with whom."}}));
      talk = t;
    }
    if (day == 13) {
      SAMPLE_WRITE(ta, w.At(a, day, 8.5, {{"kind", "talk.answer"}, {"talk", talk}, {"answer", "at_meeting"},
                                          {"note", "It matters. Let us give it the time of Sunday's meeting."}}));
    }
    if (day == 14 || day == 28) {
      KINTSUGI_RETURN_IF_ERROR(w.Sync());
      json meeting{{"kind", "meeting"},
                   {"appreciations", day == 14 ? "Dinner by the river; the messages before the late meetings."
                                               : "Coming back after the pause; the repair."},
                   {"went_well", day == 14 ? "The check-ins: short, honest, every day." : "Talking about the bad week."},
                   {"issue", day == 14 ? "Sundays: time with friends, and with us." : "Late messages still scare me."},
                   {"i_will_try", "Ask before I assume."},
                   {"partner_will_try", "Say when plans change, every time."}};
      if (day == 14) meeting["talks"] = json::array({talk});
      SAMPLE_WRITE(m, w.At(day == 14 ? a : b, day, 19.5, meeting));
    }
    if (day == 18) {
      SAMPLE_WRITE(tr, w.At(b, day, 23.0, {{"kind", "trigger"}, {"what", "A message at midnight that I did not understand."},
                                           {"intensity", 8}, {"helped", "Being told, straight away, who it was."}}));
      SAMPLE_WRITE(pa, w.At(a, day, 23.4, {{"kind", "pause"}, {"minutes", 30}, {"note", "I need half an hour. I will come back."}}));
    }
    if (day == 19) {
      SAMPLE_WRITE(r, w.At(a, day, 20.0, {{"kind", "repair"},
                                          {"feelings", "Ashamed, then defensive."},
                                          {"my_view", "I thought the message did not matter."},
                                          {"partner_view", "Anything hidden feels like before."},
                                          {"triggers", "Late at night, no context."},
                                          {"my_part", "I did not say who it was until asked."},
                                          {"plan", "I say who writes late, before you ask."}}));
    }
    if (day == 22) {
      KINTSUGI_RETURN_IF_ERROR(w.Sync());
      SAMPLE_WRITE(am, w.At(b, day, 21.0, {{"kind", "amend"}, {"agreement", phones},
                                           {"text", "No phones at the table, and none in the bedroom after 22:00."}}));
      KINTSUGI_RETURN_IF_ERROR(w.Sync());
      SAMPLE_WRITE(ok, w.At(a, day + 1, 8.0, {{"kind", "accept"}, {"ref", am}}));
    }
    if (day == 30) {
      SAMPLE_WRITE(pl, w.At(b, day, 10.0, {{"kind", "time.plan"}, {"what", "A day at the lake"}, {"when", w.TimeOf(34, 10.0)}}));
      plan = pl;
    }
    for (int i = 0; i < options.extra_per_day; ++i) {
      const double hour = 9.0 + 12.0 * i / std::max(1, options.extra_per_day);
      json extra = i % 3 == 0 ? json{{"kind", "status"}, {"text", "Out for a walk, back soon."}}
                              : json{{"kind", "feelings"}, {"mood", a_mood}, {"trust", b_trust}};
      SAMPLE_WRITE(x, w.At(i % 2 == 0 ? a : b, day, hour, extra));
    }
    if (day == 34) {
      SAMPLE_WRITE(d, w.At(a, day, 21.0, {{"kind", "time.done"}, {"what", "The lake"}, {"plan", plan}}));
    }
    KINTSUGI_RETURN_IF_ERROR(w.Sync());
  }
  // Today so far (when today has begun long enough ago): the second partner's
  // morning check-in and a talk request for the first to answer, which is
  // what "From Sam today" shows in the demo.
  const double hours_today = static_cast<double>(end % kDay) / kHour;
  if (hours_today > 0.5) {
    const double at = hours_today / 2;
    SAMPLE_WRITE(fm, w.At(b, days, at, {{"kind", "feelings"}, {"mood", 7}, {"trust", 7},
                                        {"appreciated", "You told me about the late meeting before I asked."},
                                        {"needed", "A quiet evening, the two of us."}}));
    SAMPLE_WRITE(tq, w.At(b, days, at + 0.05, {{"kind", "talk.request"}, {"topic", "Christmas: your parents, or ours?"}}));
    KINTSUGI_RETURN_IF_ERROR(w.Sync());
  }
  clock.Set(end);
  return w.written();
}

Result<int> CreateSampleCouple(const std::string& dir_a, const std::string& name_a, const std::string& dir_b,
                               const std::string& name_b, const SampleOptions& options) {
  SystemClock wall;
  const std::uint64_t end = options.end_ms != 0 ? options.end_ms : wall.NowMillis();
  const int days = std::max(options.days, 30);
  ManualClock clock((end / kDay - static_cast<std::uint64_t>(days)) * kDay);
  crypto::SystemRandom rng;
  auto open = [&](const std::string& dir) -> Result<std::unique_ptr<Engine>> {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return MakeError(ErrorCode::kIo, "cannot create " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    auto store = Store::Open(dir + "/ledger.db", options.durable ? Store::Durability::kFull : Store::Durability::kNormal);
    if (!store.ok()) return store.take_error();
    auto engine = Engine::Open(std::move(store).value(), dir + "/identity.key", clock, rng);
    if (!engine.ok()) return engine.take_error();
    if ((*engine)->initialized()) return MakeError(ErrorCode::kAlreadyExists, dir + " already holds a ledger");
    return engine;
  };
  auto a = open(dir_a);
  if (!a.ok()) return a.take_error();
  auto b = open(dir_b);
  if (!b.ok()) return b.take_error();
  if (auto s = (*a)->Init({name_a}); !s.ok()) return s.take_error();
  if (auto s = (*b)->Init({name_b}); !s.ok()) return s.take_error();
  KINTSUGI_RETURN_IF_ERROR(PairInMemory(**a, **b, clock, rng));
  KINTSUGI_RETURN_IF_ERROR((*a)->ConfirmSafetyNumber());
  KINTSUGI_RETURN_IF_ERROR((*b)->ConfirmSafetyNumber());
  SampleOptions o = options;
  o.end_ms = end;
  auto written = WriteSampleHistory(**a, **b, clock, o);
  if (!written.ok()) return written.take_error();
  auto note = (*a)->AddNote("Ask about Sunday gently; do not make it a test.");
  if (!note.ok()) return note.take_error();
  return *written;
}

}  // namespace kintsugi::daemon
