#include "protocol/notify.h"

#include <algorithm>
#include <array>
#include <map>

#include "protocol/utf8.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 7> kWeekdays = {"sunday",   "monday", "tuesday", "wednesday",
                                                       "thursday", "friday", "saturday"};

constexpr std::string_view ShowName(NotifyShow show) {
  switch (show) {
    case NotifyShow::kNothing: return "nothing";
    case NotifyShow::kDiscreet: return "discreet";
    case NotifyShow::kWords: return "words";
  }
  return "discreet";
}

Error Invalid(const std::string& message) { return MakeError(ErrorCode::kInvalidArgument, message); }

Result<DayMinute> TimeField(const json& value, const std::string& name) {
  auto minute = value.is_string() ? ParseDayMinute(value.get<std::string>()) : std::nullopt;
  if (!minute) return Invalid(name + " must be a time of day HH:MM, from 00:00 to 23:59");
  return *minute;
}

Result<bool> BoolField(const json& value, const std::string& name) {
  if (!value.is_boolean()) return Invalid(name + " must be true or false");
  return value.get<bool>();
}

// "from Sam" or "" when the name is not known.
std::string FromPartner(std::string_view partner) {
  return partner.empty() ? std::string() : " from " + std::string(partner);
}

// What each kind of event is called in a summary, one or many.
std::string Counted(NotifyEvent event, std::size_t n) {
  const bool one = n == 1;
  const std::string count = std::to_string(n);
  switch (event) {
    case NotifyEvent::kAnswer: return one ? "an agreement to answer" : count + " agreements to answer";
    case NotifyEvent::kTalk: return one ? "a talk request or answer" : count + " talk requests or answers";
    case NotifyEvent::kStatus: return one ? "a status" : count + " statuses";
    case NotifyEvent::kPause: return one ? "a pause" : count + " pauses";
    case NotifyEvent::kSharing: return one ? "a change to sharing" : count + " changes to sharing";
    case NotifyEvent::kLeave: return "a leave";
    case NotifyEvent::kReview: return one ? "a review date" : count + " review dates";
    case NotifyEvent::kAlarm: return "something that needs your attention";
    case NotifyEvent::kSomething: return one ? "something new" : count + " new things";
  }
  return "something new";
}

}  // namespace

const NotifyEventSpec& SpecOf(NotifyEvent event) {
  for (const auto& spec : kNotifyEvents) {
    if (spec.event == event) return spec;
  }
  return kNotifyEvents[0];
}

std::optional<NotifyEvent> FindNotifyEvent(std::string_view name) {
  for (const auto& spec : kNotifyEvents) {
    if (spec.name == name) return spec.event;
  }
  return std::nullopt;
}

bool NotifyingKind(std::string_view kind) {
  for (std::string_view k : {"propose", "amend", "retire", "phase", "talk.request", "talk.answer", "status", "pause",
                             "leave"}) {
    if (kind == k) return true;
  }
  return false;
}

bool NotifySettings::On(NotifyEvent event) const {
  if (event == NotifyEvent::kAlarm) return true;  // always, even with everything else off
  if (!enabled) return false;
  const auto& spec = SpecOf(event);
  return !spec.switchable || std::find(off.begin(), off.end(), spec.name) == off.end();
}

json NotifySettings::ToJson() const {
  json events = json::object();
  for (const auto& spec : kNotifyEvents) {
    if (spec.switchable) events[std::string(spec.name)] = std::find(off.begin(), off.end(), spec.name) == off.end();
  }
  json j{{"enabled", enabled}, {"show", ShowName(show)}, {"events", events}};
  j["quiet"] = quiet ? json{{"from", FormatDayMinute(quiet->first)}, {"to", FormatDayMinute(quiet->second)}}
                     : json(nullptr);
  json remind = json::object();
  remind["checkin"] = checkin ? json(FormatDayMinute(*checkin)) : json(nullptr);
  remind["meeting"] = meeting ? json{{"day", WeekdayName(meeting->weekday)}, {"time", FormatDayMinute(meeting->minute)}}
                              : json(nullptr);
  remind["together"] = together;
  j["remind"] = remind;
  return j;
}

