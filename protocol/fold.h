// The ledger's meaning: a pure fold over its entries in causal order
// (docs/LEDGER.md). Each entry is evaluated against the state the entries
// before it built; an entry whose operation is not allowed (accepting one's
// own proposal, amending a retired agreement, correcting the partner's entry)
// is kept as history but has no effect, and its Effect says why. The daemon
// refuses the same operation at append, with the same reason, by calling
// Check() before it signs anything.
//
// Causal order is a total order every replica computes alike: by CausalStamp
// (an entry's clock, raised above its chain predecessor's and its parents'
// stamps), then by author key. Two replicas that fold the same entries in this
// order build equal states (ToJson() compares equal), whatever order the
// entries arrived in.
//
// The state holds ids, names, numbers, dates and choices, never an entry's
// words: views open the words they show through a BodyOpener, so a withdrawn
// entry's text is gone from every view once its key is destroyed.
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/keys.h"
#include "base/result.h"
#include "protocol/entry.h"
#include "protocol/ipc_messages.h"
#include "protocol/kinds.h"

namespace kintsugi::protocol {

// An entry's causal stamp: max(hlc, stamp(prev) + 1, stamp(parent) + 1 for
// each parent). Causes always get lower stamps than their effects, even when
// the author's clock was behind.
std::uint64_t CausalStamp(std::uint64_t hlc, std::uint64_t prev_stamp,
                          const std::vector<std::uint64_t>& parent_stamps);

// The position of an entry in causal order.
struct OrderKey {
  std::uint64_t stamp = 0;
  crypto::PublicKey author{};
  auto operator<=>(const OrderKey&) const = default;
};

struct FoldEntry {
  enum class Content { kBody, kWithdrawn, kUnreadable };
  EntryId id{};
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
  std::uint64_t hlc = 0;
  std::uint64_t stamp = 0;
  Content content = Content::kBody;
  nlohmann::json body;  // the opened body, when content == kBody
};

// What the fold knows of an earlier entry that another refers to.
struct RefInfo {
  crypto::PublicKey author{};
  std::uint64_t seq = 0;
};
// Finds an entry that comes before the one being folded, in causal order.
using RefResolver = std::function<std::optional<RefInfo>(const EntryId&)>;

// What one entry did.
struct Effect {
  std::string kind;         // the body's kind, or "withdrawn" / "unreadable" / "unknown"
  bool applied = false;
  std::string reason_code;  // when not applied: a stable code ("own_proposal")
  std::string reason;       // and a plain sentence
  std::optional<EntryId> withdraws;  // an applied withdraw: the entry whose key must go
  std::optional<EntryId> ref;        // the agreement, proposal or entry it refers to

  nlohmann::json ToJson() const;
  static Effect FromJson(const nlohmann::json& j);
};

// Reads the words of an entry for a view; nullopt when withdrawn or unreadable.
using BodyOpener = std::function<std::optional<nlohmann::json>(const std::string& entry_id_hex)>;

namespace fold {

struct Event {          // an entry in an agreement's or the phase's history
  std::string entry;
  std::string kind;
  std::string author;
  std::uint64_t ms = 0;
  bool operator==(const Event&) const = default;
};

struct Agreement {
  std::string id;        // the propose entry
  std::string proposer;  // author key, hex
  std::uint64_t proposed_ms = 0;
  std::string state;     // proposed | active | declined | retired
  int version = 0;       // changes accepted (1 once active)
  std::string text_entry;   // the entry whose text is current
  std::string title_entry;  // the entry whose title is current
  std::string category;
  std::string review;    // date, or ""
  std::vector<std::string> signed_by;  // the two authors of the version in force
  std::uint64_t since_ms = 0;          // active (or retired) since
  std::map<std::string, std::array<int, 3>> outcomes;  // author -> kept, struggled, missed
  std::vector<Event> history;          // proposals and answers about it, in order
  bool operator==(const Agreement&) const = default;
};

struct Proposal {
  std::string id;
  std::string kind;       // propose | amend | retire | phase
  std::string author;
  std::string agreement;  // "" for phase
  int base_version = 0;
  std::string status;     // open | accepted | declined | superseded
  std::string answered_by;
  std::uint64_t ms = 0;
  std::string phase;             // a phase proposal's phase
  std::int64_t breach_day = -1;  // and the day it names for the breach, if any
  bool has_title = false;        // an amendment with a new title
  std::string category;          // an amendment's new category / review date, if any
  std::string review;
  bool operator==(const Proposal&) const = default;
};

struct DayPoint {
  int mood_sum = 0, mood_n = 0, trust_sum = 0, trust_n = 0;
  bool operator==(const DayPoint&) const = default;
};

struct WeekCounts {
  int triggers = 0, appreciations = 0, meetings = 0, repairs = 0, checkins = 0, time_together = 0;
  bool operator==(const WeekCounts&) const = default;
};

struct Mark {           // an entry that stands for something until later
  std::string entry;
  std::string author;
  std::uint64_t ms = 0;
  std::uint64_t until_ms = 0;
  std::string closed_by;  // talk addressed, plan done
  std::uint64_t closed_ms = 0;
  std::string answer;        // a talk request: the latest answer (kTalkAnswers), or ""
  std::string answer_entry;  // and the talk.answer entry that gave it
  std::uint64_t answer_ms = 0;
  bool operator==(const Mark&) const = default;
};

struct Phase {
  std::string current;      // "" until the couple agree on one
  std::string entry;        // the accepted phase proposal
  std::uint64_t since_ms = 0;
  std::int64_t breach_day = -1;  // when the breach was named (days since 1970)
  std::vector<Event> history;
  bool operator==(const Phase&) const = default;
};

struct Departure {       // a partner left: the shared ledger ended here
  std::string author;
  std::string entry;     // the leave entry
  std::uint64_t seq = 0;  // its place in its author's chain
  std::uint64_t ms = 0;
  bool operator==(const Departure&) const = default;
};

}  // namespace fold

class LedgerState {
 public:
  // Evaluates `entry` against this state without changing it.
  Effect Check(const FoldEntry& entry, const RefResolver& refs) const;
  // Folds `entry` in: the same Effect as Check(), and the state moves on.
  Effect Apply(const FoldEntry& entry, const RefResolver& refs);

