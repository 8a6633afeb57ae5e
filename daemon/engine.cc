#include "daemon/engine.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "protocol/entry_seal.h"
#include "protocol/validation.h"
#include "protocol/wire.h"

namespace kintsugi::daemon {
namespace {

std::string Short(const Hash32& h) { return ToHex(h).substr(0, 16); }

}  // namespace

Error Engine::NoLedger() {
  return MakeError(ErrorCode::kFailedPrecondition, "no ledger yet: run 'kintsugictl init --name NAME'");
}

Status Engine::NeedKeys() const {
  if (!initialized()) return NoLedger();
  if (!unlocked()) {
    return MakeError(ErrorCode::kFailedPrecondition, "locked: unlock with your passphrase ('kintsugictl unlock')");
  }
  return OkStatus();
}

Result<std::unique_ptr<Engine>> Engine::Open(std::unique_ptr<Store> store, std::string key_path,
                                             Clock& clock, crypto::RandomSource& rng,
                                             crypto::PwhashLimits vault_limits) {
  std::unique_ptr<Engine> engine(new Engine(std::move(store), std::move(key_path), clock, rng, vault_limits));
  KINTSUGI_RETURN_IF_ERROR(engine->Load());
  return engine;
}

Status Engine::Load() {
  auto meta = store_->LoadMeta();
  if (!meta.ok()) return meta.take_error();
  auto file = LoadKeyFile(key_path_);
  if (!file.ok() && file.error().code != ErrorCode::kNotFound) return file.take_error();
  if (!meta->has_value()) {
    // No ledger yet. A key file without a ledger is what an `init` cut short
    // leaves behind: nothing was acknowledged, so `init` starts over.
    return OkStatus();
  }
  if (!file.ok()) {
    return MakeError(ErrorCode::kCorrupt,
                     "the ledger exists but its key file " + key_path_ + " is missing: restore it from a backup");
  }
  if (file->info.self != (*meta)->self) {
    return MakeError(ErrorCode::kCorrupt, "the key file " + key_path_ + " belongs to another ledger");
  }
  sealed_ = file->sealed.has_value();
  info_ = std::move(file->info);
  if (file->keys) {
    KINTSUGI_RETURN_IF_ERROR(AdoptKeys(std::move(*file->keys), (*meta)->ledger_id));
  } else if (info_->ledger_id != (*meta)->ledger_id) {
    // A pairing cut short (see AdoptKeys): until the keys are opened, the
    // database's ledger is the one to sync.
    info_->ledger_id = (*meta)->ledger_id;
    info_->beacon_key.reset();
  }
  auto hold = store_->GetValue("restore_hold");
  if (!hold.ok()) return hold.take_error();
  restore_hold_ = hold->has_value() && !(*hold)->empty();
  LoadRefusals();
  return LoadState();
}

// Wrong passphrases and the wait they earned outlive a restart of the
// daemon: `meta` "vault_refusals" = count (u32 LE) | next try (u64 LE, ms).
// Neither is secret. A clock set back cannot stretch the wait past its cap
// (here and in BeginCheck).
void Engine::LoadRefusals() {
  auto stored = store_->GetValue(kRefusalsKey);
  if (!stored.ok() || !stored->has_value() || (*stored)->size() != 12) return;
  wrong_passphrases_ = static_cast<int>(std::min<std::uint32_t>(protocol::LoadLe32((*stored)->data()), 1'000'000));
  next_try_ms_ = std::min(protocol::LoadLe64((*stored)->data() + 4), clock_.NowMillis() + kMaxUnlockDelayMs);
}

void Engine::SaveRefusals() {
  Bytes value;
  protocol::AppendLe32(value, static_cast<std::uint32_t>(wrong_passphrases_));
  value.resize(12);
  protocol::StoreLe64(value.data() + 4, next_try_ms_);
  Status saved = store_->SetValue(kRefusalsKey, value);
  if (!saved.ok()) spdlog::warn("vault.refusals_not_saved what=\"{}\"", saved.error().message);
}

Status Engine::AdoptKeys(LedgerKeys keys, const protocol::LedgerId& stored_ledger) {
  if (keys.ledger_id != stored_ledger) {
    auto& archived = keys.archived;
    if (archived.empty() || archived.back().id != stored_ledger) {
      return MakeError(ErrorCode::kCorrupt, "the key file " + key_path_ + " belongs to another ledger");
    }
    keys.ledger_id = archived.back().id;
    keys.ledger_key = std::move(archived.back().key);
    keys.beacon_key.reset();
    archived.pop_back();
    KINTSUGI_RETURN_IF_ERROR(WriteKeys(keys));
  }
  info_ = InfoOf(keys);
  keys_ = std::move(keys);
  return OkStatus();
}

Status Engine::WriteKeys(const LedgerKeys& keys) {
  return vault_ ? WriteKeyFile(key_path_, keys, *vault_, rng_) : WriteKeyFile(key_path_, keys);
}

Status Engine::LoadState() {
  auto members = store_->Members(info_->ledger_id);
  if (!members.ok()) return members.take_error();
  // The clock resumes after this device's own newest entry, and after the
  // partner's only within the lead a received timestamp may have.
  auto own_hlc = store_->MaxHlc(info_->self);
  if (!own_hlc.ok()) return own_hlc.take_error();
  const std::uint64_t cap = protocol::MakeHlc(clock_.NowMillis() + kMaxClockLeadMs, 0);
  auto any_hlc = store_->MaxHlc(std::nullopt, cap);
  if (!any_hlc.ok()) return any_hlc.take_error();
  std::uint64_t max_hlc = std::max(*own_hlc, *any_hlc);
  members_ = std::move(members).value();
  partner_.reset();
  for (const auto& m : members_) {
    if (m != info_->self) partner_ = m;
  }
  if (max_hlc > hlc_.last()) hlc_ = protocol::HybridClock(max_hlc);
  if (!unlocked()) return OkStatus();  // names and views wait for the keys
  name_ = ReadName(keys_->ledger_id);
  return OpenViews();
}

Status Engine::BeginCheck(const crypto::Passphrase& passphrase, KeyWork& work) {
  const std::uint64_t now = clock_.NowMillis();
  next_try_ms_ = std::min(next_try_ms_, now + kMaxUnlockDelayMs);  // a clock set back stretches no wait
  if (now < next_try_ms_) {
    const std::uint64_t wait_s = (next_try_ms_ - now + 999) / 1000;
    return MakeError(ErrorCode::kUnavailable,
                     "too many wrong passphrases: try again in " + std::to_string(wait_s) + " s");
  }
  auto file = LoadKeyFile(key_path_);
  if (!file.ok()) return file.take_error();
  if (!file->sealed) return MakeError(ErrorCode::kFailedPrecondition, "no passphrase is set");
  work.check_with = &passphrase;
  work.file = std::move(file).value();
  return OkStatus();
}

Result<LedgerKeys> Engine::FinishCheck(KeyWork& work, const char* doing) {
  if (!work.checked) return MakeError(ErrorCode::kInternal, "the passphrase was not derived");
  if (!work.checked->ok()) return work.checked->error();
  // The key opens the file as it is now, and only if it is still the one
  // the key was derived for (every write seals with a fresh nonce).
  auto file = LoadKeyFile(key_path_);
  if (!file.ok()) return file.take_error();
  const KeyFile::Sealed& then = *work.file->sealed;
  if (!sealed_ || !file->sealed || file->sealed->nonce != then.nonce || file->sealed->ad != then.ad ||
      file->sealed->ciphertext != then.ciphertext) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     std::string("the key file changed while ") + doing + ": try again");
  }
  return OpenSealed(*file, **work.checked);
}