Result<NotifySettings> ApplyNotifyChange(NotifySettings s, const json& change) {
  if (!change.is_object()) return Invalid("the change must be an object");
  for (const auto& [key, value] : change.items()) {
    if (key == "enabled") {
      auto v = BoolField(value, "enabled");
      if (!v.ok()) return v.take_error();
      s.enabled = *v;
    } else if (key == "show") {
      const std::string name = value.is_string() ? value.get<std::string>() : "";
      if (name == "nothing") {
        s.show = NotifyShow::kNothing;
      } else if (name == "discreet") {
        s.show = NotifyShow::kDiscreet;
      } else if (name == "words") {
        s.show = NotifyShow::kWords;
      } else {
        return Invalid("show must be nothing, discreet or words");
      }
    } else if (key == "events") {
      if (!value.is_object()) return Invalid("events must be an object of names and true or false");
      for (const auto& [name, on] : value.items()) {
        auto event = FindNotifyEvent(name);
        if (!event || !SpecOf(*event).switchable) {
          std::string known;
          for (const auto& spec : kNotifyEvents) {
            if (spec.switchable) known += (known.empty() ? "" : ", ") + std::string(spec.name);
          }
          return Invalid("no event '" + name + "' can be switched; these can: " + known);
        }
        auto v = BoolField(on, "events." + name);
        if (!v.ok()) return v.take_error();
        std::erase(s.off, name);
        if (!*v) s.off.push_back(name);
      }
      std::sort(s.off.begin(), s.off.end());
    } else if (key == "quiet") {
      if (value.is_null()) {
        s.quiet.reset();
        continue;
      }
      if (!value.is_object() || !value.contains("from") || !value.contains("to") || value.size() != 2) {
        return Invalid("quiet must be null (no quiet hours) or {\"from\": \"HH:MM\", \"to\": \"HH:MM\"}");
      }
      auto from = TimeField(value["from"], "quiet.from");
      if (!from.ok()) return from.take_error();
      auto to = TimeField(value["to"], "quiet.to");
      if (!to.ok()) return to.take_error();
      if (*from == *to) return Invalid("quiet hours must start and end at different times");
      s.quiet = std::pair{*from, *to};
    } else if (key == "remind") {
      if (!value.is_object()) return Invalid("remind must be an object with checkin, meeting or together");
      for (const auto& [what, v] : value.items()) {
        if (what == "checkin") {
          if (v.is_null()) {
            s.checkin.reset();
            continue;
          }
          auto minute = TimeField(v, "remind.checkin");
          if (!minute.ok()) return minute.take_error();
          s.checkin = *minute;
        } else if (what == "meeting") {
          if (v.is_null()) {
            s.meeting.reset();
            continue;
          }
          auto day = v.is_object() && v.contains("day") && v["day"].is_string()
                         ? ParseWeekday(v["day"].get<std::string>())
                         : std::nullopt;
          if (!day || !v.contains("time") || v.size() != 2) {
            return Invalid("remind.meeting must be null or {\"day\": \"sunday\", \"time\": \"HH:MM\"}");
          }
          auto minute = TimeField(v["time"], "remind.meeting.time");
          if (!minute.ok()) return minute.take_error();
          s.meeting = WeeklyTime{*day, *minute};
        } else if (what == "together") {
          auto on = BoolField(v, "remind.together");
          if (!on.ok()) return on.take_error();
          s.together = *on;
        } else {
          return Invalid("no reminder '" + what + "': there are checkin, meeting and together");
        }
      }
    } else {
      return Invalid("no setting '" + key + "': there are enabled, show, events, quiet and remind");
    }
  }
  return s;
}

NotifySettings NotifySettingsFromJson(const json& j) {
  NotifySettings defaults;
  if (!j.is_object()) return defaults;
  // Each key on its own: one damaged value loses only itself.
  for (const auto& [key, value] : j.items()) {
    auto next = ApplyNotifyChange(defaults, json{{key, value}});
    if (next.ok()) defaults = std::move(next).value();
  }
  return defaults;
}

