// Desktop notifications and reminders: what this device's person chose
// (settings), and what a notification says (docs/NOTIFICATIONS.md).
//
// A notification can be read over a shoulder or on a lock screen, so what it
// says is decided here, in one place: by default only that something came
// from the partner ("Kintsugi: something new from Sam"), nothing at all when
// the person chose so, and the partner's words only when they opted in on
// this device. Words are escaped for the notification server's markup and
// cut short. The daemon decides when (daemon/desktop/notifier.h).
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace kintsugi::protocol {

// What can notify. Each but kAlarm and kSomething is switchable.
enum class NotifyEvent {
  kAnswer,     // the partner's proposal, amendment, retirement or phase awaits my answer
  kTalk,       // the partner asks to talk, or answers my request
  kStatus,     // the partner's status check-in
  kPause,      // the partner starts a pause, and when it ends
  kSharing,    // the partner paused or resumed sharing
  kLeave,      // the partner left the shared ledger
  kReview,     // an agreement's review date has come
  kAlarm,      // a fork or a failed verification: always on
  kSomething,  // something arrived while the keys are locked: its kind is sealed
};

struct NotifyEventSpec {
  NotifyEvent event;
  std::string_view name;    // in settings and kintsugictl
  std::string_view screen;  // where the window opens: pending, today, together or agreements
  bool switchable;
  std::string_view about;   // for Settings and `kintsugictl notify status`
};

inline constexpr NotifyEventSpec kNotifyEvents[] = {
    {NotifyEvent::kAnswer, "answer", "pending", true, "your partner proposes, changes or ends an agreement"},
    {NotifyEvent::kTalk, "talk", "today", true, "your partner asks to talk, or answers your request"},
    {NotifyEvent::kStatus, "status", "today", true, "your partner says what is going on"},
    {NotifyEvent::kPause, "pause", "today", true, "your partner takes a pause, and when it ends"},
    {NotifyEvent::kSharing, "sharing", "today", true, "your partner pauses or resumes sharing"},
    {NotifyEvent::kLeave, "leave", "today", true, "your partner leaves the shared ledger"},
    {NotifyEvent::kReview, "review", "agreements", true, "an agreement is due for review"},
    {NotifyEvent::kAlarm, "alarm", "today", false, "the ledger needs your attention (always on)"},
    {NotifyEvent::kSomething, "something", "today", false,
     "something arrived while your passphrase locks the ledger"},
};
const NotifyEventSpec& SpecOf(NotifyEvent event);
std::optional<NotifyEvent> FindNotifyEvent(std::string_view name);

enum class Reminder { kCheckIn, kMeeting, kTogether };

// How much a notification says.
enum class NotifyShow {
  kNothing,   // "Kintsugi"
  kDiscreet,  // "Kintsugi: something new from Sam" (the default)
  kWords,     // what happened and the partner's words (opt-in, per device)
};

// A time of day, in minutes after local midnight (0 to 1439).
using DayMinute = int;

struct WeeklyTime {
  int weekday = 0;  // 0 Sunday .. 6 Saturday
  DayMinute minute = 0;
  bool operator==(const WeeklyTime&) const = default;
};

// This device's choices. Kept by the daemon, never shared with the partner.
struct NotifySettings {
  bool enabled = true;
  NotifyShow show = NotifyShow::kDiscreet;
  std::vector<std::string> off;  // names of switched-off events, sorted
  // Notifications are held from `quiet_from` to `quiet_to` (wrapping past
  // midnight) and summed up in one after; nullopt: no quiet hours.
  std::optional<std::pair<DayMinute, DayMinute>> quiet = std::pair<DayMinute, DayMinute>{22 * 60, 8 * 60};
  std::optional<DayMinute> checkin;    // the daily check-in reminder
  std::optional<WeeklyTime> meeting;   // the weekly meeting reminder
  bool together = false;               // an hour before time planned together

  bool On(NotifyEvent event) const;
  nlohmann::json ToJson() const;
  bool operator==(const NotifySettings&) const = default;
};

// `change` applied to `settings`: any of the keys of ToJson(), each whole
// except "events" ({"status": false, ...}). A key that is not known or a
// value that does not fit fails with kInvalidArgument, naming it; nothing is
// changed then.
Result<NotifySettings> ApplyNotifyChange(NotifySettings settings, const nlohmann::json& change);
// Whether an entry of `kind` (its name) can notify the partner: a proposal,
// amendment, retirement or phase, a talk request or answer, a status, a
// pause or a leave. The views keep these as they fold them (daemon/views.h).
bool NotifyingKind(std::string_view kind);

// Settings read back from ToJson() (a stored copy); the defaults for
// anything missing or damaged.
NotifySettings NotifySettingsFromJson(const nlohmann::json& j);

// "HH:MM" (00:00 to 23:59) and back.
std::optional<DayMinute> ParseDayMinute(std::string_view text);
std::string FormatDayMinute(DayMinute minute);
std::optional<int> ParseWeekday(std::string_view name);  // "sunday".."saturday", or their first three letters
std::string_view WeekdayName(int weekday);

// Whether `minute` (of the local day) falls in the quiet hours.
bool InQuietHours(const NotifySettings& settings, DayMinute minute);

// Something to tell. `what` and `words` are used only when the person chose
// words: `what` says what happened ("Sam asks to talk"), `words` is the
// partner's text (may be empty).
struct Notice {
  NotifyEvent event = NotifyEvent::kSomething;
  std::string what;
  std::string words;
};

// A notification as the desktop shows it. `body` is escaped for the
// server's markup.
struct Shown {
  std::string summary;
  std::string body;
  std::string screen;  // what clicking it opens
  bool operator==(const Shown&) const = default;
};

// The longest body a notification gets, in characters; longer words are cut.
inline constexpr std::size_t kMaxNoticeChars = 160;

// What `notice` shows under `settings`; `partner` is the partner's name
// ("" when unknown, e.g. while locked).
Shown Compose(const Notice& notice, const NotifySettings& settings, std::string_view partner);
// One notification for several held or arrived together: counts and kinds,
// never words.
Shown Summarize(std::span<const NotifyEvent> events, const NotifySettings& settings, std::string_view partner,
                std::string_view when);
// A reminder; `words` is what was planned (time together), shown only with words.
Shown ComposeReminder(Reminder reminder, const NotifySettings& settings, std::string_view words);

// Text made safe for a notification body: markup characters escaped, runs of
// spaces and control characters one space, direction overrides dropped, cut
// to kMaxNoticeChars.
std::string NoticeText(std::string_view text);

}  // namespace kintsugi::protocol
