// Helpers shared by the fold tests (fold_test.cc for the rules,
// fold_views_test.cc for the views and saved states): two partners, A and B,
// folding entries by hand into a LedgerState (Couple), the fixed days and
// times those entries are written at, and comparison of effects.
//
// Thread-safety: test-thread only.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "crypto/hash.h"
#include "protocol/fold.h"
#include "protocol/hlc.h"

namespace kintsugi::protocol::fold_testing {

using nlohmann::json;

inline constexpr std::uint64_t kMsPerDay = 86'400'000;
inline constexpr std::uint64_t kMsPerHour = 3'600'000;
inline constexpr std::int64_t kThursday = 20783;  // 2026-11-26
inline constexpr std::uint64_t kStartMs = kThursday * kMsPerDay + 8 * kMsPerHour;

enum class Who { kA, kB };

inline crypto::PublicKey KeyOf(Who who) {
  crypto::PublicKey k;
  k.fill(who == Who::kA ? 0xAA : 0xBB);
  return k;
}
inline std::string HexOf(Who who) { return ToHex(KeyOf(who)); }

inline EntryId IdOfCounter(std::uint64_t n) {
  std::uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return crypto::Blake2b256(ByteView(bytes, 8));
}

inline json WithoutCount(json state) {
  state.erase("entries");
  return state;
}

inline void ExpectSameEffect(const Effect& a, const Effect& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.applied, b.applied);
  EXPECT_EQ(a.reason_code, b.reason_code);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.withdraws, b.withdraws);
  EXPECT_EQ(a.ref, b.ref);
}

struct Folded {
  std::string id;
  Effect effect;
  std::uint64_t ms = 0;
};

// Two partners, A and B, writing entries one after the other (so the order
// they are folded in is their causal order), each introduced by a member
// entry. Every fold checks that Check() gives Apply()'s Effect and leaves the
// state alone.
class Couple {
 public:
  Couple() {
    Add(Who::kA, {{"kind", "member"}, {"name", "Ana"}});
    Add(Who::kB, {{"kind", "member"}, {"name", "Ben"}});
  }

  // The next entry is written at `ms` (later entries a minute apart).
  void SetTime(std::uint64_t ms) { next_ms_ = ms; }
  std::uint64_t next_ms() const { return next_ms_; }

  FoldEntry Make(Who who, json body) {
    FoldEntry e;
    e.id = IdOfCounter(++counter_);
    e.author = KeyOf(who);
    e.seq = ++seq_[who];
    e.hlc = MakeHlc(next_ms_, 0);
    e.stamp = e.hlc;
    e.body = std::move(body);
    next_ms_ += 60'000;
    return e;
  }

  Effect Fold(const FoldEntry& e) {
    const json before = state.ToJson();
    Effect checked = state.Check(e, Refs());
    EXPECT_EQ(state.ToJson(), before) << "Check() changed the state";
    Effect applied = state.Apply(e, Refs());
    ExpectSameEffect(checked, applied);
    if (applied.applied) {
      EXPECT_TRUE(applied.reason_code.empty()) << applied.reason_code;
    } else {
      EXPECT_FALSE(applied.reason_code.empty());
      EXPECT_FALSE(applied.reason.empty());
      EXPECT_FALSE(applied.withdraws.has_value());
    }
    known_[e.id] = RefInfo{e.author, e.seq};
    if (e.content == FoldEntry::Content::kBody) bodies_[ToHex(e.id)] = e.body;
    return applied;
  }

  Folded Add(Who who, json body) {
    FoldEntry e = Make(who, std::move(body));
    Effect effect = Fold(e);
    return {ToHex(e.id), effect, HlcMillis(e.hlc)};
  }

  // Adds an entry that must have no effect, with `code`, and checks that the
  // state did not move (but for the count of entries).
  Folded Refused(Who who, json body, const std::string& code) {
    const json before = WithoutCount(state.ToJson());
    Folded f = Add(who, std::move(body));
    EXPECT_FALSE(f.effect.applied) << f.effect.ToJson().dump();
    EXPECT_EQ(f.effect.reason_code, code) << f.effect.ToJson().dump();
    EXPECT_EQ(WithoutCount(state.ToJson()), before) << "a refused " << f.effect.kind << " changed the state";
    return f;
  }

  Folded Applied(Who who, json body) {
    Folded f = Add(who, std::move(body));
    EXPECT_TRUE(f.effect.applied) << f.effect.ToJson().dump();
    return f;
  }

  // An active agreement proposed by `by` and accepted by the other.
  std::string ActiveAgreement(Who by, const std::string& title = "Phones") {
    auto p = Applied(by, Propose(title));
    Applied(Other(by), Accept(p.id));
    return p.id;
  }

  RefResolver Refs() const {
    return [this](const EntryId& id) -> std::optional<RefInfo> {
      auto it = known_.find(id);
      if (it == known_.end()) return std::nullopt;
      return it->second;
    };
  }

  // Opens the words of every entry folded with a body, but those in `gone`.
  BodyOpener Opener() const {
    return [this](const std::string& id) -> std::optional<json> {
      if (gone.count(id)) return std::nullopt;
      auto it = bodies_.find(id);
      if (it == bodies_.end()) return std::nullopt;
      return it->second;
    };
  }

  static Who Other(Who w) { return w == Who::kA ? Who::kB : Who::kA; }

  static json Propose(const std::string& title, const std::string& category = "commitment",
                      const std::string& review = "") {
    json b{{"kind", "propose"}, {"title", title}, {"text", "The text of " + title}, {"category", category}};
    if (!review.empty()) b["review"] = review;
    return b;
  }
  static json Accept(const std::string& ref) { return {{"kind", "accept"}, {"ref", ref}}; }
  static json Decline(const std::string& ref) { return {{"kind", "decline"}, {"ref", ref}, {"reason", "not yet"}}; }
  static json Amend(const std::string& agreement, const std::string& text) {
    return {{"kind", "amend"}, {"agreement", agreement}, {"text", text}};
  }
  static json Retire(const std::string& agreement) {
    return {{"kind", "retire"}, {"agreement", agreement}, {"reason", "it served us"}};
  }
  static json Outcome(const std::string& agreement, const std::string& outcome) {
    return {{"kind", "agreement"}, {"agreement", agreement}, {"outcome", outcome}};
  }
  static json Feelings(int mood, int trust) { return {{"kind", "feelings"}, {"mood", mood}, {"trust", trust}}; }
  static json Ref(const std::string& kind, const std::string& ref) {
    return {{"kind", kind}, {kind == "seen" ? "upto" : "ref", ref}};
  }
  static json Correct(const std::string& ref) { return {{"kind", "correct"}, {"ref", ref}, {"text", "I meant"}}; }

  LedgerState state;
  std::set<std::string> gone;

 private:
  std::uint64_t counter_ = 0;
  std::uint64_t next_ms_ = kStartMs;
  std::map<Who, std::uint64_t> seq_;
  std::map<EntryId, RefInfo> known_;
  std::map<std::string, json> bodies_;
};

// An entry id that no ledger in these tests holds.
inline const std::string kNowhere = ToHex(IdOfCounter(999'999));

}  // namespace kintsugi::protocol::fold_testing
