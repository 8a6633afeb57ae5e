#include "daemon/views.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "crypto/aead.h"
#include "crypto/pake.h"
#include "protocol/body.h"
#include "protocol/entry_seal.h"
#include "protocol/hlc.h"
#include "protocol/notify.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;

constexpr std::size_t kChunk = 2048;  // new entries read per step of a catch-up
constexpr char kEffectContext[] = "kintsugi timeline v1";
constexpr char kStateContext[] = "kintsugi view state v1";

Bytes Ad(const char* context, std::initializer_list<ByteView> parts) {
  Bytes ad(context, context + std::char_traits<char>::length(context));
  for (auto p : parts) ad.insert(ad.end(), p.begin(), p.end());
  return ad;
}

std::array<std::uint8_t, 8> Le64(std::uint64_t v) {
  std::array<std::uint8_t, 8> out{};
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

Bytes StateAd(const protocol::LedgerId& ledger, const TimelineKey& key) {
  auto stamp = Le64(key.first);
  return Ad(kStateContext, {ledger, stamp, key.second});
}

}  // namespace

Result<json> OpenStoredBody(const StoredEntry& row, const protocol::Entry& entry, const crypto::SymmetricKey& key,
                            crypto::KeySlot* slot) {
  if (!row.wrapped_key) return MakeError(ErrorCode::kNotFound, "the entry was withdrawn");
  auto wrapped = protocol::WrappedKey::Decode(*row.wrapped_key);
  if (!wrapped.ok()) return wrapped.take_error();
  auto text = slot != nullptr ? protocol::OpenBody(entry, row.id, *wrapped, key, *slot)
                              : protocol::OpenBody(entry, row.id, *wrapped, key);
  if (!text.ok()) return text.take_error();
  return protocol::ParseBody(*text);
}

Result<std::unique_ptr<Views>> Views::Open(Store& store, const protocol::LedgerId& ledger,
                                           const crypto::SymmetricKey& ledger_key, crypto::RandomSource& rng) {
  auto copy = crypto::SymmetricKey::FromBytes(ledger_key.bytes());
  if (!copy.ok()) return copy.take_error();
  auto derived = crypto::DeriveKey(ledger_key.bytes(), "kntsview", 1);
  auto view_key = crypto::SymmetricKey::FromBytes(derived.span());
  if (!view_key.ok()) return view_key.take_error();
  std::unique_ptr<Views> views(
      new Views(store, ledger, std::move(copy).value(), std::move(view_key).value()));
  views->nonce_prefix_.resize(16);
  rng.Fill(views->nonce_prefix_);
  KINTSUGI_RETURN_IF_ERROR(views->Load());
  auto caught_up = views->CatchUp();
  if (!caught_up.ok()) return caught_up.take_error();
  return views;
}

Result<protocol::LedgerState> Views::OpenState(const ViewState& saved) {
  const TimelineKey key{saved.stamp, saved.author};
  auto text = crypto::OpenWithNonce(view_key_, saved.sealed, StateAd(ledger_, key));
  if (!text.ok()) return MakeError(ErrorCode::kCorrupt, "a saved view does not open");
  return protocol::LedgerState::FromJson(json::parse(text->begin(), text->end(), nullptr, false));
}

Status Views::Load() {
  state_ = protocol::LedgerState{};
  last_.reset();
  saved_at_entries_ = 0;
  state_bytes_ = 0;
  auto saved = store_.LatestViewState(ledger_, std::nullopt);
  if (!saved.ok()) return saved.take_error();
  std::optional<TimelineKey> base;
  if (saved->has_value()) {
    const ViewState& s = **saved;
    base = TimelineKey{s.stamp, s.author};
    auto state = OpenState(s);
    if (!state.ok()) return state.take_error();
    state_ = std::move(state).value();
    last_ = base;
    saved_at_entries_ = state_.entries();
    state_bytes_ = s.sealed.size();
  }
  // The entries folded after the newest saved state: at most its
  // SaveInterval and whatever came since, so this does not grow with history.
  auto rows = store_.TimelineAfter(ledger_, base);
  if (!rows.ok()) return rows.take_error();
  for (const auto& row : *rows) {
    auto stored = store_.EntryByRowid(row.entry_rowid);
    if (!stored.ok()) return stored.take_error();
    if (!stored->has_value()) return MakeError(ErrorCode::kCorrupt, "the timeline names a missing entry");
    auto entry = MakeFoldEntry(**stored, row.stamp);
    if (!entry.ok()) return entry.take_error();
    TimelineKey key{row.stamp, row.author};
    state_.Apply(*entry, Resolver(key));
    last_ = key;
  }
  auto waiting = store_.WaitingEntries(ledger_);
  if (!waiting.ok()) return waiting.take_error();
  waiting_ = waiting->size();
  return OkStatus();
}

