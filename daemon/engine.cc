#include "daemon/engine.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "protocol/entry_seal.h"
#include "protocol/validation.h"

namespace kintsugi::daemon {
namespace {

std::string Short(const Hash32& h) { return ToHex(h).substr(0, 16); }

}  // namespace

Error Engine::NoLedger() {
  return MakeError(ErrorCode::kFailedPrecondition, "no ledger yet: run 'kintsugictl init --name NAME'");
}

Result<std::unique_ptr<Engine>> Engine::Open(std::unique_ptr<Store> store, std::string key_path,
                                             Clock& clock, crypto::RandomSource& rng) {
  auto meta = store->LoadMeta();
  if (!meta.ok()) return meta.take_error();
  auto keys = ReadKeyFile(key_path);
  if (!keys.ok() && keys.error().code != ErrorCode::kNotFound) return keys.take_error();

  std::unique_ptr<Engine> engine(new Engine(std::move(store), std::move(key_path), clock, rng));
  if (!meta->has_value()) {
    // No ledger yet. A key file without a ledger is what an `init` cut short
    // leaves behind: nothing was acknowledged, so `init` starts over.
    return engine;
  }
  if (!keys.ok()) {
    return MakeError(ErrorCode::kCorrupt,
                     "the ledger exists but its key file " + engine->key_path_ +
                         " is missing: restore it from a backup");
  }
  if (keys->identity.public_key() != (*meta)->self) {
    return MakeError(ErrorCode::kCorrupt, "the key file " + engine->key_path_ + " belongs to another ledger");
  }
  if (keys->ledger_id != (*meta)->ledger_id) {
    // Pairing writes the key file first; if it stopped before the database
    // followed, the database's ledger is the newest archived one: go back to it.
    auto& archived = keys->archived;
    if (archived.empty() || archived.back().id != (*meta)->ledger_id) {
      return MakeError(ErrorCode::kCorrupt, "the key file " + engine->key_path_ + " belongs to another ledger");
    }
    keys->ledger_id = archived.back().id;
    keys->ledger_key = std::move(archived.back().key);
    keys->beacon_key.reset();
    archived.pop_back();
    KINTSUGI_RETURN_IF_ERROR(WriteKeyFile(engine->key_path_, *keys));
  }
  engine->keys_ = std::move(keys).value();
  KINTSUGI_RETURN_IF_ERROR(engine->LoadState());
  return engine;
}

Status Engine::LoadState() {
  auto members = store_->Members(keys_->ledger_id);
  if (!members.ok()) return members.take_error();
  // The clock resumes after this device's own newest entry, and after the
  // partner's only within the lead a received timestamp may have.
  auto own_hlc = store_->MaxHlc(keys_->identity.public_key());
  if (!own_hlc.ok()) return own_hlc.take_error();
  const std::uint64_t cap = protocol::MakeHlc(clock_.NowMillis() + kMaxClockLeadMs, 0);
  auto any_hlc = store_->MaxHlc(std::nullopt, cap);
  if (!any_hlc.ok()) return any_hlc.take_error();
  std::uint64_t max_hlc = std::max(*own_hlc, *any_hlc);
  members_ = std::move(members).value();
  partner_.reset();
  for (const auto& m : members_) {
    if (m != keys_->identity.public_key()) partner_ = m;
  }
  if (max_hlc > hlc_.last()) hlc_ = protocol::HybridClock(max_hlc);
  name_ = ReadName(keys_->ledger_id);
  return OpenViews();
}

Status Engine::OpenViews() {
  views_.reset();
  auto views = Views::Open(*store_, keys_->ledger_id, keys_->ledger_key, rng_);
  if (!views.ok() && views.error().code == ErrorCode::kCorrupt) return RebuildViews(views.error());
  if (!views.ok()) return views.take_error();
  views_ = std::move(views).value();
  return OkStatus();
}

Status Engine::RebuildViews(const Error& why) {
  // Views are derived data: rebuild them from the entries.
  spdlog::warn("views.rebuild reason=\"{}\"", why.message);
  views_.reset();
  KINTSUGI_RETURN_IF_ERROR(store_->InTransaction([&] { return store_->ResetViews(keys_->ledger_id); }));
  auto views = Views::Open(*store_, keys_->ledger_id, keys_->ledger_key, rng_);
  if (!views.ok()) return views.take_error();
  views_ = std::move(views).value();
  return OkStatus();
}

void Engine::FoldNew() {
  if (views_) (void)views_->CatchUp();  // logged there; the next call retries
}

const crypto::SymmetricKey* Engine::KeyOf(const protocol::LedgerId& ledger) const {
  if (ledger == keys_->ledger_id) return &keys_->ledger_key;
  for (const auto& a : keys_->archived) {
    if (a.id == ledger) return &a.key;
  }
  return nullptr;
}

std::string Engine::ReadName(const protocol::LedgerId& ledger) {
  auto first = store_->FindInChain(ledger, keys_->identity.public_key(), 1);
  const crypto::SymmetricKey* key = KeyOf(ledger);
  if (!first.ok() || !first->has_value() || !(*first)->wrapped_key || key == nullptr) return "";
  const StoredEntry& row = **first;
  auto entry = protocol::Decode(row.bytes);
  if (!entry.ok() || protocol::ComputeId(ByteView(row.bytes)) != row.id ||
      !protocol::SignatureValid(*entry)) {
    return "";  // `verify` reports the damage; the daemon still starts.
  }
  auto parsed = OpenStoredBody(row, *entry, *key);
  if (!parsed.ok() || parsed->value("kind", "") != protocol::kKindMember) return "";
  auto intro = protocol::MemberIntroFromJson(*parsed);
  return intro.ok() ? intro->name : "";
}

Result<EngineStatus> Engine::Init(const protocol::MemberIntro& intro) {
  if (initialized()) {
    return MakeError(ErrorCode::kAlreadyExists, "this daemon already has a ledger");
  }
  protocol::LedgerId ledger_id;
  rng_.Fill(ledger_id);
  LedgerKeys keys{crypto::SigningKey::Generate(rng_), ledger_id, crypto::SymmetricKey::Generate(rng_),
                  std::nullopt, {}};
  KINTSUGI_RETURN_IF_ERROR(WriteKeyFile(key_path_, keys));
  const crypto::PublicKey self = keys.identity.public_key();
  KINTSUGI_RETURN_IF_ERROR(store_->InTransaction([&]() -> kintsugi::Status {
    KINTSUGI_RETURN_IF_ERROR(store_->SaveMeta(LedgerMeta{ledger_id, self}));
    return store_->AddMember(ledger_id, self, hlc_.Tick(clock_.NowMillis()));
  }));
  keys_ = std::move(keys);
  members_ = {self};
  KINTSUGI_RETURN_IF_ERROR(OpenViews());
  auto first = AppendBody(std::string(protocol::kKindMember), protocol::EncodeBody(intro));
  if (!first.ok()) return first.take_error();
  name_ = intro.name;
  return GetStatus();
}

Result<AppendedEntry> Engine::Append(const protocol::CheckIn& checkin) {
  return AppendBody(std::string(protocol::kKindCheckIn), protocol::EncodeBody(checkin));
}

Result<AppendedEntry> Engine::AppendBody(std::string kind, const std::string& body) {
  if (!initialized()) return NoLedger();
  const crypto::PublicKey& self = keys_->identity.public_key();
  auto forks = store_->Forks(keys_->ledger_id);
  if (!forks.ok()) return forks.take_error();
  for (const auto& f : *forks) {
    if (f.author == self) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "your own chain is frozen: another entry was found with your key at seq " +
                           std::to_string(f.seq) + " (see 'kintsugictl verify')");
    }
  }
  auto head = store_->Head(keys_->ledger_id, self);
  if (!head.ok()) return head.take_error();

  protocol::EntryDraft draft;
  draft.ledger_id = keys_->ledger_id;
  draft.seq = head->seq + 1;
  draft.prev = head->id;
  for (const auto& member : members_) {
    if (member == self) continue;
    auto other = store_->Head(keys_->ledger_id, member);
    if (!other.ok()) return other.take_error();
    if (other->seq > 0) draft.parents.push_back(other->id);
  }
  draft.hlc = hlc_.Tick(clock_.NowMillis());
  draft.body = body;
  auto sealed = protocol::SealEntry(draft, keys_->identity, keys_->ledger_key, rng_);
  if (!sealed.ok()) return sealed.take_error();
  NewEntry row = NewEntry::From(*sealed);
  KINTSUGI_RETURN_IF_ERROR(store_->InTransaction([&] { return store_->InsertEntry(row); }));

  AppendedEntry appended{sealed->id, self, draft.seq, draft.hlc, std::move(kind), true, std::move(row)};
  FoldNew();
  if (listener_) listener_(appended);
  return appended;
}

