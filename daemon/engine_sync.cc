// Engine: pairing adoption and sync with the partner (see engine.h).
#include <algorithm>

#include "daemon/engine.h"
#include "protocol/entry_seal.h"
#include "protocol/validation.h"

namespace kintsugi::daemon {
Status Engine::AdoptPairing(const protocol::PairingOutcome& outcome) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  if (paired()) return MakeError(ErrorCode::kAlreadyExists, "this device is already paired");
  if (keys_->archived.size() >= kMaxArchivedLedgers) {
    return MakeError(ErrorCode::kFailedPrecondition, "too many earlier ledgers on this device");
  }
  const crypto::PublicKey self = keys_->identity.public_key();
  if (outcome.partner == self) {
    return MakeError(ErrorCode::kInvalidArgument, "a device cannot pair with itself");
  }
  // The key file first: if the database step fails, Open() finds the old
  // ledger in the archive and goes back to it.
  LedgerKeys next{std::move(crypto::SigningKey::FromSeed(keys_->identity.seed())).value(),
                  outcome.ledger_id, CopyKey(outcome.ledger_key), CopyKey(outcome.beacon_key), {}};
  for (const auto& a : keys_->archived) next.archived.push_back({a.id, CopyKey(a.key)});
  next.archived.push_back({keys_->ledger_id, CopyKey(keys_->ledger_key)});
  KINTSUGI_RETURN_IF_ERROR(WriteKeys(next));

  // This member's introduction in the shared ledger (under the name it had)
  // goes in with the switch, in one transaction: all of it or nothing.
  const std::string name = name_.empty() ? "Partner" : name_;
  protocol::EntryDraft draft;
  draft.ledger_id = outcome.ledger_id;
  draft.seq = 1;
  draft.hlc = hlc_.Tick(clock_.NowMillis());
  draft.body = protocol::EncodeBody(protocol::MemberIntro{name});
  auto intro = protocol::SealEntry(draft, next.identity, next.ledger_key, rng_);
  if (!intro.ok()) return intro.take_error();
  NewEntry row = NewEntry::From(*intro);
  KINTSUGI_RETURN_IF_ERROR(store_->InTransaction([&]() -> kintsugi::Status {
    KINTSUGI_RETURN_IF_ERROR(store_->SaveMeta(LedgerMeta{outcome.ledger_id, self}));
    KINTSUGI_RETURN_IF_ERROR(store_->AddMember(outcome.ledger_id, self, draft.hlc));
    KINTSUGI_RETURN_IF_ERROR(store_->AddMember(outcome.ledger_id, outcome.partner, draft.hlc));
    return store_->InsertEntry(row);
  }));
  info_ = InfoOf(next);
  keys_ = std::move(next);
  KINTSUGI_RETURN_IF_ERROR(LoadState());
  if (listener_) {
    listener_(AppendedEntry{intro->id, self, 1, draft.hlc, std::string(protocol::kKindMember), true,
                            std::move(row)});
  }
  return OkStatus();
}

Status Engine::ConfirmSafetyNumber() {
  if (!paired()) return MakeError(ErrorCode::kFailedPrecondition, "not paired yet");
  return store_->SetValue("safety_confirmed", *partner_);
}

Result<bool> Engine::SafetyNumberConfirmed() {
  if (!paired()) return false;
  auto value = store_->GetValue("safety_confirmed");
  if (!value.ok()) return value.take_error();
  return value->has_value() && **value == Bytes(partner_->begin(), partner_->end());
}

