// What kintsugictl makes of what a person types and what the daemon replies:
// local times, whole numbers, and ids given as a short hex prefix, resolved
// against what the daemon lists; and the small readers of reply fields that
// the printers share.
//
// Thread-safety: an IdResolver is used by one thread at a time, like the
// Client it calls. The free functions are pure, except that ParseLocalTime
// reads this machine's time zone.
#pragma once

#include <cstdint>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "client/client.h"
#include "client/json_fields.h"
#include "base/result.h"

namespace kintsugi::ctl {

// j[key] and j[field] as a string (client/json_fields.h).
using client::At;
using client::Str;

// The first hex digits of an id, as humans are shown it (and may type it back).
std::string Short(const std::string& id);

// "HH:MM" (the next such local time after `now`) or "YYYY-MM-DD HH:MM"
// (local) -> Unix milliseconds. Fails with kInvalidArgument on any other text.
Result<std::int64_t> ParseLocalTime(const std::string& text, std::time_t now);

// A whole number, or the text as typed so that the daemon refuses it naming
// the rule ("mood must be a whole number from 1 to 10").
nlohmann::json Number(const std::string& text);

// How a typed value becomes a request parameter.
enum class Input {
  kSpec,  // an entry field: as its FieldSpec says (text, number, time, id or ids)
  kText,
  kNumber,  // a whole number
  kTime,    // HH:MM or YYYY-MM-DD HH:MM, local -> Unix ms
  kId,      // an id prefix -> a whole id
  kIds,
};

// Where the ids a command accepts come from, to resolve what a human typed.
enum class IdSource {
  kNone,
  kAgreement,   // view.agreements
  kAnswerable,  // proposals, open changes and agreements (view.pending, view.agreements)
  kOwnEntry,    // my entries (view.timeline author=me)
  kAnyEntry,    // every entry (view.timeline)
  kTalk,        // talk requests (view.together)
  kPlan,        // planned time together (view.together)
};

// A source's name ("answerable"), and the source a name names (kNone for
// none): how shell completion asks for ids (`kintsugictl __ids NAME`).
std::string_view IdSourceName(IdSource source);
IdSource IdSourceNamed(std::string_view name);

// Resolves a unique prefix of an id (at least six hex digits) against what
// the daemon lists, asking it once per source. Holds `client` by reference:
// it must outlive the resolver.
class IdResolver {
 public:
  explicit IdResolver(client::Client& client) : client_(client) {}

  // The whole id. A whole id (64 digits) is passed on as typed: the daemon
  // judges it. Fails on too short, unknown or ambiguous prefixes.
  Result<std::string> Resolve(IdSource source, const std::string& typed);
  // Every id of `source` (what shell completion offers).
  Result<std::vector<std::string>> Candidates(IdSource source);

 private:

  // Collects the ids under `key` in the result of `method`, following
  // next_before for up to `pages` pages.
  Status Page(const char* method, nlohmann::json params, const char* key, std::vector<std::string>& ids,
              int pages = 1);

  Status Load(IdSource source, std::vector<std::string>& ids);

  client::Client& client_;
  std::map<IdSource, std::vector<std::string>> cache_;
};

}  // namespace kintsugi::ctl
