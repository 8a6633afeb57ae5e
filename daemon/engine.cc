#include "daemon/engine.h"

#include <algorithm>

#include "protocol/entry_seal.h"
#include "protocol/validation.h"

namespace kintsugi::daemon {
namespace {

std::string Short(const Hash32& h) { return ToHex(h).substr(0, 16); }

}  // namespace

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
  if (keys->ledger_id != (*meta)->ledger_id || keys->identity.public_key() != (*meta)->self) {
    return MakeError(ErrorCode::kCorrupt,
                     "the key file " + engine->key_path_ + " belongs to another ledger");
  }
  auto members = engine->store_->Members();
  if (!members.ok()) return members.take_error();
  auto max_hlc = engine->store_->MaxHlc();
  if (!max_hlc.ok()) return max_hlc.take_error();
  engine->members_ = std::move(members).value();
  engine->hlc_ = protocol::HybridClock(*max_hlc);
  engine->keys_ = std::move(keys).value();
  KINTSUGI_RETURN_IF_ERROR(engine->LoadName());
  return engine;
}

Status Engine::LoadName() {
  auto first = store_->FindInChain(keys_->identity.public_key(), 1);
  if (!first.ok()) return first.take_error();
  if (!first->has_value() || !(*first)->wrapped_key) {
    name_.clear();
    return OkStatus();
  }
  const StoredEntry& row = **first;
  auto entry = protocol::Decode(row.bytes);
  auto key = protocol::WrappedKey::Decode(*row.wrapped_key);
  if (!entry.ok() || !key.ok() || protocol::ComputeId(ByteView(row.bytes)) != row.id ||
      !protocol::SignatureValid(*entry)) {
    name_.clear();  // `verify` reports the damage; the daemon still starts.
    return OkStatus();
  }
  auto body = protocol::OpenBody(*entry, row.id, *key, keys_->ledger_key);
  if (!body.ok()) return OkStatus();
  auto parsed = protocol::ParseBody(*body);
  if (parsed.ok() && parsed->value("kind", "") == protocol::kKindMember) {
    auto intro = protocol::MemberIntroFromJson(*parsed);
    if (intro.ok()) name_ = intro->name;
  }
  return OkStatus();
}

Result<EngineStatus> Engine::Init(const protocol::MemberIntro& intro) {
  if (initialized()) {
    return MakeError(ErrorCode::kAlreadyExists, "this daemon already has a ledger");
  }
  protocol::LedgerId ledger_id;
  rng_.Fill(ledger_id);
  LedgerKeys keys{crypto::SigningKey::Generate(rng_), ledger_id,
                  crypto::SymmetricKey::Generate(rng_)};
  KINTSUGI_RETURN_IF_ERROR(WriteKeyFile(key_path_, keys));

  const crypto::PublicKey self = keys.identity.public_key();
  protocol::EntryDraft draft;
  draft.ledger_id = ledger_id;
  draft.seq = 1;
  draft.hlc = hlc_.Tick(clock_.NowMillis());
  draft.body = protocol::EncodeBody(intro);
  auto sealed = protocol::SealEntry(draft, keys.identity, keys.ledger_key, rng_);
  if (!sealed.ok()) return sealed.take_error();
  KINTSUGI_RETURN_IF_ERROR(store_->InTransaction([&]() -> kintsugi::Status {
    KINTSUGI_RETURN_IF_ERROR(store_->SaveMeta(LedgerMeta{ledger_id, self}));
    KINTSUGI_RETURN_IF_ERROR(store_->AddMember(self, draft.hlc));
    return store_->InsertEntry(*sealed);
  }));
  keys_ = std::move(keys);
  members_ = {self};
  name_ = intro.name;
  if (listener_) {
    listener_(AppendedEntry{sealed->id, self, 1, draft.hlc, std::string(protocol::kKindMember)});
  }
  return GetStatus();
}

Result<AppendedEntry> Engine::Append(const protocol::CheckIn& checkin) {
  return AppendBody(std::string(protocol::kKindCheckIn), protocol::EncodeBody(checkin));
}