namespace {

std::string CarriedKey(const protocol::LedgerId& ledger) { return "carried:" + ToHex(ledger); }

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> Engine::CarriableBodies(const ArchivedLedger& archived) {
  const crypto::PublicKey self = keys_->identity.public_key();
  std::vector<std::pair<std::string, std::string>> bodies;  // kind, body
  KINTSUGI_RETURN_IF_ERROR(store_->ForEachByChain(archived.id, [&](const StoredEntry& row) -> kintsugi::Status {
    auto entry = protocol::Decode(row.bytes);
    if (!entry.ok() || entry->author != self || !row.wrapped_key ||
        protocol::ComputeId(ByteView(row.bytes)) != row.id || !protocol::SignatureValid(*entry)) {
      return OkStatus();  // damaged or withdrawn: `verify` names it; nothing to carry
    }
    auto body = OpenStoredBody(row, *entry, archived.key);
    if (!body.ok()) return OkStatus();
    std::string kind = body->value("kind", "");
    if (kind == protocol::kKindMember) return OkStatus();  // the shared ledger has its own
    (*body)["carried"] = {{"id", ToHex(row.id)}, {"hlc", entry->hlc}};
    bodies.emplace_back(kind, body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    return OkStatus();
  }));
  return bodies;
}

Result<std::int64_t> Engine::PrivateEntries() {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  std::int64_t total = 0;
  for (const auto& archived : keys_->archived) {
    auto carried = store_->GetValue(CarriedKey(archived.id));
    if (!carried.ok()) return carried.take_error();
    if (carried->has_value()) continue;
    auto bodies = CarriableBodies(archived);
    if (!bodies.ok()) return bodies.take_error();
    total += static_cast<std::int64_t>(bodies->size());
  }
  return total;
}

Result<std::int64_t> Engine::CarryPrivateEntries() {
  if (!paired()) return MakeError(ErrorCode::kFailedPrecondition, "not paired yet");
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  std::int64_t carried = 0;
  for (const auto& archived : keys_->archived) {
    auto done = store_->GetValue(CarriedKey(archived.id));
    if (!done.ok()) return done.take_error();
    if (done->has_value()) continue;
    // Read first, then append: the bodies are this member's own words,
    // verified and opened like any entry read back.
    auto bodies = CarriableBodies(archived);
    if (!bodies.ok()) return bodies.take_error();
    for (const auto& [kind, body] : *bodies) {
      auto appended = AppendBody(kind, body);
      if (!appended.ok()) return appended.take_error();
      ++carried;
    }
    const std::uint8_t yes = 1;
    KINTSUGI_RETURN_IF_ERROR(store_->SetValue(CarriedKey(archived.id), ByteView(&yes, 1)));
  }
  return carried;
}

Result<protocol::SyncHello> Engine::Hello() {
  if (!initialized()) return NoLedger();
  auto index = store_->IndexId();
  if (!index.ok()) return index.take_error();
  protocol::SyncHello hello;
  hello.ledger_id = info_->ledger_id;
  hello.index_id = *index;
  for (const auto& member : members_) {
    auto head = store_->Head(info_->ledger_id, member);
    if (!head.ok()) return head.take_error();
    hello.heads.push_back({member, head->seq, head->id});
  }
  return hello;
}

Result<protocol::ChainHead> Engine::Head(const crypto::PublicKey& author) {
  if (!initialized()) return NoLedger();
  return store_->Head(info_->ledger_id, author);
}

Result<std::vector<Fork>> Engine::Forks() {
  if (!initialized()) return NoLedger();
  return store_->Forks(info_->ledger_id);
}

Result<protocol::SyncEntries> Engine::EntriesAfter(const protocol::SyncWant& want) {
  if (!initialized()) return NoLedger();
  protocol::SyncEntries out;
  out.author = want.author;
  if (std::find(members_.begin(), members_.end(), want.author) == members_.end()) return out;
  std::size_t limit = std::min<std::size_t>(std::max<std::uint16_t>(want.max_count, 1),
                                            protocol::kMaxBatchEntries);
  auto rows = store_->ChainAfter(info_->ledger_id, want.author, want.after_seq, limit,
                                 protocol::kMaxBatchBytes);
  if (!rows.ok()) return rows.take_error();
  auto head = store_->Head(info_->ledger_id, want.author);
  if (!head.ok()) return head.take_error();
  std::uint64_t last_seq = want.after_seq;
  for (auto& row : *rows) {
    auto entry = protocol::Decode(row.bytes);
    if (!entry.ok()) break;  // damaged in our store: `verify` names it; send what precedes it
    // Fork evidence shares its seq with the chain entry: send the chain only.
    if (entry->seq <= last_seq) continue;
    last_seq = entry->seq;
    out.entries.push_back({std::move(row.bytes), std::move(row.wrapped_key)});
  }
  out.more = last_seq < head->seq && !out.entries.empty();
  return out;
}

Engine::CheckedBatch::~CheckedBatch() = default;

std::unique_ptr<Engine::CheckedBatch> Engine::CheckAhead(const std::vector<protocol::SyncEntry>& entries) {
  std::unique_ptr<CheckedBatch> batch(new CheckedBatch);
  batch->decoded_.reserve(entries.size());
  for (const auto& e : entries) batch->decoded_.push_back(protocol::Decode(e.entry));
  batch->signatures_ = signatures_.Check(batch->decoded_);
  return batch;
}

Result<ReceiveReport> Engine::Receive(const crypto::PublicKey& author,
                                      const std::vector<protocol::SyncEntry>& entries, Notify notify,
                                      CheckedBatch* checked, const std::function<void()>& read_ahead) {
  if (!initialized()) return NoLedger();
  // The signatures are checked on the other cores while the loop stores the
  // entries already checked, in order.
  std::unique_ptr<CheckedBatch> own;
  if (checked == nullptr || checked->decoded_.size() != entries.size()) {
    own = CheckAhead(entries);
    checked = own.get();
  }
  std::vector<Result<protocol::Entry>>& decoded = checked->decoded_;
  SignatureChecker::Batch* signatures = checked->signatures_.get();
  ReceiveReport report;
  std::vector<AppendedEntry> stored;
  protocol::LedgerContext ledger{info_->ledger_id, members_};
  const std::uint64_t now = clock_.NowMillis();
  Status written = WriteAndFold([&]() -> kintsugi::Status {
    auto head = store_->Head(info_->ledger_id, author);
    if (!head.ok()) return head.take_error();
    auto forks = store_->Forks(info_->ledger_id);
    if (!forks.ok()) return forks.take_error();
    std::uint64_t frozen_at = UINT64_MAX;
    for (const auto& f : *forks) {
      if (f.author == author) frozen_at = std::min(frozen_at, f.seq);
    }
    report.head = *head;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (read_ahead && i % kReadAheadEvery == kReadAheadEvery - 1) read_ahead();
      const auto& incoming = entries[i];
      auto& entry = decoded[i];
      if (!entry.ok()) {
        report.refused.push_back({entry.error().code == ErrorCode::kTooLarge ? protocol::Rejection::kTooLarge
                                                                             : protocol::Rejection::kMalformed,
                                  entry.error().message});
        continue;
      }
      const protocol::EntryId id = protocol::ComputeId(ByteView(incoming.entry));
      if (entry->author != author) {
        report.refused.push_back({protocol::Rejection::kMalformed, "entry of another author in the batch"});
        continue;
      }
      std::optional<Bytes> key = incoming.wrapped_key;
      if (key && key->size() != protocol::WrappedKey::kEncodedBytes) key.reset();
      auto verdict = protocol::ValidateNext(*entry, ledger, report.head,
                                            signatures->Valid(i) ? protocol::SignatureCheck::kAlreadyVerified
                                                                       : protocol::SignatureCheck::kVerify);
      if (!verdict.ok() && verdict.error().reason == protocol::Rejection::kSeqBehind) {
        // An entry at a seq we hold: the same one again (a duplicate is only
        // ever behind the head, so only here is the id looked up), or a
        // second valid one: someone rewrote history.
        auto known = store_->HasEntry(id);
        if (!known.ok()) return known.take_error();
        if (*known) {
          ++report.duplicates;
          continue;
        }
        auto first = store_->FindInChain(info_->ledger_id, author, entry->seq);
        if (!first.ok()) return first.take_error();
        if (!first->has_value()) continue;
        KINTSUGI_RETURN_IF_ERROR(store_->InsertEntry(NewEntry::From(*entry, id, incoming.entry, key)));
        KINTSUGI_RETURN_IF_ERROR(store_->AddFork(Fork{info_->ledger_id, author, entry->seq,
                                                      (*first)->id, id, hlc_.last()}));
        frozen_at = std::min(frozen_at, entry->seq);
        ++report.forks;
        continue;
      }
      if (!verdict.ok()) {
        report.refused.push_back(verdict.error());
        continue;
      }
      if (entry->seq >= frozen_at) {
        report.refused.push_back({protocol::Rejection::kSeqBehind, "the chain is frozen by a fork"});
        continue;
      }
      NewEntry row = NewEntry::From(*entry, id, incoming.entry, key);
      KINTSUGI_RETURN_IF_ERROR(store_->InsertEntry(row));
      report.head = protocol::ChainHead{entry->seq, id};
      if (entry->hlc <= protocol::MakeHlc(now + kMaxClockLeadMs, 0)) hlc_.Observe(entry->hlc);
      if (notify == Notify::kEachEntry) {
        stored.push_back(AppendedEntry{id, author, entry->seq, entry->hlc, "", false, std::move(row)});
      }
      ++report.stored;
    }
    if (read_ahead) read_ahead();
    return OkStatus();
  }, [&] { return report.stored > 0 || report.forks > 0; });
  if (!written.ok()) return written.take_error();
  if (author == info_->self && report.stored > 0) KINTSUGI_RETURN_IF_ERROR(CheckRestoreHold());
  if (listener_) {
    for (const auto& e : stored) listener_(e);
  }
  return report;
}

}  // namespace kintsugi::daemon