Result<LedgerKeys> Engine::OpenSealed(const KeyFile& file, const VaultKey& key) {
  auto keys = OpenKeyFile(file, key);
  if (!keys.ok() && keys.error().code == ErrorCode::kVerificationFailed) {
    ++wrong_passphrases_;
    // The first mistake costs nothing more than the derivation; each one
    // after it doubles the wait.
    const int doublings = std::min(wrong_passphrases_ - 1, 20);
    const std::uint64_t delay = doublings <= 0 ? 0 : std::min<std::uint64_t>(1000ull << (doublings - 1), kMaxUnlockDelayMs);
    next_try_ms_ = clock_.NowMillis() + delay;
    SaveRefusals();
    spdlog::warn("vault.refused wrong_passphrases={} delay_ms={}", wrong_passphrases_, delay);
    return MakeError(ErrorCode::kVerificationFailed, "wrong passphrase");
  }
  if (!keys.ok()) return keys.take_error();
  if (wrong_passphrases_ != 0) {
    wrong_passphrases_ = 0;
    next_try_ms_ = 0;
    SaveRefusals();
  }
  return keys;
}

void Engine::KeyWork::Derive() {
  if (check_with != nullptr && file && file->sealed) {
    checked = DeriveVaultKey(*check_with, *file->sealed);
  }
  // A key is made only for a passphrase that opens the file (a wrong one is
  // judged, and counted, by FinishCheck()).
  const bool wrong = checked && (!checked->ok() || !OpenKeyFile(*file, **checked).ok());
  if (make_from != nullptr && !wrong) {
    auto key = crypto::DeriveFromPassphrase(*make_from, salt, limits);
    if (key.ok()) {
      made = VaultKey{salt, limits, std::move(key).value()};
    } else {
      made = key.take_error();
    }
  }
  check_with = nullptr;
  make_from = nullptr;
}