Result<AppendedEntry> Engine::AppendBody(std::string kind, const std::string& body) {
  if (!initialized()) {
    return MakeError(ErrorCode::kFailedPrecondition, "no ledger yet: run 'kintsugictl init --name NAME'");
  }
  const crypto::PublicKey& self = keys_->identity.public_key();
  auto head = store_->Head(self);
  if (!head.ok()) return head.take_error();

  protocol::EntryDraft draft;
  draft.ledger_id = keys_->ledger_id;
  draft.seq = head->seq + 1;
  draft.prev = head->id;
  for (const auto& member : members_) {
    if (member == self) continue;
    auto other = store_->Head(member);
    if (!other.ok()) return other.take_error();
    if (other->seq > 0) draft.parents.push_back(other->id);
  }
  draft.hlc = hlc_.Tick(clock_.NowMillis());
  draft.body = body;
  auto sealed = protocol::SealEntry(draft, keys_->identity, keys_->ledger_key, rng_);
  if (!sealed.ok()) return sealed.take_error();
  KINTSUGI_RETURN_IF_ERROR(store_->InTransaction([&] { return store_->InsertEntry(*sealed); }));

  AppendedEntry appended{sealed->id, self, draft.seq, draft.hlc, std::move(kind)};
  if (listener_) listener_(appended);
  return appended;
}

Result<EngineStatus> Engine::GetStatus() {
  EngineStatus status;
  status.initialized = initialized();
  if (!status.initialized) return status;
  auto count = store_->CountEntries();
  if (!count.ok()) return count.take_error();
  status.name = name_;
  status.author = keys_->identity.public_key();
  status.ledger_id = keys_->ledger_id;
  status.entries = *count;
  status.members = members_.size();
  return status;
}

Result<std::vector<LogItem>> Engine::Log(std::size_t limit, std::optional<std::int64_t> before) {
  if (!initialized()) {
    return MakeError(ErrorCode::kFailedPrecondition, "no ledger yet: run 'kintsugictl init --name NAME'");
  }
  auto rows = store_->Latest(limit, before);
  if (!rows.ok()) return rows.take_error();
  protocol::LedgerContext ledger{keys_->ledger_id, members_};
  std::vector<LogItem> items;
  items.reserve(rows->size());
  for (const StoredEntry& row : *rows) {
    LogItem item;
    item.rowid = row.rowid;
    item.id = row.id;
    auto entry = protocol::Decode(row.bytes);
    if (!entry.ok()) {
      item.fault = std::string(protocol::RejectionName(protocol::Rejection::kMalformed));
      items.push_back(std::move(item));
      continue;
    }
    item.author = entry->author;
    item.seq = entry->seq;
    item.hlc = entry->hlc;
    if (protocol::ComputeId(ByteView(row.bytes)) != row.id) {
      item.fault = protocol::RejectionName(protocol::Rejection::kIdMismatch);
    } else if (entry->ledger_id != ledger.ledger_id) {
      item.fault = protocol::RejectionName(protocol::Rejection::kWrongLedger);
    } else if (std::find(members_.begin(), members_.end(), entry->author) == members_.end()) {
      item.fault = protocol::RejectionName(protocol::Rejection::kUnknownAuthor);
    } else if (!protocol::SignatureValid(*entry)) {
      item.fault = protocol::RejectionName(protocol::Rejection::kBadSignature);
    } else {
      item.verified = true;
    }
    if (item.verified && row.wrapped_key) {
      auto key = protocol::WrappedKey::Decode(*row.wrapped_key);
      auto text = key.ok() ? protocol::OpenBody(*entry, row.id, *key, keys_->ledger_key)
                           : Result<std::string>(key.error());
      auto body = text.ok() ? protocol::ParseBody(*text) : Result<nlohmann::json>(text.error());
      if (body.ok()) {
        item.body = std::move(body).value();
      } else {
        item.verified = false;
        item.fault = "unreadable_body";
      }
    }
    items.push_back(std::move(item));
  }
  return items;
}

Result<VerifyReport> Engine::Verify() {
  if (!initialized()) {
    return MakeError(ErrorCode::kFailedPrecondition, "no ledger yet: run 'kintsugictl init --name NAME'");
  }
  VerifyReport report;
  protocol::LedgerContext ledger{keys_->ledger_id, members_};
  crypto::PublicKey current{};
  protocol::ChainHead head;
  bool first = true;
  KINTSUGI_RETURN_IF_ERROR(store_->ForEachByChain([&](const StoredEntry& row) -> kintsugi::Status {
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
    protocol::Verdict verdict = protocol::Verdict::Ok();
    if (computed != row.id) {
      verdict = protocol::EntryFault{protocol::Rejection::kIdMismatch,
                                     "stored bytes hash to " + Short(computed)};
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
  return report;
}

}  // namespace kintsugi::daemon