  std::uint64_t entries() const { return entries_; }
  const std::map<std::string, std::string>& members() const { return members_; }
  const std::map<std::string, fold::Agreement>& agreements() const { return agreements_; }
  const std::map<std::string, fold::Proposal>& proposals() const { return proposals_; }
  const fold::Phase& phase() const { return phase_; }
  // Time planned together, by plan entry: until_ms is when.
  const std::map<std::string, fold::Mark>& plans() const { return plans_; }
  bool withdrawn(const std::string& id) const { return withdrawn_.count(id) > 0; }
  const std::map<std::string, std::vector<std::string>>& corrections() const { return corrections_; }
  // Set once a `leave` took effect: every entry after it, in causal order,
  // by either partner, has no effect (`ledger_ended`).
  const std::optional<fold::Departure>& left() const { return left_; }
  // Why nothing more can be added once left(), naming who left.
  std::string EndedReason() const;

  // Views (docs/LEDGER.md, "Views"). `me` is the asking author (hex).
  AgreementsReply AgreementsView(const BodyOpener& open) const;
  // `today` is the asker's local day (days since 1970-01-01), for reviews due.
  PendingReply PendingView(const std::string& me, std::int64_t today, const BodyOpener& open) const;
  // Days are local days since 1970-01-01; [from_day, to_day] inclusive.
  TrendsReply TrendsView(std::int64_t from_day, std::int64_t to_day, std::int64_t today) const;
  // Talks, plans, each member's latest status, and the pauses still running.
  TogetherReply TogetherView(std::uint64_t now_ms, const BodyOpener& open) const;

  nlohmann::json ToJson() const;
  static Result<LedgerState> FromJson(const nlohmann::json& j);
  bool operator==(const LedgerState&) const = default;

 private:
  Effect Evaluate(const FoldEntry& entry, const RefResolver& refs, LedgerState* apply) const;

  std::uint64_t entries_ = 0;
  std::map<std::string, std::string> members_;  // author -> name
  std::map<std::string, fold::Agreement> agreements_;
  std::map<std::string, fold::Proposal> proposals_;
  std::map<std::string, std::map<std::int64_t, fold::DayPoint>> days_;      // author -> day
  std::map<std::string, std::map<std::int64_t, fold::WeekCounts>> weeks_;   // author -> monday
  std::map<std::string, fold::Mark> talks_;
  std::map<std::string, fold::Mark> plans_;
  std::map<std::string, fold::Mark> pauses_;    // author -> latest pause
  std::map<std::string, fold::Mark> statuses_;  // author -> latest status
  std::map<std::string, fold::Mark> seen_;      // author -> latest seen
  std::map<std::string, std::vector<std::string>> corrections_;  // entry -> corrections
  std::set<std::string> withdrawn_;
  fold::Phase phase_;
  std::optional<fold::Departure> left_;

  // The closed talks and plans, by the time each leaves the state, so that
  // Apply removes only those due, whatever the number of open or recently
  // closed ones. (A scan of every talk and plan whenever one came due made a
  // rebuild quadratic: 54% of a fold of 1,000,000 entries.) A mark does not
  // change once closed, so its expiry is fixed. Derived, never saved, and
  // not part of the state's value: FromJson rebuilds it.
  using ExpiryQueue = std::set<std::pair<std::uint64_t, std::string>>;  // (expiry, entry id)
  struct Expiries {
    ExpiryQueue talks, plans;
    bool operator==(const Expiries&) const { return true; }
  };
  Expiries expiries_;
  // The talk or plan `id`, marked `mark`, was closed: it leaves the state at
  // its expiry, from `due` (expiries_.talks or expiries_.plans).
  static void Closed(ExpiryQueue& due, const fold::Mark& mark, const std::string& id);
  void QueueClosedMarks();
};

// The local day (days since 1970-01-01) an entry was written on, from its
// clock (or the time it was first written, when carried) and its "tz".
std::int64_t LocalDay(std::uint64_t hlc, const nlohmann::json& body);
// The Monday that starts the week of `day`.
std::int64_t WeekOf(std::int64_t day);

}  // namespace kintsugi::protocol