// Each request that takes a passphrase is its three steps in a row.
Status Engine::Unlock(const crypto::Passphrase& passphrase) {
  auto work = BeginUnlock(passphrase);
  if (!work.ok()) return work.take_error();
  work->Derive();
  return FinishUnlock(*work);
}

Status Engine::SetPassphrase(const crypto::Passphrase* current, const crypto::Passphrase& next) {
  auto work = BeginSetPassphrase(current, next);
  if (!work.ok()) return work.take_error();
  work->Derive();
  return FinishSetPassphrase(*work);
}

Status Engine::RemovePassphrase(const crypto::Passphrase& current) {
  auto work = BeginRemovePassphrase(current);
  if (!work.ok()) return work.take_error();
  work->Derive();
  return FinishRemovePassphrase(*work);
}

Result<Engine::KeyWork> Engine::BeginUnlock(const crypto::Passphrase& passphrase) {
  if (!initialized()) return NoLedger();
  if (unlocked()) return MakeError(ErrorCode::kFailedPrecondition, "already unlocked");
  if (!sealed_) return MakeError(ErrorCode::kFailedPrecondition, "no passphrase is set");
  KeyWork work;
  KINTSUGI_RETURN_IF_ERROR(BeginCheck(passphrase, work));
  return work;
}

Status Engine::FinishCheckIfSealed(KeyWork& work, const char* doing) {
  if (sealed_ != work.file.has_value()) {
    return MakeError(ErrorCode::kFailedPrecondition, std::string("the key file changed while ") + doing + ": try again");
  }
  if (!sealed_) return OkStatus();
  auto checked = FinishCheck(work, doing);
  if (!checked.ok()) return checked.take_error();
  return OkStatus();
}

Status Engine::KeyWork::Made(const char* what) const {
  if (!made) return MakeError(ErrorCode::kInternal, std::string(what) + " was not derived");
  if (!made->ok()) return made->error();
  return OkStatus();
}

Status Engine::FinishUnlock(KeyWork& work) {
  if (unlocked()) return MakeError(ErrorCode::kFailedPrecondition, "already unlocked");
  if (!initialized()) return NoLedger();
  auto keys = FinishCheck(work, "unlocking");
  if (!keys.ok()) return keys.take_error();
  auto meta = store_->LoadMeta();
  if (!meta.ok()) return meta.take_error();
  if (!meta->has_value()) return MakeError(ErrorCode::kCorrupt, "the ledger's meta data is missing");
  vault_ = std::move(*work.checked).value();
  KINTSUGI_RETURN_IF_ERROR(AdoptKeys(std::move(keys).value(), (*meta)->ledger_id));
  spdlog::info("vault.unlocked");
  Status loaded = LoadState();  // folds what arrived while locked
  if (!loaded.ok()) {
    (void)Lock();
    return loaded;
  }
  return OkStatus();
}

Status Engine::Lock() {
  if (!initialized()) return NoLedger();
  if (!sealed_) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "no passphrase is set: set one first ('kintsugictl passphrase set')");
  }
  views_.reset();
  keys_.reset();  // each secret's guarded memory is wiped as it goes
  vault_.reset();
  crypto::Wipe(slot_.writable());
  name_.clear();
  spdlog::info("vault.locked");
  return OkStatus();
}