Result<EngineStatus> Engine::GetStatus() {
  EngineStatus status;
  status.initialized = initialized();
  if (!status.initialized) return status;
  auto count = store_->CountEntries(keys_->ledger_id);
  if (!count.ok()) return count.take_error();
  auto forks = store_->Forks(keys_->ledger_id);
  if (!forks.ok()) return forks.take_error();
  status.paired = paired();
  status.name = name_;
  status.author = keys_->identity.public_key();
  status.ledger_id = keys_->ledger_id;
  status.entries = *count;
  status.members = members_.size();
  status.partner = partner_;
  status.forks = forks->size();
  if (views_) {
    status.folded = views_->state().entries();
    status.waiting = views_->waiting();
  }
  return status;
}

Result<std::vector<LogItem>> Engine::Log(std::size_t limit, std::optional<std::int64_t> before) {
  if (!initialized()) return NoLedger();
  auto rows = store_->Latest(keys_->ledger_id, limit, before);
  if (!rows.ok()) return rows.take_error();
  std::vector<LogItem> items;
  items.reserve(rows->size());
  for (const StoredEntry& row : *rows) items.push_back(ReadItem(row));
  return items;
}

LogItem Engine::ReadItem(const StoredEntry& row) {
  LogItem item;
  item.rowid = row.rowid;
  item.id = row.id;
  auto entry = protocol::Decode(row.bytes);
  if (!entry.ok()) {
    item.fault = std::string(protocol::RejectionName(protocol::Rejection::kMalformed));
    return item;
  }
  item.author = entry->author;
  item.seq = entry->seq;
  item.hlc = entry->hlc;
  if (protocol::ComputeId(ByteView(row.bytes)) != row.id) {
    item.fault = protocol::RejectionName(protocol::Rejection::kIdMismatch);
  } else if (entry->ledger_id != keys_->ledger_id) {
    item.fault = protocol::RejectionName(protocol::Rejection::kWrongLedger);
  } else if (std::find(members_.begin(), members_.end(), entry->author) == members_.end()) {
    item.fault = protocol::RejectionName(protocol::Rejection::kUnknownAuthor);
  } else if (!protocol::SignatureValid(*entry)) {
    item.fault = protocol::RejectionName(protocol::Rejection::kBadSignature);
  } else {
    item.verified = true;
  }
  if (item.verified && row.wrapped_key) {
    auto body = OpenStoredBody(row, *entry, keys_->ledger_key, &slot_);
    if (body.ok()) {
      item.body = std::move(body).value();
    } else {
      item.verified = false;
      item.fault = "unreadable_body";
    }
  }
  return item;
}