Result<FoldStats> Views::CatchUp() {
  FoldStats stats;
  const bool inside = store_.in_transaction();
  if (inside && !news_before_) news_before_ = news_.size();
  Status done = store_.InTransaction([&] { return CatchUpLocked(stats); });
  if (!done.ok()) {
    spdlog::error("views.catch_up_failed code={} reason=\"{}\"", ErrorCodeName(done.error().code),
                  done.error().message);
    Status reloaded = Load();  // the transaction rolled back: so does the state in memory
    if (!reloaded.ok()) spdlog::error("views.reload_failed reason=\"{}\"", reloaded.error().message);
    return done.take_error();
  }
  if (stats.withdrawn > 0) {
    if (inside) {
      checkpoint_due_ = true;  // no checkpoint inside a transaction: after the caller's commit
    } else {
      CheckpointAfterWithdrawal();
    }
  }
  if (stats.rewinds > 0) spdlog::debug("views.rewound times={} folded={}", stats.rewinds, stats.folded);
  return stats;
}

void Views::CheckpointAfterWithdrawal() {
  // The destroyed keys may still sit in the write-ahead log: move it into
  // the file (secure_delete has zeroed the freed cells) and empty it.
  checkpoint_due_ = false;
  Status truncated = store_.CheckpointAndTruncate();
  if (!truncated.ok()) spdlog::warn("views.checkpoint_failed reason=\"{}\"", truncated.error().message);
}

void Views::Committed() {
  news_before_.reset();
  if (checkpoint_due_) CheckpointAfterWithdrawal();
}

Status Views::Reload() {
  checkpoint_due_ = false;
  // What was folded inside the transaction is gone with it; it comes again.
  if (news_before_ && *news_before_ < news_.size()) news_.erase(news_.begin() + static_cast<long>(*news_before_), news_.end());
  news_before_.reset();
  return Load();
}

Result<bool> Views::IsWithdrawn(std::int64_t rowid) {
  if (withdrawn_rows_) return withdrawn_rows_->contains(rowid);
  return store_.IsWithdrawn(rowid);
}