Result<Engine::KeyWork> Engine::BeginSetPassphrase(const crypto::Passphrase* current, const crypto::Passphrase& next) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  KeyWork work;
  if (sealed_) {
    if (current == nullptr) {
      return MakeError(ErrorCode::kInvalidArgument, "give the current passphrase to change it");
    }
    KINTSUGI_RETURN_IF_ERROR(BeginCheck(*current, work));
  }
  work.make_from = &next;
  rng_.Fill(work.salt);
  work.limits = vault_limits_;
  return work;
}

Status Engine::FinishSetPassphrase(KeyWork& work) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  KINTSUGI_RETURN_IF_ERROR(FinishCheckIfSealed(work, "changing the passphrase"));
  KINTSUGI_RETURN_IF_ERROR(work.Made("the new passphrase"));
  KINTSUGI_RETURN_IF_ERROR(WriteKeyFile(key_path_, *keys_, **work.made, rng_));
  vault_ = std::move(*work.made).value();
  sealed_ = true;
  spdlog::info("vault.sealed");
  return OkStatus();
}

Result<Engine::KeyWork> Engine::BeginRemovePassphrase(const crypto::Passphrase& current) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  if (!sealed_) return MakeError(ErrorCode::kFailedPrecondition, "no passphrase is set");
  KeyWork work;
  KINTSUGI_RETURN_IF_ERROR(BeginCheck(current, work));
  return work;
}

Status Engine::FinishRemovePassphrase(KeyWork& work) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  if (!sealed_) return MakeError(ErrorCode::kFailedPrecondition, "no passphrase is set");
  auto checked = FinishCheck(work, "removing the passphrase");
  if (!checked.ok()) return checked.take_error();
  KINTSUGI_RETURN_IF_ERROR(WriteKeyFile(key_path_, *keys_));
  vault_.reset();
  sealed_ = false;
  spdlog::info("vault.removed");
  return OkStatus();
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