Result<VerifyReport> Engine::Verify() {
  if (!initialized()) return NoLedger();
  VerifyReport report;
  std::vector<protocol::LedgerId> ledgers{keys_->ledger_id};
  for (const auto& a : keys_->archived) ledgers.push_back(a.id);
  for (const auto& ledger_id : ledgers) {
    auto members = store_->Members(ledger_id);
    if (!members.ok()) return members.take_error();
    auto forks = store_->Forks(ledger_id);
    if (!forks.ok()) return forks.take_error();
    protocol::LedgerContext ledger{ledger_id, *members};
    crypto::PublicKey current{};
    protocol::ChainHead head;
    bool first = true;
    KINTSUGI_RETURN_IF_ERROR(store_->ForEachByChain(ledger_id, [&](const StoredEntry& row) -> kintsugi::Status {
      ++report.entries_checked;
      VerifyFault fault;
      fault.rowid = row.rowid;
      fault.id = row.id;
      auto entry = protocol::Decode(row.bytes);
      if (!entry.ok()) {
        fault.reason = entry.error().code == ErrorCode::kTooLarge ? protocol::Rejection::kTooLarge
                                                                  : protocol::Rejection::kMalformed;
        fault.detail = entry.error().message;
        report.faults.push_back(std::move(fault));
        return OkStatus();
      }
      fault.author = entry->author;
      fault.seq = entry->seq;
      if (first || entry->author != current) {
        current = entry->author;
        head = protocol::ChainHead{};
        first = false;
      }
      protocol::EntryId computed = protocol::ComputeId(ByteView(row.bytes));
      bool known_fork = std::any_of(forks->begin(), forks->end(), [&](const Fork& f) {
        return f.author == entry->author && f.seq == entry->seq && f.second_id == row.id;
      });
      protocol::Verdict verdict = protocol::Verdict::Ok();
      if (computed != row.id) {
        verdict = protocol::EntryFault{protocol::Rejection::kIdMismatch,
                                       "stored bytes hash to " + Short(computed)};
      } else if (known_fork) {
        // Evidence of a rewritten history: it must be genuine, but it is not
        // a link of the chain.
        if (!protocol::SignatureValid(*entry)) {
          fault.reason = protocol::Rejection::kBadSignature;
          fault.detail = "fork evidence does not verify";
          report.faults.push_back(std::move(fault));
        }
        return OkStatus();
      } else {
        verdict = protocol::ValidateNext(*entry, ledger, head);
      }
      if (!verdict.ok()) {
        fault.reason = verdict.error().reason;
        fault.detail = verdict.error().detail;
        report.faults.push_back(std::move(fault));
      }
      // Continue the chain from what the store recorded, so one damaged entry
      // is named once rather than cascading into every later one.
      head = protocol::ChainHead{entry->seq, row.id};
      return OkStatus();
    }));
  }
  return report;
}

}  // namespace kintsugi::daemon
