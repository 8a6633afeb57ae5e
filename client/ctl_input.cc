#include "client/ctl_input.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>
#include <string_view>

#include "base/local_time.h"
#include "protocol/ipc_messages.h"
#include "protocol/kinds.h"

namespace kintsugi::ctl {

using nlohmann::json;

namespace {

constexpr std::size_t kShortId = 12;     // hex digits shown to humans
constexpr std::size_t kMinIdDigits = 6;  // hex digits a human must type
constexpr int kTimelinePage = 200;       // entries per view.timeline call when resolving ids
constexpr int kTimelinePages = 25;       // so ids resolve among the newest 5,000 entries

// True when `text` has the shape of `pattern`, where 'd' stands for a digit.
bool Shaped(const std::string& text, std::string_view pattern) {
  if (text.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool digit = text[i] >= '0' && text[i] <= '9';
    if (pattern[i] == 'd' ? !digit : text[i] != pattern[i]) return false;
  }
  return true;
}

std::string_view IdNoun(IdSource source) {
  switch (source) {
    case IdSource::kAgreement: return "agreement";
    case IdSource::kAnswerable: return "proposal or agreement";
    case IdSource::kOwnEntry: return "entry of yours";
    case IdSource::kAnyEntry: return "entry";
    case IdSource::kTalk: return "talk request";
    case IdSource::kPlan: return "planned time together";
    case IdSource::kNone: break;
  }
  return "thing";
}

bool IsHex(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char ch) { return std::isxdigit(static_cast<unsigned char>(ch)); });
}

void Collect(const json& list, std::vector<std::string>& ids) {
  for (const auto& item : list) ids.push_back(Str(item, "id"));
}

}  // namespace

std::string Short(const std::string& id) { return id.substr(0, kShortId); }

Result<std::int64_t> ParseLocalTime(const std::string& text, std::time_t now) {
  const bool dated = Shaped(text, "dddd-dd-dd dd:dd");
  const std::string clock = dated ? text.substr(11) : text;
  const auto bad =
      MakeError(ErrorCode::kInvalidArgument, "'" + text + "' is not a time: use HH:MM or YYYY-MM-DD HH:MM");
  if (!Shaped(clock, "dd:dd") || (dated && !protocol::DayFromDate(text.substr(0, 10)))) return bad;
  const int hour = std::stoi(clock.substr(0, 2)), minute = std::stoi(clock.substr(3, 2));
  if (hour > 23 || minute > 59) return bad;
  if (dated) {
    auto at = base::ParseLocalDateTime(text);
    if (!at) return bad;
    return static_cast<std::int64_t>(*at);
  }
  // A time alone: its next coming, today or tomorrow.
  const std::uint64_t now_ms = static_cast<std::uint64_t>(now) * 1000;
  const std::int64_t today = base::LocalDay(now_ms);
  std::uint64_t when = base::LocalMinuteMs(today, hour * 60 + minute);
  if (when <= now_ms) when = base::LocalMinuteMs(today + 1, hour * 60 + minute);
  return static_cast<std::int64_t>(when);
}

json Number(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc() && end == text.data() + text.size()) return value;
  return text;
}

namespace {
constexpr std::pair<IdSource, std::string_view> kIdSourceNames[] = {
    {IdSource::kAgreement, "agreement"}, {IdSource::kAnswerable, "answerable"}, {IdSource::kOwnEntry, "own-entry"},
    {IdSource::kAnyEntry, "entry"},      {IdSource::kTalk, "talk"},             {IdSource::kPlan, "plan"},
};
}  // namespace

std::string_view IdSourceName(IdSource source) {
  for (const auto& [s, name] : kIdSourceNames) {
    if (s == source) return name;
  }
  return "";
}

IdSource IdSourceNamed(std::string_view name) {
  for (const auto& [s, n] : kIdSourceNames) {
    if (n == name) return s;
  }
  return IdSource::kNone;
}

Result<std::string> IdResolver::Resolve(IdSource source, const std::string& typed) {
  std::string prefix = typed;
  std::transform(prefix.begin(), prefix.end(), prefix.begin(),
                 [](unsigned char ch) { return std::tolower(ch); });
  if (prefix.size() < kMinIdDigits || prefix.size() > 64 || !IsHex(prefix)) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "'" + typed + "' is not an id: give at least 6 hex digits of it, as shown");
  }
  if (prefix.size() == 64) return prefix;
  auto candidates = Candidates(source);
  if (!candidates.ok()) return candidates.take_error();
  std::set<std::string> matches;
  for (const auto& id : *candidates) {
    if (id.rfind(prefix, 0) == 0) matches.insert(id);
  }
  if (matches.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "no " + std::string(IdNoun(source)) + " has an id starting with " + prefix);
  }
  if (matches.size() > 1) {
    std::string list;
    for (const auto& id : matches) list += (list.empty() ? "" : ", ") + Short(id);
    return MakeError(ErrorCode::kInvalidArgument, prefix + " could be any of " + list + ": give more digits");
  }
  return *matches.begin();
}

Result<std::vector<std::string>> IdResolver::Candidates(IdSource source) {
  auto cached = cache_.find(source);
  if (cached == cache_.end()) {
    auto status = Load(source, cache_[source]);
    if (!status.ok()) return status.take_error();
    cached = cache_.find(source);
  }
  return cached->second;
}

Status IdResolver::Page(const char* method, json params, const char* key, std::vector<std::string>& ids,
                        int pages) {
  for (int page = 0; page < pages; ++page) {
    auto r = client_.Call(method, params);
    if (!r.ok()) return r.take_error();
    Collect((*r)[key], ids);
    if (!r->contains("next_before") || !(*r)["next_before"].is_string()) break;
    params["before"] = (*r)["next_before"];
  }
  return {};
}

Status IdResolver::Load(IdSource source, std::vector<std::string>& ids) {
  const json mine{{"limit", kTimelinePage}, {"author", "me"}}, all{{"limit", kTimelinePage}};
  switch (source) {
    case IdSource::kAgreement:
    case IdSource::kAnswerable: {
      auto r = client_.Call("view.agreements");
      if (!r.ok()) return r.take_error();
      auto view = client::ReadReply<protocol::AgreementsReply>(*r);
      if (!view.ok()) return view.take_error();
      for (const protocol::AgreementView& a : view->agreements) ids.push_back(a.id);
      if (source == IdSource::kAgreement) return {};
      for (const protocol::AgreementView& a : view->agreements) {
        for (const protocol::AgreementChange& change : a.open_changes) ids.push_back(change.id);
      }
      return Page("view.pending", json::object(), "proposals", ids);
    }
    case IdSource::kTalk: return Page("view.together", json::object(), "talks", ids);
    case IdSource::kPlan: return Page("view.together", json::object(), "plans", ids);
    case IdSource::kOwnEntry: return Page("view.timeline", mine, "entries", ids, kTimelinePages);
    case IdSource::kAnyEntry: return Page("view.timeline", all, "entries", ids, kTimelinePages);
    case IdSource::kNone: break;
  }
  return {};
}

}  // namespace kintsugi::ctl