Status Engine::WriteAndFold(const std::function<Status()>& write, const std::function<bool()>& fold_needed) {
  // The entries and their fold are one commit (one fsync): the fold is a
  // savepoint inside it, and a fold that fails leaves the entries stored,
  // to be folded by the next call.
  Status done = store_->InTransaction([&]() -> Status {
    KINTSUGI_RETURN_IF_ERROR(write());
    if (!fold_needed || fold_needed()) FoldNew();
    return OkStatus();
  });
  if (views_) {
    if (done.ok()) {
      views_->Committed();
    } else if (Status reloaded = views_->Reload(); !reloaded.ok()) {
      spdlog::error("views.reload_failed reason=\"{}\"", reloaded.error().message);
    }
  }
  return done;
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

Result<EngineStatus> Engine::Init(const protocol::MemberIntro& intro, const crypto::Passphrase* passphrase) {
  if (initialized()) {
    return MakeError(ErrorCode::kAlreadyExists, "this daemon already has a ledger");
  }
  protocol::LedgerId ledger_id;
  rng_.Fill(ledger_id);
  LedgerKeys keys{crypto::SigningKey::Generate(rng_), ledger_id, crypto::SymmetricKey::Generate(rng_),
                  std::nullopt, {}};
  if (passphrase != nullptr) {
    auto vault = NewVaultKey(*passphrase, vault_limits_, rng_);
    if (!vault.ok()) return vault.take_error();
    vault_ = std::move(vault).value();
    sealed_ = true;
  }
  Status written = WriteKeys(keys);
  if (!written.ok()) {
    vault_.reset();
    sealed_ = false;
    return written.take_error();
  }
  const crypto::PublicKey self = keys.identity.public_key();
  KINTSUGI_RETURN_IF_ERROR(store_->InTransaction([&]() -> kintsugi::Status {
    KINTSUGI_RETURN_IF_ERROR(store_->SaveMeta(LedgerMeta{ledger_id, self}));
    return store_->AddMember(ledger_id, self, hlc_.Tick(clock_.NowMillis()));
  }));
  info_ = InfoOf(keys);
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
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  if (restore_hold_) {
    return MakeError(ErrorCode::kFailedPrecondition,
                     "restored from a backup: waiting for the first sync with your partner, so that nothing "
                     "written now collides with what this device wrote after the backup");
  }
  // A leave ended the shared ledger: nothing more is added to it, of any kind.
  if (views_ && views_->state().left()) {
    return MakeError(ErrorCode::kFailedPrecondition, views_->state().EndedReason());
  }
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
  auto sealed = protocol::SealEntry(draft, keys_->identity, keys_->ledger_key, rng_, slot_);
  if (!sealed.ok()) return sealed.take_error();
  NewEntry row = NewEntry::From(*sealed);
  KINTSUGI_RETURN_IF_ERROR(WriteAndFold([&] { return store_->InsertEntry(row); }));

  AppendedEntry appended{sealed->id, self, draft.seq, draft.hlc, std::move(kind), true, std::move(row)};
  if (listener_) listener_(appended);
  return appended;
}

Result<EngineStatus> Engine::GetStatus() {
  EngineStatus status;
  status.initialized = initialized();
  if (!status.initialized) return status;
  status.locked = !unlocked();
  status.passphrase = sealed_;
  status.restore_hold = restore_hold_;
  auto count = store_->CountEntries(info_->ledger_id);
  if (!count.ok()) return count.take_error();
  auto forks = store_->Forks(info_->ledger_id);
  if (!forks.ok()) return forks.take_error();
  status.paired = paired();
  status.name = name_;
  status.author = info_->self;
  status.ledger_id = info_->ledger_id;
  status.entries = *count;
  status.members = members_.size();
  status.partner = partner_;
  status.forks = forks->size();
  if (views_) {
    status.folded = views_->state().entries();
    status.waiting = views_->waiting();
    if (partner_) {
      const auto& members = views_->state().members();
      if (auto it = members.find(ToHex(*partner_)); it != members.end()) status.partner_name = it->second;
    }
  }
  return status;
}

Result<std::vector<LogItem>> Engine::Log(std::size_t limit, std::optional<std::int64_t> before) {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
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

std::string VerifyFault::ReasonName() const {
  switch (kind) {
    case Kind::kFork: return "fork";
    case Kind::kUnreadable: return "unreadable";
    case Kind::kInvalid: break;
  }
  return std::string(protocol::RejectionName(reason));
}

Result<VerifyReport> Engine::Verify() {
  KINTSUGI_RETURN_IF_ERROR(NeedKeys());
  VerifyReport report;
  crypto::KeySlot slot;
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
        // Evidence of a rewritten history: not a link of the chain, and a
        // fault of the ledger however genuine it is.
        fault.kind = VerifyFault::Kind::kFork;
        fault.detail = protocol::SignatureValid(*entry)
                           ? "a second entry at this seq, validly signed: its author rewrote their history "
                             "(both are kept as evidence)"
                           : "a second entry at this seq, and its signature does not verify";
        report.faults.push_back(std::move(fault));
        return OkStatus();
      } else {
        verdict = protocol::ValidateNext(*entry, ledger, head);
      }
      if (!verdict.ok()) {
        fault.reason = verdict.error().reason;
        fault.detail = verdict.error().detail;
        report.faults.push_back(std::move(fault));
      } else if (row.wrapped_key) {
        // The wrapped key is kept beside the signed bytes, which do not
        // cover it: open the words to know it is whole.
        const crypto::SymmetricKey* key = KeyOf(ledger_id);
        auto wrapped = protocol::WrappedKey::Decode(*row.wrapped_key);
        std::string why;
        if (!wrapped.ok() || key == nullptr) {
          why = "the wrapped key is damaged";
        } else if (auto opened = protocol::OpenBody(*entry, computed, *wrapped, *key, slot); !opened.ok()) {
          why = opened.error().message;
        }
        if (!why.empty()) {
          fault.kind = VerifyFault::Kind::kUnreadable;
          fault.detail = "its words cannot be opened (" + why + ")";
          report.faults.push_back(std::move(fault));
        }
      }
      // The chain goes on from this entry's own hash, never from the stored
      // id column: a damaged entry is named, and the entry after it too when
      // its link no longer matches; the rest of the chain is checked as usual.
      head = protocol::ChainHead{entry->seq, computed};
      return OkStatus();
    }));
  }
  // The index of ids decides what a partner's batch already holds and what
  // an entry's links point to: a damaged one would skip entries or leave
  // links unresolved, silently. It is derived from the entries: rebuild it.
  auto wrong_ids = store_->CheckIds();
  if (!wrong_ids.ok()) return wrong_ids.take_error();
  if (*wrong_ids > 0) {
    spdlog::warn("verify.ids_rebuilt wrong={}", *wrong_ids);
    KINTSUGI_RETURN_IF_ERROR(store_->RebuildIds());
    report.ids_repaired = *wrong_ids;
  }
  return report;
}

}  // namespace kintsugi::daemon
