// The window's view-model (see view_model.h): the requests and their notices,
// the screens, the forms and their checks, and the actions that write. The
// read of the views and the timeline's pages are in view_model_read.cc;
// sharing, the export, the vault, backups and start at login in
// view_model_settings.cc; the partner's day in view_model_partner.cc.
#include "ui/view_model.h"

#include <algorithm>
#include <ctime>

#include "base/local_time.h"
#include "crypto/secure_buffer.h"
#include "protocol/invite.h"
#include "protocol/kinds.h"
#include "ui/view_model_internal.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;

std::string ProblemOf(const json& params) {
  auto body = protocol::BodyFromParams(params);
  return body.ok() ? "" : body.error().message;
}

}  // namespace

// --- Shared with view_model_settings.cc (view_model_internal.h) ---

std::string Trimmed(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

void Optional(json& params, const char* field, const std::string& value) {
  std::string t = Trimmed(value);
  if (!t.empty()) params[field] = t;
}

std::string_view ScreenName(Screen screen) {
  switch (screen) {
    case Screen::kFirstRun: return "Welcome";
    case Screen::kPair: return "Pair";
    case Screen::kToday: return "Today";
    case Screen::kAgreements: return "Agreements";
    case Screen::kTimeline: return "Timeline";
    case Screen::kProgress: return "Progress";
    case Screen::kTogether: return "Together";
    case Screen::kSettings: return "Settings";
  }
  return "";
}

const std::vector<AgreementTemplate>& AgreementTemplates() {
  static const std::vector<AgreementTemplate> templates = {
      {"Tell before plans change", "Tell before plans change",
       "When my plans change, I tell you before, not after, with a time I will be home.", "commitment", 0},
      {"Weekly meeting", "Our weekly meeting",
       "We meet every week for thirty minutes: appreciations, what went well, one issue, what each will try.",
       "ritual", 0},
      {"Time together", "Time together",
       "We plan at least one evening a week for the two of us, phones away.", "ritual", 0},
      {"Counselling", "Counselling",
       "We see a couples counsellor together every other week, and keep going when it is hard.", "commitment", 0},
      {"Transparency, reviewed", "Transparency, for now",
       "I answer questions about where I was honestly and without defensiveness. We review this agreement "
       "on its review date and let it taper off as trust comes back.",
       "boundary", 90},
  };
  return templates;
}

ViewModel::ViewModel(DaemonLink& link, Now now) : link_(link), now_(std::move(now)) {}

std::uint64_t ViewModel::NowMs() const {
  if (now_) return now_();
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

// What a read depends on, taken on the window's thread when it is asked for.
void ViewModel::Run(Work work) {
  if (runner_) {
    runner_(std::move(work));
  } else {
    work(link_)();
  }
}

Notice ViewModel::Request(std::string doing, CallFn call, std::function<void(const json&)> done) {
  const bool slow = !doing.empty();
  if (slow && !busy_.empty()) return Failed(MakeError(ErrorCode::kUnavailable, busy_ + " Wait for it to finish."));
  const std::string about = std::exchange(pending_about_, "");
  ++in_flight_;
  Notice said;
  if (slow) {
    busy_ = doing;
    pending_about_ = about;
    said = Done(std::move(doing));
  }
  Run([this, call = std::move(call), done = std::move(done), about, slow](DaemonLink& link) {
    auto r = std::make_shared<Result<json>>(call(link));
    const bool heard = link.answered();
    return std::function<void()>([this, r, done, about, slow, heard] {
      --in_flight_;
      if (slow) busy_.clear();
      pending_about_ = about;
      if (!r->ok()) {
        Failed(r->error());
        // Unanswered, it may yet have been done (a slow daemon), or the
        // daemon is gone or frozen: read again to know which.
        if (!heard) stale_ = true;
        return;
      }
      done(**r);
    });
  });
  return runner_ ? said : last_notice_;
}

Notice ViewModel::Request(std::string doing, std::string method, json params,
                          std::function<void(const json&)> done) {
  auto shared = std::make_shared<json>(std::move(params));
  return Request(std::move(doing), [method = std::move(method), shared](DaemonLink& link) {
    auto r = link.Call(method, *shared);
    for (auto& [key, value] : shared->items()) {
      if (value.is_string()) crypto::WipeString(value.get_ref<std::string&>());
    }
    return r;
  }, std::move(done));
}

void ViewModel::OnEvent(std::string_view topic) {
  stale_ = true;
  if (topic == kDaemonGone) {
    // Said at once, not after a request's time-out (the window's link knows).
    connected_ = false;
    daemon_silent_ = false;
    connection_problem_ = "it stopped";
  }
}

bool ViewModel::initialized() const { return status_.initialized; }
bool ViewModel::paired() const { return status_.paired; }
std::string ViewModel::my_name() const { return status_.name; }

std::string ViewModel::NameOf(const std::string& author) const {
  if (auto member = trends_.members.find(author); member != trends_.members.end() && !member->second.name.empty()) {
    return member->second.name;
  }
  return author == me_ ? "You" : "Your partner";
}

std::string ViewModel::partner_name() const {
  return paired() ? NameOf(status_.partner) : "";
}

bool ViewModel::partner_online() const {
  return std::any_of(peers_.peers.begin(), peers_.peers.end(), [](const protocol::PeerState& p) { return p.online; });
}

std::string ViewModel::partner_last_seen() const {
  if (peers_.peers.empty()) return "";
  const std::uint64_t ms = peers_.peers[0].last_seen_ms;
  if (ms == 0) return "";
  const std::uint64_t ago = NowMs() > ms ? (NowMs() - ms) / 60'000 : 0;
  if (ago < 1) return "just now";
  if (ago < 60) return std::to_string(ago) + " min ago";
  if (ago < 48 * 60) return std::to_string(ago / 60) + " h ago";
  return std::to_string(ago / (24 * 60)) + " days ago";
}

std::size_t ViewModel::forks() const { return status_.forks; }

std::size_t ViewModel::awaiting_me() const { return agreements_awaiting_me() + talks_awaiting_me(); }

std::size_t ViewModel::agreements_awaiting_me() const {
  if (read_only()) return 0;  // nothing can be answered any more
  return pending_.proposals.size() + pending_.reviews_due.size();
}

std::size_t ViewModel::talks_awaiting_me() const {
  if (read_only()) return 0;
  return pending_.talks.size();
}

ViewModel::AgreementList ViewModel::AgreementsIn(std::string_view state) const {
  AgreementList out;
  for (const protocol::AgreementView& a : agreements_.agreements) {
    if (a.state == state) out.push_back(&a);
  }
  return out;
}

ViewModel::AgreementList ViewModel::AwaitingMe() const {
  AgreementList out = AgreementsIn("proposed");
  std::erase_if(out, [&](const protocol::AgreementView* a) { return a->proposer == me_; });
  return out;
}

ViewModel::AgreementList ViewModel::AwaitingPartner() const {
  AgreementList out = AgreementsIn("proposed");
  std::erase_if(out, [&](const protocol::AgreementView* a) { return a->proposer != me_; });
  return out;
}

bool ViewModel::CheckedInToday() const {
  auto member = trends_.members.find(me_);
  if (member == trends_.members.end() || member->second.days.empty()) return false;
  return member->second.days.back().date == protocol::DateFromDay(base::LocalDay(NowMs()));
}

std::optional<Screen> ScreenToOpen(std::string_view name) {
  if (name == "pending" || name == "agreements") return Screen::kAgreements;  // what awaits an answer is on top there
  if (name == "today") return Screen::kToday;
  if (name == "together") return Screen::kTogether;
  return std::nullopt;
}

void ViewModel::Show(Screen screen) {
  if (!initialized()) {
    screen_ = Screen::kFirstRun;
    return;
  }
  if (screen != screen_) {  // a message belongs to the screen of its action
    last_notice_ = Notice{};
    notice_about_.clear();
  }
  screen_ = screen;
  if (screen == Screen::kSettings) ReadNotify();
}

std::string ViewModel::FeelingsProblem() const {
  json params{{"kind", "feelings"}, {"mood", feelings.mood}, {"trust", feelings.trust}};
  Optional(params, "appreciated", feelings.appreciated);
  Optional(params, "needed", feelings.needed);
  return ProblemOf(params);
}

std::string ViewModel::StatusProblem() const {
  if (!status_form.until.empty() && !NextLocalTime(status_form.until)) return "until must be a time HH:MM";
  return ProblemOf({{"kind", "status"}, {"text", status_form.text}});
}

std::string ViewModel::ProposeProblem() const {
  json params{{"kind", "propose"}, {"title", propose.title}, {"text", propose.text},
              {"category", std::string(protocol::kCategories[static_cast<std::size_t>(
                               std::clamp(propose.category, 0, 3))])}};
  Optional(params, "review", propose.review);
  return ProblemOf(params);
}

std::string ViewModel::CodeProblem() const {
  if (Trimmed(code_input).empty()) return "type the code your partner's screen shows";
  auto code = protocol::ParseInviteCode(code_input);
  return code.ok() ? "" : code.error().message;
}

void ViewModel::UseTemplate(const AgreementTemplate& t) {
  propose.title = t.title;
  propose.text = t.text;
  const auto* at = std::find(std::begin(protocol::kCategories), std::end(protocol::kCategories), t.category);
  propose.category = static_cast<int>(at - std::begin(protocol::kCategories));
  propose.review.clear();
  if (t.review_in_days > 0) {
    const std::int64_t today = base::LocalDay(NowMs());
    propose.review = protocol::DateFromDay(today + t.review_in_days);
  }
}

std::optional<std::uint64_t> ViewModel::NextLocalTime(const std::string& hhmm) const {
  const std::string t = Trimmed(hhmm);
  if (t.size() != 5 || t[2] != ':' || !isdigit(t[0]) || !isdigit(t[1]) || !isdigit(t[3]) || !isdigit(t[4])) {
    return std::nullopt;
  }
  const int h = (t[0] - '0') * 10 + (t[1] - '0');
  const int m = (t[3] - '0') * 10 + (t[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  const std::uint64_t now = NowMs();
  const std::int64_t today = base::LocalDay(now);
  const auto into_day = static_cast<std::uint64_t>(h * 60 + m) * 60'000;
  const std::uint64_t at = base::LocalMidnightMs(today) + into_day;
  return at > now ? at : base::LocalMidnightMs(today + 1) + into_day;
}

Notice ViewModel::Done(std::string text) {
  notice_about_ = std::exchange(pending_about_, "");
  last_notice_ = Notice{std::move(text), false};
  stale_ = true;
  return last_notice_;
}

Notice ViewModel::Failed(const Error& e) {
  notice_about_ = std::exchange(pending_about_, "");
  last_notice_ = Notice{e.message, true};
  return last_notice_;
}

Notice ViewModel::Append(json params, std::string done, std::function<void()> then) {
  return Request("", "append", std::move(params), [this, done = std::move(done), then = std::move(then)](const json&) {
    if (then) then();
    Done(done);
  });
}

Notice ViewModel::Init() {
  json params{{"name", Trimmed(name_input)}};
  if (!passphrase_input.empty() || !passphrase_again.empty()) {
    if (std::string problem = NewPassphraseProblem(); !problem.empty()) {
      return Failed(MakeError(ErrorCode::kInvalidArgument, problem));
    }
    params["passphrase"] = passphrase_input;
  }
  crypto::WipeString(passphrase_input);
  crypto::WipeString(passphrase_again);
  return Request("Making your keys...", "init", std::move(params), [this, name = Trimmed(name_input)](const json&) {
    screen_ = Screen::kPair;
    Done("Welcome, " + name + ".");
  });
}

Notice ViewModel::Invite() {
  return Request("", "pair.invite", json::object(), [this](const json& r) {
    const auto read = client::ReadReply<protocol::PairInviteReply>(r);
    if (!read.ok()) {
      Failed(read.error());
      return;
    }
    const protocol::PairInviteReply& invite = *read;
    invite_expires_ms_ = invite.expires_ms;
    pair_.invite = protocol::OpenInvite{invite.code, invite.expires_ms, 0};
    Done("Read this code to your partner, or let them type it.");
  });
}

Notice ViewModel::Join() {
  if (std::string problem = CodeProblem(); !problem.empty()) return Failed(MakeError(ErrorCode::kInvalidArgument, problem));
  const protocol::PairJoinRequest request{Trimmed(code_input), Trimmed(peer_address_input)};
  return Request("Pairing...", "pair.join", request, [this](const json& r) {
    auto read = client::ReadReply<protocol::PairStatus>(r);
    if (!read.ok()) {
      Failed(read.error());
      return;
    }
    pair_ = std::move(read).value();
    code_input.clear();
    Done("Paired. Compare the safety number with your partner.");
  });
}

Notice ViewModel::ConfirmSafetyNumber() {
  return Request("", "pair.confirm", json::object(), [this](const json& r) {
    auto read = client::ReadReply<protocol::PairStatus>(r);
    if (!read.ok()) {
      Failed(read.error());
      return;
    }
    pair_ = std::move(read).value();
    Done("You both saw the same number. The connection is yours alone.");
  });
}

Notice ViewModel::SendFeelings() {
  json params{{"kind", "feelings"}, {"mood", feelings.mood}, {"trust", feelings.trust}};
  Optional(params, "appreciated", feelings.appreciated);
  Optional(params, "needed", feelings.needed);
  return Append(params, "Thank you for checking in.", [this] { feelings = FeelingsForm{}; });
}

Notice ViewModel::SendStatus() {
  if (std::string problem = StatusProblem(); !problem.empty()) return Failed(MakeError(ErrorCode::kInvalidArgument, problem));
  json params{{"kind", "status"}, {"text", Trimmed(status_form.text)}};
  if (!status_form.until.empty()) params["until"] = *NextLocalTime(status_form.until);
  return Append(params, "Your partner will see it.", [this] { status_form = StatusForm{}; });
}

Notice ViewModel::Propose() {
  json params{{"kind", "propose"}, {"title", Trimmed(propose.title)}, {"text", Trimmed(propose.text)},
              {"category", std::string(protocol::kCategories[static_cast<std::size_t>(
                               std::clamp(propose.category, 0, 3))])}};
  Optional(params, "review", propose.review);
  return Append(params, "Proposed. It binds once your partner accepts it.", [this] { propose = ProposeForm{}; });
}

Notice ViewModel::Accept(const std::string& id) {
  return Append({{"kind", "accept"}, {"ref", id}}, "Accepted: signed by both.");
}

Notice ViewModel::Decline(const std::string& id, const std::string& reason) {
  json params{{"kind", "decline"}, {"ref", id}};
  Optional(params, "reason", reason);
  return Append(params, "Declined. Your partner will see your reason.");
}

Notice ViewModel::Amend(const std::string& agreement_id, const std::string& text) {
  return Append({{"kind", "amend"}, {"agreement", agreement_id}, {"text", Trimmed(text)}},
                "Proposed the new text. It takes effect once your partner accepts it.");
}

Notice ViewModel::Retire(const std::string& agreement_id, const std::string& reason) {
  json params{{"kind", "retire"}, {"agreement", agreement_id}};
  Optional(params, "reason", reason);
  return Append(params, "Proposed to retire it. It ends once your partner accepts.");
}

Notice ViewModel::CheckInAgreement(const std::string& agreement_id, std::string_view outcome,
                                   const std::string& reflection) {
  json params{{"kind", "agreement"}, {"agreement", agreement_id}, {"outcome", std::string(outcome)}};
  Optional(params, "reflection", reflection);
  return Append(params, "Noted, honestly. That is what counts.");
}

Notice ViewModel::Appreciate() {
  return Append({{"kind", "appreciation"}, {"text", Trimmed(appreciation_input)}}, "Sent with care.",
                [this] { appreciation_input.clear(); });
}

Notice ViewModel::RequestTalk() {
  return Append({{"kind", "talk.request"}, {"topic", Trimmed(talk_input)}},
                "Your partner will see that you want to talk.", [this] { talk_input.clear(); });
}

json ViewModel::MeetingParams() const {
  json params{{"kind", "meeting"}, {"appreciations", Trimmed(meeting.appreciations)}};
  Optional(params, "went_well", meeting.went_well);
  Optional(params, "issue", meeting.issue);
  Optional(params, "i_will_try", meeting.i_will_try);
  Optional(params, "partner_will_try", meeting.partner_will_try);
  return params;
}

json ViewModel::RepairParams() const {
  json params{{"kind", "repair"}, {"plan", Trimmed(repair.plan)}};
  Optional(params, "feelings", repair.feelings);
  Optional(params, "my_view", repair.my_view);
  Optional(params, "partner_view", repair.partner_view);
  Optional(params, "triggers", repair.triggers);
  Optional(params, "my_part", repair.my_part);
  Optional(params, "partner_part", repair.partner_part);
  return params;
}

std::string ViewModel::ProblemWith(const json& params) const { return ProblemOf(params); }
std::string ViewModel::MeetingProblem() const { return ProblemOf(MeetingParams()); }
std::string ViewModel::RepairProblem() const { return ProblemOf(RepairParams()); }

Notice ViewModel::RecordMeeting(const std::vector<std::string>& talks) {
  json params = MeetingParams();
  if (!talks.empty()) params["talks"] = talks;
  return Append(params, "This week's meeting is recorded.", [this] { meeting = MeetingForm{}; });
}

Notice ViewModel::RecordRepair(const std::vector<std::string>& talks) {
  json params = RepairParams();
  if (!talks.empty()) params["talks"] = talks;
  return Append(params, "The repair is recorded.", [this] { repair = RepairForm{}; });
}

Notice ViewModel::StartPause() {
  return Append({{"kind", "pause"}, {"minutes", pause_minutes}},
                "Pause started. Your partner sees when you will come back.");
}

Notice ViewModel::ProposePhase(std::string_view phase) {
  return Append({{"kind", "phase"}, {"phase", std::string(phase)}},
                "Proposed. It takes effect when your partner agrees.");
}

Notice ViewModel::Withdraw(const std::string& entry_id) {
  return Append({{"kind", "withdraw"}, {"ref", entry_id}}, "Withdrawn: its words are gone on both devices.");
}

Notice ViewModel::AddNote() {
  return Request("", "note.add", protocol::NoteAddRequest{note_input}, [this](const json&) {
    note_input.clear();
    Done("Kept on this device only.");
  });
}

Notice ViewModel::SetPeerAddress() {
  return Request("", "peer.add", protocol::PeerAddRequest{Trimmed(peer_address_input)},
                 [this](const json&) { Done("Your device will look for your partner there."); });
}

Notice ViewModel::StartDaemon() {
  if (!start_daemon_.start) return Failed(MakeError(ErrorCode::kUnavailable, "this window cannot start the daemon"));
  Status started = start_daemon_.start();
  if (!started.ok()) return Failed(started.error());
  starting_ = static_cast<bool>(start_daemon_.watch);
  return Done("Starting Kintsugi...");
}

Notice ViewModel::Correct(const std::string& entry_id) {
  return Append({{"kind", "correct"}, {"ref", entry_id}, {"text", Trimmed(correction_input)}},
                "Corrected. Both of you see the correction beside the entry.", [this] { correction_input.clear(); });
}

std::optional<std::uint64_t> ViewModel::LocalDateTime(const std::string& text) {
  return base::ParseLocalDateTime(Trimmed(text));
}

std::string ViewModel::PlanProblem() const {
  if (!LocalDateTime(plan_when)) return "when must be a date and time: YYYY-MM-DD HH:MM";
  return ProblemOf({{"kind", "time.plan"}, {"what", plan_what}, {"when", *LocalDateTime(plan_when)}});
}

Notice ViewModel::PlanTime() {
  if (std::string problem = PlanProblem(); !problem.empty()) return Failed(MakeError(ErrorCode::kInvalidArgument, problem));
  return Append({{"kind", "time.plan"}, {"what", Trimmed(plan_what)}, {"when", *LocalDateTime(plan_when)}},
                "Planned. Something to look forward to.", [this] {
                  plan_what.clear();
                  plan_when.clear();
                });
}

Notice ViewModel::MarkTimeDone(const std::string& plan_id, const std::string& what) {
  return Append({{"kind", "time.done"}, {"what", what}, {"plan", plan_id}}, "Recorded: time together.");
}

std::int64_t ViewModel::InviteSecondsLeft() const {
  if (!invite_expires_ms_) return 0;
  const std::uint64_t now = NowMs();
  return *invite_expires_ms_ > now ? static_cast<std::int64_t>((*invite_expires_ms_ - now) / 1000) : 0;
}

}  // namespace kintsugi::ui