std::optional<DayMinute> ParseDayMinute(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

std::string FormatDayMinute(DayMinute minute) {
  minute = std::clamp(minute, 0, 24 * 60 - 1);
  char out[6] = {static_cast<char>('0' + minute / 600), static_cast<char>('0' + minute / 60 % 10), ':',
                 static_cast<char>('0' + minute % 60 / 10), static_cast<char>('0' + minute % 10), 0};
  return out;
}

std::optional<int> ParseWeekday(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (int i = 0; i < 7; ++i) {
    if (lower == kWeekdays[i] || (lower.size() == 3 && kWeekdays[i].substr(0, 3) == lower)) return i;
  }
  return std::nullopt;
}

std::string_view WeekdayName(int weekday) { return kWeekdays[static_cast<std::size_t>(((weekday % 7) + 7) % 7)]; }

bool InQuietHours(const NotifySettings& settings, DayMinute minute) {
  if (!settings.quiet) return false;
  const auto [from, to] = *settings.quiet;
  return from < to ? minute >= from && minute < to : minute >= from || minute < to;
}

std::string NoticeText(std::string_view text) {
  std::string out;
  std::size_t chars = 0;
  bool space = false;
  for (std::size_t i = 0; i < text.size();) {
    auto [c, n] = NextCodePoint(text, i);
    i += n;
    const bool control = c < 0x20 || (c >= 0x7F && c < 0xA0);
    // Direction overrides and isolates would turn the rest of the line around.
    const bool steering = (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    if (steering) continue;
    if (control || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (chars == kMaxNoticeChars) {
      out += "\u2026";
      return out;
    }
    if (space) {
      out += ' ';
      ++chars;
      space = false;
      if (chars == kMaxNoticeChars) {
        out += "\u2026";
        return out;
      }
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: AppendUtf8(out, c);
    }
    ++chars;
  }
  return out;
}

Shown Compose(const Notice& notice, const NotifySettings& settings, std::string_view partner) {
  Shown shown{"Kintsugi", "", std::string(SpecOf(notice.event).screen)};
  if (notice.event == NotifyEvent::kAlarm) {
    // Never says what, whatever was chosen: open the window to read it.
    shown.summary = "Kintsugi needs your attention";
    return shown;
  }
  switch (settings.show) {
    case NotifyShow::kNothing: return shown;
    case NotifyShow::kDiscreet:
      shown.summary = "Kintsugi: something new" + (notice.event == NotifyEvent::kSomething ? "" : FromPartner(partner));
      return shown;
    case NotifyShow::kWords:
      if (notice.event == NotifyEvent::kSomething || notice.what.empty()) {
        shown.summary = "Kintsugi: something new" +
                        (notice.event == NotifyEvent::kSomething ? "" : FromPartner(partner));
        return shown;
      }
      shown.summary = NoticeText(notice.what);
      shown.body = NoticeText(notice.words);
      return shown;
  }
  return shown;
}

Shown Summarize(std::span<const NotifyEvent> events, const NotifySettings& settings, std::string_view partner,
                std::string_view when) {
  Shown shown{"Kintsugi", "", "today"};
  if (events.empty()) return shown;
  std::map<NotifyEvent, std::size_t> counts;
  for (NotifyEvent e : events) ++counts[e];
  if (counts.size() == 1) shown.screen = std::string(SpecOf(counts.begin()->first).screen);
  if (settings.show == NotifyShow::kNothing) return shown;
  const std::string n = std::to_string(events.size());
  shown.summary = "Kintsugi: " + (events.size() == 1 ? std::string("something new") : n + " new things") +
                  FromPartner(partner) + std::string(when);
  if (settings.show == NotifyShow::kWords) {
    std::string list;
    std::size_t i = 0;
    for (const auto& [event, count] : counts) {
      list += (i == 0 ? "" : i + 1 == counts.size() ? " and " : ", ") + Counted(event, count);
      ++i;
    }
    list[0] = static_cast<char>(list[0] >= 'a' && list[0] <= 'z' ? list[0] - 'a' + 'A' : list[0]);
    shown.body = NoticeText(list);
  }
  return shown;
}

Shown ComposeReminder(Reminder reminder, const NotifySettings& settings, std::string_view words) {
  Shown shown{"Kintsugi", "", "today"};
  switch (reminder) {
    case Reminder::kCheckIn: shown.summary = "Kintsugi: time for today's check-in"; break;
    case Reminder::kMeeting:
      shown.summary = "Kintsugi: time for your weekly meeting";
      shown.screen = "together";
      break;
    case Reminder::kTogether:
      shown.summary = "Kintsugi: time together in an hour";
      shown.screen = "together";
      if (settings.show == NotifyShow::kWords) shown.body = NoticeText(words);
      break;
  }
  if (settings.show == NotifyShow::kNothing) {
    shown.summary = "Kintsugi";
    shown.body.clear();
  }
  return shown;
}

}  // namespace kintsugi::protocol