Status Views::CatchUpLocked(FoldStats& stats) {
  auto withdrawn_rows = store_.WithdrawnRows();
  if (!withdrawn_rows.ok()) return withdrawn_rows.take_error();
  withdrawn_rows_ = std::move(withdrawn_rows).value();
  auto target = store_.CountEntries(ledger_);
  if (!target.ok()) return target.take_error();
  fold_target_ = static_cast<std::uint64_t>(*target);
  save_passed_over_ = false;
  struct Forget {
    std::optional<std::set<std::int64_t>>& rows;
    std::uint64_t& target;
    ~Forget() {
      rows.reset();
      target = 0;
    }
  } forget{withdrawn_rows_, fold_target_};
  auto forks = store_.Forks(ledger_);
  if (!forks.ok()) return forks.take_error();
  std::set<protocol::EntryId> evidence;
  for (const auto& f : *forks) evidence.insert(f.second_id);
  auto folded_rowid = store_.FoldedRowid(ledger_);
  if (!folded_rowid.ok()) return folded_rowid.take_error();
  auto waiting_rows = store_.WaitingEntries(ledger_);
  if (!waiting_rows.ok()) return waiting_rows.take_error();
  std::set<std::int64_t> was_waiting(waiting_rows->begin(), waiting_rows->end());

  std::int64_t after = *folded_rowid;
  std::vector<StoredEntry> carry;  // entries whose dependencies are not folded yet
  for (auto rowid : *waiting_rows) {
    auto row = store_.EntryByRowid(rowid);
    if (!row.ok()) return row.take_error();
    if (row->has_value()) carry.push_back(std::move(**row));
  }
  for (;;) {
    auto fresh = store_.EntriesAfterRowid(ledger_, after, kChunk);
    if (!fresh.ok()) return fresh.take_error();
    if (!fresh->empty()) after = fresh->back().rowid;
    std::vector<StoredEntry> rows = std::move(carry);
    carry.clear();
    for (auto& r : *fresh) rows.push_back(std::move(r));
    if (rows.empty()) break;

    // Causal stamps, once every entry an entry depends on has one.
    struct Candidate {
      StoredEntry row;
      protocol::Entry entry;
    };
    std::vector<Candidate> unresolved;
    for (auto& row : rows) {
      if (evidence.count(row.id)) continue;  // fork evidence is not a link of any chain
      auto entry = protocol::Decode(row.bytes);
      if (!entry.ok()) continue;  // verified at insert; `verify` names any damage since
      unresolved.push_back({std::move(row), std::move(entry).value()});
    }
    std::map<protocol::EntryId, std::uint64_t> stamps;
    auto stamp_of = [&](const protocol::EntryId& id) -> Result<std::optional<std::uint64_t>> {
      if (auto it = stamps.find(id); it != stamps.end()) return std::optional<std::uint64_t>(it->second);
      auto place = store_.FindInTimeline(ledger_, id);
      if (!place.ok()) return place.take_error();
      if (!place->has_value()) return std::optional<std::uint64_t>();
      return std::optional<std::uint64_t>((*place)->stamp);
    };
    std::vector<Pending> ready;
    for (bool progress = true; progress && !unresolved.empty();) {
      progress = false;
      std::vector<Candidate> still;
      for (auto& c : unresolved) {
        std::uint64_t prev_stamp = 0;
        std::vector<std::uint64_t> parent_stamps;
        bool complete = true;
        if (c.entry.seq > 1) {
          auto s = stamp_of(c.entry.prev);
          if (!s.ok()) return s.take_error();
          complete = s->has_value();
          if (complete) prev_stamp = **s;
        }
        for (std::size_t i = 0; complete && i < c.entry.parents.size(); ++i) {
          auto s = stamp_of(c.entry.parents[i]);
          if (!s.ok()) return s.take_error();
          complete = s->has_value();
          if (complete) parent_stamps.push_back(**s);
        }
        if (!complete) {
          still.push_back(std::move(c));
          continue;
        }
        const std::uint64_t stamp = protocol::CausalStamp(c.entry.hlc, prev_stamp, parent_stamps);
        stamps[c.row.id] = stamp;
        const std::int64_t rowid = c.row.rowid;
        const crypto::PublicKey author = c.entry.author;
        ready.push_back({rowid, TimelineKey{stamp, author}, std::make_shared<const StoredEntry>(std::move(c.row)),
                         std::make_shared<const protocol::Entry>(std::move(c.entry))});
        progress = true;
      }
      unresolved = std::move(still);
    }
    for (const auto& p : ready) {
      if (was_waiting.count(p.rowid)) KINTSUGI_RETURN_IF_ERROR(store_.SetWaiting(ledger_, p.rowid, false));
    }
    for (auto& c : unresolved) carry.push_back(std::move(c.row));

    if (!ready.empty()) {
      std::sort(ready.begin(), ready.end(), [](const Pending& a, const Pending& b) { return a.key < b.key; });
      if (last_ && ready.front().key <= *last_) {
        auto refold = Rewind(ready.front().key, stats);
        if (!refold.ok()) return refold.take_error();
        ready.insert(ready.end(), refold->begin(), refold->end());
        std::sort(ready.begin(), ready.end(), [](const Pending& a, const Pending& b) { return a.key < b.key; });
      }
      std::vector<TimelineKey> withdrawn;
      KINTSUGI_RETURN_IF_ERROR(FoldForward(ready, withdrawn, stats));
      while (!withdrawn.empty()) {
        // The withdrawn entries are folded again, as withdrawn.
        TimelineKey from = *std::min_element(withdrawn.begin(), withdrawn.end());
        withdrawn.clear();
        auto refold = Rewind(from, stats);
        if (!refold.ok()) return refold.take_error();
        KINTSUGI_RETURN_IF_ERROR(FoldForward(*refold, withdrawn, stats));
      }
    }
    // Another round only when there is more to read, or when what was just
    // folded may be what a waiting entry needed.
    if (fresh->empty() && (ready.empty() || carry.empty())) break;
  }
  if (save_passed_over_) {
    // Fewer entries were folded than the ledger holds (waiting ones, fork
    // evidence): the newest state must still be at most an interval behind.
    fold_target_ = 0;
    KINTSUGI_RETURN_IF_ERROR(MaybeSaveState(stats));
  }
  for (const auto& row : carry) KINTSUGI_RETURN_IF_ERROR(store_.SetWaiting(ledger_, row.rowid, true));
  KINTSUGI_RETURN_IF_ERROR(store_.SetFoldedRowid(ledger_, after));
  auto waiting = store_.WaitingEntries(ledger_);
  if (!waiting.ok()) return waiting.take_error();
  waiting_ = stats.waiting = waiting->size();
  return OkStatus();
}

