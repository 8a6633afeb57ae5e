// Notifier: tells this device's person, through desktop notifications, what
// the partner did while the window was closed, and reminds them of what they
// asked to be reminded of (docs/NOTIFICATIONS.md). What a notification says
// is decided in protocol/notify.h; this decides when.
//
// It takes what the fold just applied that can notify (Views::TakeNews: the
// kind and the words, no read of the store, so a catch-up costs it nothing
// but the kinds that notify), keeps the partner's past a cursor in the store
// (nothing is told twice across restarts), and tells what the settings
// switch on. It also hears the daemon's own events (the ones published to
// the window): a fork, a change of sharing, the vault opening.
// Entries written more than a day before they arrive are old news: the
// window shows them, no notification does.
//
// When: a notification replaces the last one from the partner, so the
// desktop holds one; those arriving within kGapMs are told as one; no more
// than kPerHour an hour (a partner writing without end gets a summary at the
// hour's end); quiet hours hold them all and one summary follows. Alarms
// (fork, failed verification) are never held, and come one in ten minutes. Reminders fire once at their
// minute in local time (checked again at each wake-up, so a change of time
// zone or daylight saving is followed), once a day at most, across restarts;
// one missed by more than kLateMs (the computer was off or asleep) is not
// shown late. Local time is worked out again at most once a minute, so a
// change of time zone is followed within it.
//
// A locked vault has no keys: the kind of an entry that arrives is sealed,
// so the person hears only "Kintsugi: something new", once until unlocked.
//
// Settings and this state are kept in the store's meta table, unsealed:
// switches, times and counts, never a word of the ledger.
//
// Thread-safety: the daemon loop's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/desktop/desktop_bus.h"
#include "daemon/engine.h"
#include "protocol/ipc_messages.h"
#include "protocol/notify.h"

namespace kintsugi::daemon {

inline constexpr std::uint64_t kNoticeGapMs = 10'000;
inline constexpr std::size_t kNoticesPerHour = 12;
inline constexpr std::uint64_t kReminderLateMs = 60 * 60'000;
inline constexpr std::uint64_t kOldNewsMs = 24 * 3'600'000;
inline constexpr std::uint64_t kTogetherAheadMs = 60 * 60'000;
inline constexpr protocol::DayMinute kReviewMinute = 9 * 60;  // review dates are told at 09:00
inline constexpr std::size_t kHeldKept = 1000;                // held events counted at most
inline constexpr std::uint64_t kAlarmGapMs = 10 * 60'000;      // one alarm in this long at most

// Local calendar arithmetic in this machine's time zone (re-read each call).
struct LocalTime {
  std::int64_t day = 0;           // days since 1970-01-01, local
  protocol::DayMinute minute = 0; // of that day
  int weekday = 0;                // 0 Sunday
};
LocalTime ToLocal(std::uint64_t unix_ms);
// Unix milliseconds of `minute` on local `day` (a minute skipped by daylight
// saving moves forward with the clock).
std::uint64_t FromLocal(std::int64_t day, protocol::DayMinute minute);

class Notifier {
 public:
  // What clicking a notification does: opens the window on `screen`; says
  // how (for status).
  using Opener = std::function<std::string(const std::string& screen)>;

  Notifier(Engine& engine, Opener opener);
  ~Notifier();  // writes what it has not written yet
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Reads settings and state from the store; call after the engine opened,
  // and again when it holds another ledger (a restore).
  void Load();

  // Every event the daemon publishes, as the window hears it.
  void OnEvent(std::string_view topic, const nlohmann::json& data);

  std::uint64_t MillisUntilNextTimer(std::uint64_t now);
  void RunTimers(std::uint64_t now);

  DesktopBus& bus() { return bus_; }

  // notify.status: the settings, whether and why nothing is shown, what
  // waits, and the next reminders.
  protocol::NotifyStatus StatusNow(std::uint64_t now);
  // notify.set: applies `change` (protocol::ApplyNotifyChange) and saves it.
  Result<protocol::NotifyStatus> Change(const nlohmann::json& change, std::uint64_t now);
  // notify.test: shows a notification now, as a new one from the partner
  // would look with these settings.
  protocol::NotifyStatus Test(std::uint64_t now);

 private:
  struct Fired {
    std::int64_t checkin_day = -1;
    std::int64_t meeting_day = -1;
    std::int64_t review_day = -1;
    std::uint64_t together_ms = 0;  // the `when` of the last plan reminded of
  };

  std::string PartnerName();
  void Save();
  void Scan(std::uint64_t now);
  std::optional<protocol::Notice> NoticeOf(const nlohmann::json& body, const std::string& kind,
                                           std::uint64_t written_ms, std::uint64_t now);
  // Takes `notices` in: shown now, batched, or held (quiet hours, the hourly cap).
  void Tell(std::vector<protocol::Notice> notices, std::uint64_t now);
  void ShowBatch(std::uint64_t now);
  void ShowHeld(std::uint64_t now);
  void RunReminders(std::uint64_t now);
  std::uint64_t NextReminder(std::uint64_t now);
  // Due time of the daily reminder at `minute` not yet fired after day `fired`.
  std::optional<std::uint64_t> DailyDue(std::optional<protocol::DayMinute> minute, std::int64_t fired,
                                        std::uint64_t now, std::optional<int> weekday);
  std::optional<std::pair<std::uint64_t, std::string>> NextTogether(std::uint64_t after_when);
  // When the daily and weekly reminders and the review dates are due next,
  // worked out in local time at most once a minute.
  struct Dues {
    std::optional<std::uint64_t> checkin, meeting, review;
    std::uint64_t computed_ms = 0;
    bool valid = false;
  };
  const Dues& CurrentDues(std::uint64_t now);
  void Show(const protocol::Shown& shown, bool replace);

  Engine& engine_;
  Opener opener_;
  DesktopBus bus_;
  protocol::NotifySettings settings_;
  std::int64_t cursor_ = 0;  // the newest entry (rowid) considered
  Fired fired_;
  Dues dues_;
  std::vector<protocol::NotifyEvent> held_;  // kept through quiet hours and the hourly cap
  std::uint64_t pause_end_ms_ = 0;           // the partner's pause ends: tell it
  bool scan_due_ = false;
  bool unsaved_ = false;      // the cursor moved since it was last written
  std::uint64_t saved_ms_ = 0;
  bool locked_told_ = false;
  bool partner_paused_ = false;
  std::vector<protocol::Notice> batch_;  // arrived within kNoticeGapMs of the last shown
  std::uint64_t last_shown_ms_ = 0;
  std::uint64_t last_alarm_ms_ = 0;
  std::vector<std::uint64_t> shown_this_hour_;
  std::string last_click_;
};

}  // namespace kintsugi::daemon
