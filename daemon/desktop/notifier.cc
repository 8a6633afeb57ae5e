#include "daemon/desktop/notifier.h"

#include <time.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "base/local_time.h"
#include "protocol/hlc.h"
#include "protocol/ipc.h"
#include "protocol/ipc_events.h"
#include "protocol/kinds.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using protocol::Notice;
using protocol::NotifyEvent;

constexpr char kSettingsKey[] = "notify_settings";
constexpr char kStateKey[] = "notify_state";
constexpr std::uint64_t kHourMs = 3'600'000;
constexpr std::uint64_t kCursorSaveMs = 60'000;
constexpr std::uint64_t kDuesFreshMs = 60'000;

std::optional<json> LoadJson(Store& store, const std::string& key) {
  auto value = store.GetValue(key);
  if (!value.ok() || !value->has_value()) return std::nullopt;
  const Bytes& bytes = **value;
  json j = json::parse(std::string(bytes.begin(), bytes.end()), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void SaveJson(Store& store, const std::string& key, const json& j) {
  const std::string text = j.dump();
  if (auto s = store.SetValue(key, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
      !s.ok()) {
    spdlog::warn("notify.save_failed what=\"{}\"", s.error().message);
  }
}

// The local day's weekday: 1970-01-01 was a Thursday.
int WeekdayOf(std::int64_t day) { return static_cast<int>(((day + 4) % 7 + 7) % 7); }

std::string Text(const json& body, const char* field) {
  if (!body.is_object()) return "";  // past the words the fold keeps: the kind alone
  auto it = body.find(field);
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

std::string AnswerWords(const std::string& answer) {
  if (answer == "tonight") return "Yes, tonight";
  if (answer == "at_meeting") return "At our weekly meeting";
  if (answer == "not_yet") return "Not yet, I need time";
  return answer;
}

std::string Joined(const std::string& a, const std::string& b) {
  return a.empty() ? b : b.empty() ? a : a + ". " + b;
}

}  // namespace

LocalTime ToLocal(std::uint64_t unix_ms) {
  tzset();  // a changed time zone is read again
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm local{};
  if (localtime_r(&t, &local) == nullptr) return {};
  return LocalTime{base::DayOfMs((static_cast<std::int64_t>(t) + local.tm_gmtoff) * 1000),
                   local.tm_hour * 60 + local.tm_min, local.tm_wday};
}

std::uint64_t FromLocal(std::int64_t day, protocol::DayMinute minute) {
  tzset();
  return base::LocalMinuteMs(day, minute);
}

Notifier::Notifier(Engine& engine, Opener opener)
    : engine_(engine), opener_(std::move(opener)), bus_([this](const std::string& screen) {
        last_click_ = screen + ": " + (opener_ ? opener_(screen) : std::string("nothing opens windows here"));
        spdlog::info("notify.clicked screen={}", screen);
      }) {}

void Notifier::Load() {
  Store& store = engine_.store();
  settings_ = protocol::NotifySettingsFromJson(LoadJson(store, kSettingsKey).value_or(json::object()));
  auto state = LoadJson(store, kStateKey);
  held_.clear();
  batch_.clear();
  dues_.valid = false;
  if (!state || !state->is_object()) {
    // The first start with notifications: what is already here is not news.
    cursor_ = 0;
    if (auto meta = store.LoadMeta(); meta.ok() && meta->has_value()) {
      auto newest = store.Latest((*meta)->ledger_id, 1, std::nullopt);
      if (newest.ok() && !newest->empty()) cursor_ = newest->front().rowid;
    }
    fired_ = Fired{};
    pause_end_ms_ = 0;
    Save();
    return;
  }
  const json& s = *state;
  cursor_ = s.value("cursor", std::int64_t{0});
  fired_.checkin_day = s.value("checkin_day", std::int64_t{-1});
  fired_.meeting_day = s.value("meeting_day", std::int64_t{-1});
  fired_.review_day = s.value("review_day", std::int64_t{-1});
  fired_.together_ms = s.value("together_ms", std::uint64_t{0});
  pause_end_ms_ = s.value("pause_end_ms", std::uint64_t{0});
  partner_paused_ = s.value("partner_paused", false);
  if (auto held = s.find("held"); held != s.end() && held->is_array()) {
    for (const auto& name : *held) {
      auto event = name.is_string() ? protocol::FindNotifyEvent(name.get<std::string>()) : std::nullopt;
      if (event && held_.size() < kHeldKept) held_.push_back(*event);
    }
  }
}

Notifier::~Notifier() {
  if (unsaved_) Save();
}

void Notifier::Save() {
  unsaved_ = false;
  json held = json::array();
  for (NotifyEvent e : held_) held.push_back(protocol::SpecOf(e).name);
  SaveJson(engine_.store(), kStateKey,
           json{{"cursor", cursor_},
                {"checkin_day", fired_.checkin_day},
                {"meeting_day", fired_.meeting_day},
                {"review_day", fired_.review_day},
                {"together_ms", fired_.together_ms},
                {"pause_end_ms", pause_end_ms_},
                {"partner_paused", partner_paused_},
                {"held", held}});
}

std::string Notifier::PartnerName() {
  if (!engine_.has_views() || !engine_.partner()) return "";
  const auto& members = engine_.views().state().members();
  auto it = members.find(ToHex(*engine_.partner()));
  return it != members.end() ? it->second : "";
}

void Notifier::OnEvent(std::string_view topic, const json& data) {
  if (topic == protocol::kEventEntryAppended) {
    auto appended = protocol::ReadMessage<protocol::EntryAppendedEvent>(data);
    if (appended && !appended->local) scan_due_ = true;
  } else if (topic == protocol::kEventSyncProgress) {
    scan_due_ = true;
  } else if (topic == protocol::kEventForkDetected || topic == protocol::kEventVerifyFailed) {
    Tell({Notice{NotifyEvent::kAlarm, "", ""}}, engine_.NowMillis());
  } else if (topic == protocol::kEventLocked) {
    dues_.valid = false;  // no review dates without the views
  } else if (topic == protocol::kEventUnlocked || topic == protocol::kEventPaired) {
    dues_.valid = false;
    // Open now: what arrived while locked (or came with the pairing) is in
    // the window; notifications start from here.
    locked_told_ = false;
    if (engine_.has_views()) (void)engine_.views().TakeNews();
    if (engine_.initialized()) {
      auto newest = engine_.store().Latest(engine_.ledger_id(), 1, std::nullopt);
      if (newest.ok() && !newest->empty()) cursor_ = std::max(cursor_, newest->front().rowid);
    }
    Save();
  } else if (topic == protocol::kEventSharingChanged) {
    const bool paused = data.value("partner_paused", false);
    if (paused != partner_paused_ && data.value("state", "") != "ended") {
      partner_paused_ = paused;
      const std::string name = PartnerName();
      const std::string who = name.empty() ? "Your partner" : name;
      Tell({Notice{NotifyEvent::kSharing, who + (paused ? " paused sharing" : " is sharing again"), ""}},
           engine_.NowMillis());
      Save();
    }
  }
}

std::optional<Notice> Notifier::NoticeOf(const json& body, const std::string& kind_name, std::uint64_t written_ms,
                                         std::uint64_t now) {
  // Old news (written a day before it came: after time apart) and entries
  // carried over from before pairing are left to the window.
  if (written_ms + kOldNewsMs < now || (body.is_object() && body.contains("carried"))) return std::nullopt;
  const std::string name = PartnerName();
  const std::string who = name.empty() ? "Your partner" : name;
  auto kind = protocol::KindFromName(kind_name);
  if (!kind) return std::nullopt;
  switch (*kind) {
    case protocol::Kind::kPropose:
      return Notice{NotifyEvent::kAnswer, who + " proposes an agreement", Text(body, "title")};
    case protocol::Kind::kAmend:
      return Notice{NotifyEvent::kAnswer, who + " proposes a change to an agreement", Text(body, "title")};
    case protocol::Kind::kRetire:
      return Notice{NotifyEvent::kAnswer, who + " proposes to end an agreement", Text(body, "reason")};
    case protocol::Kind::kPhase:
      return Notice{NotifyEvent::kAnswer, who + " proposes where the two of you are: " + Text(body, "phase"),
                    Text(body, "note")};
    case protocol::Kind::kTalkRequest:
      return Notice{NotifyEvent::kTalk, who + " asks to talk", Text(body, "topic")};
    case protocol::Kind::kTalkAnswer:
      return Notice{NotifyEvent::kTalk, who + " answered your request to talk",
                    Joined(AnswerWords(Text(body, "answer")), Text(body, "note"))};
    case protocol::Kind::kStatus: {
      std::string words = Text(body, "text");
      if (auto until = body.find("until"); until != body.end() && until->is_number_unsigned()) {
        words += " (until " + protocol::FormatDayMinute(ToLocal(until->get<std::uint64_t>()).minute) + ")";
      }
      return Notice{NotifyEvent::kStatus, who + " says", words};
    }
    case protocol::Kind::kPause: {
      const std::uint64_t minutes = body.value("minutes", std::uint64_t{0});
      // Its end by the writer's clock, but never further off than a pause lasts.
      const std::uint64_t longest = static_cast<std::uint64_t>(protocol::kMaxPauseMinutes) * 60'000;
      const std::uint64_t end = std::min(written_ms + std::min(minutes * 60'000, longest), now + longest);
      if (end > now) pause_end_ms_ = end;
      return Notice{NotifyEvent::kPause, who + " is taking a pause",
                    Joined("Back at " + protocol::FormatDayMinute(ToLocal(end).minute), Text(body, "note"))};
    }
    case protocol::Kind::kLeave:
      return Notice{NotifyEvent::kLeave, who + " left the shared ledger", Text(body, "note")};
    default:
      return std::nullopt;
  }
}

void Notifier::Scan(std::uint64_t now) {
  scan_due_ = false;
  if (!engine_.initialized() || !engine_.paired()) return;
  Store& store = engine_.store();
  const crypto::PublicKey partner = *engine_.partner();
  if (!engine_.has_views()) {
    // Locked: the newest entries say whether the partner wrote since.
    if (locked_told_) return;
    auto newest = store.Latest(engine_.ledger_id(), 64, std::nullopt);
    if (!newest.ok()) return;
    for (const auto& row : *newest) {
      if (row.rowid <= cursor_) break;
      auto entry = protocol::Decode(row.bytes);
      if (entry.ok() && entry->author == partner) {
        locked_told_ = true;
        Tell({Notice{NotifyEvent::kSomething, "", ""}}, now);
        return;
      }
    }
    return;
  }
  // Unlocked: what the fold just applied, with its words, no read of the store.
  std::vector<Notice> notices;
  for (FoldedNews& news : engine_.views().TakeNews()) {
    // Each entry once (a rewind folds some again), and only the partner's.
    if (news.entry_rowid <= cursor_ || news.author != partner) continue;
    cursor_ = news.entry_rowid;
    if (auto notice = NoticeOf(news.body, news.kind, protocol::HlcMillis(news.hlc), now)) notices.push_back(*notice);
  }
  // The cursor is written at once when something is told (never told twice),
  // else at most once a minute and at a clean stop.
  if (!notices.empty() || now >= saved_ms_ + kCursorSaveMs) {
    Save();
    saved_ms_ = now;
  } else {
    unsaved_ = true;
  }
  Tell(std::move(notices), now);
}

void Notifier::Tell(std::vector<Notice> notices, std::uint64_t now) {
  std::erase_if(notices, [&](const Notice& n) { return !settings_.On(n.event); });
  for (const Notice& n : notices) {
    // Never held nor switched off, but one in kAlarmGapMs: a partner who
    // sends fork after fork cannot fill the desktop (the window has the rest).
    if (n.event != NotifyEvent::kAlarm || (last_alarm_ms_ != 0 && now < last_alarm_ms_ + kAlarmGapMs)) continue;
    last_alarm_ms_ = now;
    Show(protocol::Compose(n, settings_, PartnerName()), false);
  }
  std::erase_if(notices, [](const Notice& n) { return n.event == NotifyEvent::kAlarm; });
  if (notices.empty()) return;
  std::erase_if(shown_this_hour_, [&](std::uint64_t t) { return t + kHourMs <= now; });
  if (protocol::InQuietHours(settings_, ToLocal(now).minute) || shown_this_hour_.size() >= kNoticesPerHour) {
    for (const Notice& n : notices) {
      if (held_.size() < kHeldKept) held_.push_back(n.event);
    }
    Save();
    return;
  }
  for (Notice& n : notices) batch_.push_back(std::move(n));
  if (batch_.size() > kHeldKept) batch_.resize(kHeldKept);
  if (now >= last_shown_ms_ + kNoticeGapMs) ShowBatch(now);
}

void Notifier::ShowBatch(std::uint64_t now) {
  if (batch_.empty()) return;
  if (batch_.size() == 1) {
    Show(protocol::Compose(batch_.front(), settings_, PartnerName()), true);
  } else {
    std::vector<NotifyEvent> events;
    for (const Notice& n : batch_) events.push_back(n.event);
    Show(protocol::Summarize(events, settings_, PartnerName(), ""), true);
  }
  batch_.clear();
  last_shown_ms_ = now;
  shown_this_hour_.push_back(now);
}

void Notifier::ShowHeld(std::uint64_t now) {
  if (held_.empty() || protocol::InQuietHours(settings_, ToLocal(now).minute)) return;
  std::erase_if(shown_this_hour_, [&](std::uint64_t t) { return t + kHourMs <= now; });
  if (shown_this_hour_.size() >= kNoticesPerHour) return;
  std::erase_if(held_, [&](NotifyEvent e) { return !settings_.On(e); });
  if (!held_.empty()) {
    Show(protocol::Summarize(held_, settings_, PartnerName(), ""), true);
    last_shown_ms_ = now;
    shown_this_hour_.push_back(now);
  }
  held_.clear();
  Save();
}

std::optional<std::uint64_t> Notifier::DailyDue(std::optional<protocol::DayMinute> minute, std::int64_t fired,
                                                std::uint64_t now, std::optional<int> weekday) {
  if (!minute) return std::nullopt;
  const LocalTime today = ToLocal(now);
  for (std::int64_t day = today.day - 1; day <= today.day + 7; ++day) {
    if (day <= fired || (weekday && WeekdayOf(day) != *weekday)) continue;
    const std::uint64_t due = FromLocal(day, *minute);
    if (due + kReminderLateMs < now) continue;  // missed while off or asleep: not shown late
    return due;
  }
  return std::nullopt;
}

std::optional<std::pair<std::uint64_t, std::string>> Notifier::NextTogether(std::uint64_t after_when) {
  if (!settings_.together || !engine_.has_views()) return std::nullopt;
  std::optional<std::pair<std::uint64_t, std::string>> next;
  for (const auto& [id, plan] : engine_.views().state().plans()) {
    if (!plan.closed_by.empty() || plan.until_ms <= after_when) continue;
    if (!next || plan.until_ms < next->first) next = std::pair{plan.until_ms, id};
  }
  return next;
}

const Notifier::Dues& Notifier::CurrentDues(std::uint64_t now) {
  // Local time is worked out again at most once a minute (a change of time
  // zone is followed within the minute), not at every turn of the loop.
  if (dues_.valid && now >= dues_.computed_ms && now < dues_.computed_ms + kDuesFreshMs) return dues_;
  dues_.checkin = DailyDue(settings_.checkin, fired_.checkin_day, now, std::nullopt);
  dues_.meeting = settings_.meeting ? DailyDue(settings_.meeting->minute, fired_.meeting_day, now,
                                               settings_.meeting->weekday)
                                    : std::nullopt;
  dues_.review = engine_.has_views() && engine_.paired() ? DailyDue(kReviewMinute, fired_.review_day, now, std::nullopt)
                                                         : std::nullopt;
  dues_.computed_ms = now;
  dues_.valid = true;
  return dues_;
}

std::uint64_t Notifier::NextReminder(std::uint64_t now) {
  std::uint64_t next = UINT64_MAX;
  const Dues& dues = CurrentDues(now);
  for (const auto& due : {dues.checkin, dues.meeting, dues.review}) {
    if (due) next = std::min(next, *due);
  }
  if (auto plan = NextTogether(std::max(fired_.together_ms, now))) {
    next = std::min(next, plan->first > kTogetherAheadMs ? plan->first - kTogetherAheadMs : 0);
  }
  return next;
}

void Notifier::RunReminders(std::uint64_t now) {
  if (!engine_.initialized()) return;
  const Dues dues = CurrentDues(now);
  if (dues.checkin && now >= *dues.checkin) {
    fired_.checkin_day = ToLocal(*dues.checkin).day;
    dues_.valid = false;
    Show(protocol::ComposeReminder(protocol::Reminder::kCheckIn, settings_, ""), false);
    Save();
  }
  if (dues.meeting && now >= *dues.meeting) {
    fired_.meeting_day = ToLocal(*dues.meeting).day;
    dues_.valid = false;
    Show(protocol::ComposeReminder(protocol::Reminder::kMeeting, settings_, ""), false);
    Save();
  }
  if (dues.review && now >= *dues.review && engine_.has_views()) {
    fired_.review_day = ToLocal(*dues.review).day;
    dues_.valid = false;
    const std::string date = protocol::DateFromDay(fired_.review_day);
    std::vector<Notice> notices;
    for (const auto& [id, agreement] : engine_.views().state().agreements()) {
      if (agreement.state != "active" || agreement.review != date) continue;
      auto title = engine_.views().OpenBody(agreement.title_entry);
      notices.push_back(Notice{NotifyEvent::kReview, "An agreement is due for review today",
                               title ? Text(*title, "title") : ""});
    }
    Save();
    Tell(std::move(notices), now);
  }
  // Time together: an hour before; one planned less than an hour ahead is
  // reminded of at once.
  if (auto plan = NextTogether(std::max(fired_.together_ms, now));
      plan && now + kTogetherAheadMs >= plan->first) {
    fired_.together_ms = plan->first;
    auto body = engine_.views().OpenBody(plan->second);
    Show(protocol::ComposeReminder(protocol::Reminder::kTogether, settings_, body ? Text(*body, "what") : ""), false);
    Save();
  }
}

std::uint64_t Notifier::MillisUntilNextTimer(std::uint64_t now) {
  if (scan_due_ || (engine_.has_views() && engine_.views().has_news())) return 0;
  std::uint64_t next = bus_.MillisUntilNextTimer();
  auto at = [&](std::uint64_t when) { next = std::min(next, when > now ? when - now : 0); };
  if (!batch_.empty()) at(last_shown_ms_ + kNoticeGapMs);
  if (!held_.empty()) {
    const LocalTime local = ToLocal(now);
    if (protocol::InQuietHours(settings_, local.minute)) {
      const protocol::DayMinute to = settings_.quiet->second;
      at(FromLocal(local.minute < to ? local.day : local.day + 1, to));
    } else if (!shown_this_hour_.empty() && shown_this_hour_.size() >= kNoticesPerHour) {
      at(shown_this_hour_.front() + kHourMs);
    } else {
      at(now);
    }
  }
  if (pause_end_ms_ != 0) at(pause_end_ms_);
  if (std::uint64_t reminder = NextReminder(now); reminder != UINT64_MAX) at(reminder);
  return next;
}

void Notifier::RunTimers(std::uint64_t now) {
  bus_.RunTimers();
  if (scan_due_ || (engine_.has_views() && engine_.views().has_news())) Scan(now);
  if (!batch_.empty() && now >= last_shown_ms_ + kNoticeGapMs) ShowBatch(now);
  if (!held_.empty()) ShowHeld(now);
  if (pause_end_ms_ != 0 && now >= pause_end_ms_) {
    pause_end_ms_ = 0;
    Save();
    const std::string name = PartnerName();
    Tell({Notice{NotifyEvent::kPause, (name.empty() ? "Your partner" : name) + "'s pause has ended", ""}}, now);
  }
  RunReminders(now);
}

void Notifier::Show(const protocol::Shown& shown, bool replace) { bus_.Show(shown, replace); }

protocol::NotifyStatus Notifier::StatusNow(std::uint64_t now) {
  protocol::NotifyStatus status;
  status.settings = settings_;
  status.bus = bus_.status();
  status.server = bus_.server();
  status.shown = bus_.shown_total();
  status.held = held_.size() + batch_.size();
  status.quiet_now = protocol::InQuietHours(settings_, ToLocal(now).minute);
  status.last_click = last_click_;
  if (std::uint64_t next = NextReminder(now); next != UINT64_MAX) status.next_reminder_ms = next;
  for (const auto& spec : protocol::kNotifyEvents) {
    status.events.push_back({std::string(spec.name), settings_.On(spec.event), spec.switchable, std::string(spec.about),
                             std::string(spec.screen)});
  }
  return status;
}

Result<protocol::NotifyStatus> Notifier::Change(const json& change, std::uint64_t now) {
  auto next = protocol::ApplyNotifyChange(settings_, change);
  if (!next.ok()) return next.take_error();
  settings_ = std::move(next).value();
  dues_.valid = false;
  SaveJson(engine_.store(), kSettingsKey, settings_.ToJson());
  return StatusNow(now);
}

protocol::NotifyStatus Notifier::Test(std::uint64_t now) {
  const std::string name = PartnerName();
  const Notice sample{NotifyEvent::kStatus, (name.empty() ? "Your partner" : name) + " says",
                      "This is how a notification from Kintsugi looks"};
  const bool sent = bus_.Show(protocol::Compose(sample, settings_, name), false);
  protocol::NotifyStatus status = StatusNow(now);
  status.sent = sent;
  return status;
}

}  // namespace kintsugi::daemon