Result<std::vector<Views::Pending>> Views::Rewind(const TimelineKey& key, FoldStats& stats) {
  ++stats.rewinds;
  state_bytes_ = 0;
  std::optional<TimelineKey> base;
  protocol::LedgerState state;
  // The newest saved state before `key` that opens; one that does not is
  // derived data: it is dropped and an older one (or none) serves instead.
  for (TimelineKey before = key;;) {
    auto saved = store_.LatestViewState(ledger_, before);
    if (!saved.ok()) return saved.take_error();
    if (!saved->has_value()) break;
    const TimelineKey at{(*saved)->stamp, (*saved)->author};
    auto opened = OpenState(**saved);
    if (opened.ok()) {
      base = at;
      state = std::move(opened).value();
      state_bytes_ = (*saved)->sealed.size();
      break;
    }
    spdlog::warn("views.saved_state_dropped reason=\"{}\"", opened.error().message);
    KINTSUGI_RETURN_IF_ERROR(store_.DeleteViewState(ledger_, at));
    before = at;
  }
  auto rows = store_.TimelineAfter(ledger_, base);
  if (!rows.ok()) return rows.take_error();
  KINTSUGI_RETURN_IF_ERROR(store_.DeleteTimelineAfter(ledger_, base));
  KINTSUGI_RETURN_IF_ERROR(store_.DeleteViewStatesAfter(ledger_, base));
  state_ = std::move(state);
  saved_at_entries_ = state_.entries();
  last_ = base;
  std::vector<Pending> out;
  out.reserve(rows->size());
  for (const auto& r : *rows) out.push_back({r.entry_rowid, TimelineKey{r.stamp, r.author}, nullptr, nullptr});
  return out;
}

Status Views::FoldForward(const std::vector<Pending>& rows, std::vector<TimelineKey>& withdrawn,
                          FoldStats& stats) {
  for (const auto& p : rows) {
    std::shared_ptr<const StoredEntry> row = p.row;
    if (!row) {
      auto stored = store_.EntryByRowid(p.rowid);
      if (!stored.ok()) return stored.take_error();
      if (!stored->has_value()) return MakeError(ErrorCode::kCorrupt, "an entry to fold is missing");
      row = std::make_shared<const StoredEntry>(std::move(**stored));
    }
    auto entry = MakeFoldEntry(*row, p.key.first, p.entry.get());
    if (!entry.ok()) return entry.take_error();
    protocol::Effect effect = state_.Apply(*entry, Resolver(p.key));
    if (effect.applied && news_.size() < kNewsKept && protocol::NotifyingKind(effect.kind)) {
      news_.push_back(FoldedNews{p.rowid, entry->author, effect.kind, entry->hlc,
                                 news_.size() < kNewsWithWords ? entry->body : nlohmann::json()});
    }
    KINTSUGI_RETURN_IF_ERROR(store_.InsertTimeline(
        ledger_, TimelineRow{p.rowid, p.key.first, p.key.second, SealEffect(p.rowid, effect)}));
    last_ = p.key;
    ++stats.folded;
    if (effect.withdraws) {
      auto target = store_.FindInTimeline(ledger_, *effect.withdraws);
      if (!target.ok()) return target.take_error();
      if (target->has_value()) {
        auto already = IsWithdrawn((*target)->entry_rowid);
        if (!already.ok()) return already.take_error();
        if (!*already) {
          KINTSUGI_RETURN_IF_ERROR(store_.Withdraw((*target)->entry_rowid, p.rowid));
          if (withdrawn_rows_) withdrawn_rows_->insert((*target)->entry_rowid);
          ++stats.withdrawn;
          withdrawn.push_back(TimelineKey{(*target)->stamp, (*target)->author});
        }
      }
    }
    KINTSUGI_RETURN_IF_ERROR(MaybeSaveState(stats));
  }
  return OkStatus();
}

Status Views::MaybeSaveState(FoldStats& stats) {
  const std::uint64_t interval = SaveInterval(state_bytes_);
  if (state_.entries() - saved_at_entries_ < interval) return OkStatus();
  if (fold_target_ > state_.entries() + kStatesKept * interval) {
    save_passed_over_ = true;  // kStatesKept newer ones will follow in this catch-up
    return OkStatus();
  }
  KINTSUGI_RETURN_IF_ERROR(SaveState());
  ++stats.states_saved;
  return OkStatus();
}

Result<protocol::FoldEntry> Views::MakeFoldEntry(const StoredEntry& row, std::uint64_t stamp,
                                                 const protocol::Entry* decoded) {
  std::optional<protocol::Entry> own;
  if (decoded == nullptr) {
    auto entry = protocol::Decode(row.bytes);
    if (!entry.ok()) return MakeError(ErrorCode::kCorrupt, "a folded entry no longer decodes");
    own = std::move(entry).value();
    decoded = &*own;
  }
  const protocol::Entry* entry = decoded;
  protocol::FoldEntry fe;
  fe.id = row.id;
  fe.author = entry->author;
  fe.seq = entry->seq;
  fe.hlc = entry->hlc;
  fe.stamp = stamp;
  auto withdrawn = IsWithdrawn(row.rowid);
  if (!withdrawn.ok()) return withdrawn.take_error();
  if (*withdrawn) {
    fe.content = protocol::FoldEntry::Content::kWithdrawn;
    return fe;
  }
  auto body = OpenStoredBody(row, *entry, ledger_key_, &slot_);
  if (body.ok()) {
    fe.body = std::move(body).value();
  } else {
    fe.content = protocol::FoldEntry::Content::kUnreadable;
  }
  return fe;
}

protocol::RefResolver Views::Resolver(const TimelineKey& before) {
  return [this, before](const protocol::EntryId& id) -> std::optional<protocol::RefInfo> {
    auto place = store_.FindInTimeline(ledger_, id);
    if (!place.ok() || !place->has_value()) return std::nullopt;
    if (TimelineKey{(*place)->stamp, (*place)->author} >= before) return std::nullopt;
    return protocol::RefInfo{(*place)->author, (*place)->seq};
  };
}

Bytes Views::SealRecord(ByteView plaintext, ByteView ad) {
  crypto::AeadNonce nonce{};
  std::copy(nonce_prefix_.begin(), nonce_prefix_.end(), nonce.begin());
  const auto counter = Le64(++nonce_counter_);
  std::copy(counter.begin(), counter.end(), nonce.begin() + 16);
  return crypto::SealWithNonce(view_key_, nonce, plaintext, ad);
}

Bytes Views::SealEffect(std::int64_t rowid, const protocol::Effect& effect) {
  const std::string text = effect.ToJson().dump();
  auto le = Le64(static_cast<std::uint64_t>(rowid));
  return SealRecord(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                    Ad(kEffectContext, {ByteView(le), ByteView(ledger_)}));
}

Result<protocol::Effect> Views::OpenEffect(std::int64_t rowid, ByteView sealed) {
  auto le = Le64(static_cast<std::uint64_t>(rowid));
  auto text = crypto::OpenWithNonce(view_key_, sealed, Ad(kEffectContext, {ByteView(le), ByteView(ledger_)}));
  if (!text.ok()) return MakeError(ErrorCode::kCorrupt, "a timeline record does not open");
  json j = json::parse(text->begin(), text->end(), nullptr, false);
  if (!j.is_object()) return MakeError(ErrorCode::kCorrupt, "a timeline record does not parse");
  return protocol::Effect::FromJson(j);
}

Status Views::SaveState() {
  const std::string text = state_.ToJson().dump();
  const TimelineKey key = *last_;
  Bytes sealed = SealRecord(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()),
                            StateAd(ledger_, key));
  KINTSUGI_RETURN_IF_ERROR(store_.SaveViewState(ledger_, ViewState{key.first, key.second, std::move(sealed)}));
  KINTSUGI_RETURN_IF_ERROR(store_.PruneViewStates(ledger_, kStatesKept));
  saved_at_entries_ = state_.entries();
  state_bytes_ = text.size();
  return OkStatus();
}

protocol::Effect Views::Check(const protocol::FoldEntry& entry) {
  crypto::PublicKey top;
  top.fill(0xff);
  return state_.Check(entry, Resolver(TimelineKey{UINT64_MAX, top}));
}

Result<std::optional<protocol::Effect>> Views::EffectOf(std::int64_t entry_rowid) {
  auto row = store_.TimelineRowOf(entry_rowid);
  if (!row.ok()) return row.take_error();
  if (!row->has_value()) return std::optional<protocol::Effect>();
  auto effect = OpenEffect(entry_rowid, (*row)->effect);
  if (!effect.ok()) return effect.take_error();
  return std::optional<protocol::Effect>(std::move(effect).value());
}

Result<std::vector<TimelineItem>> Views::Timeline(const TimelineQuery& query) {
  std::vector<TimelineItem> out;
  std::optional<TimelineKey> cursor = query.before;
  const std::uint64_t from_hlc = protocol::MakeHlc(query.from_ms, 0);
  const std::uint64_t to_hlc =
      query.to_ms >= (std::uint64_t{1} << 47) ? UINT64_MAX : protocol::MakeHlc(query.to_ms, 0xffff);
  while (out.size() < query.limit) {
    const std::size_t want = query.kind ? 512 : query.limit - out.size();
    auto rows = store_.TimelineBefore(ledger_, cursor, from_hlc, to_hlc, query.author, want);
    if (!rows.ok()) return rows.take_error();
    for (const auto& row : *rows) {
      cursor = TimelineKey{row.stamp, row.author};
      auto effect = OpenEffect(row.entry_rowid, row.effect);
      if (!effect.ok()) return effect.take_error();
      if (query.kind && effect->kind != *query.kind) continue;
      out.push_back({row.entry_rowid, *cursor, std::move(effect).value()});
      if (out.size() == query.limit) break;
    }
    if (rows->size() < want) break;
  }
  return out;
}

std::optional<json> Views::OpenBody(const std::string& id_hex) {
  auto id = Hash32FromHex(id_hex);
  if (!id) return std::nullopt;
  auto place = store_.FindInTimeline(ledger_, *id);
  if (!place.ok() || !place->has_value()) return std::nullopt;
  auto row = store_.EntryByRowid((*place)->entry_rowid);
  if (!row.ok() || !row->has_value()) return std::nullopt;
  auto entry = protocol::Decode((*row)->bytes);
  if (!entry.ok()) return std::nullopt;
  auto body = OpenStoredBody(**row, *entry, ledger_key_, &slot_);
  if (!body.ok()) return std::nullopt;
  return std::move(body).value();
}

}  // namespace kintsugi::daemon
