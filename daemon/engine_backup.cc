// Engine: sealed backups and restoring from one (see engine.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

#include "base/files.h"
#include "daemon/engine.h"
#include "protocol/backup.h"

namespace kintsugi::daemon {
namespace {

Error Errno(const std::string& what) { return MakeError(ErrorCode::kIo, what + ": " + std::strerror(errno)); }

bool Exists(const std::string& path) {
  struct stat st{};
  return ::lstat(path.c_str(), &st) == 0;
}

Error LedgerExists() {
  return MakeError(ErrorCode::kAlreadyExists,
                   "this device has a ledger already: restoring over it needs --force (its files are kept "
                   "beside, renamed)");
}

}  // namespace

Result<Engine::BackupReport> Engine::Backup(const std::string& path, const crypto::Passphrase& passphrase,
                                            bool replace) {
  auto work = BeginBackup(path, passphrase, replace);
  if (!work.ok()) return work.take_error();
  work->Derive();
  return FinishBackup(*work);
}

Result<EngineStatus> Engine::Restore(const std::string& path, const crypto::Passphrase& passphrase, bool force) {
  auto work = BeginRestore(path, passphrase, force);
  if (!work.ok()) return work.take_error();
  work->Derive();
  return FinishRestore(*work);
}

Result<Engine::KeyWork> Engine::BeginBackup(const std::string& path, const crypto::Passphrase& passphrase,
                                            bool replace) {
  if (!initialized()) return NoLedger();
  if (path.empty() || path.front() != '/') {
    return MakeError(ErrorCode::kInvalidArgument, "the backup's path must be absolute");
  }
  if (!replace && Exists(path)) {
    return MakeError(ErrorCode::kAlreadyExists, path + " exists already: choose another name, or replace it");
  }
  KeyWork work;
  // One passphrase to remember: the vault's. Checked like an unlock.
  if (sealed_) KINTSUGI_RETURN_IF_ERROR(BeginCheck(passphrase, work));
  work.make_from = &passphrase;
  rng_.Fill(work.salt);
  work.limits = vault_limits_;
  work.path = path;
  work.replace = replace;
  return work;
}

Result<Engine::BackupReport> Engine::FinishBackup(KeyWork& work) {
  if (!initialized()) return NoLedger();
  KINTSUGI_RETURN_IF_ERROR(FinishCheckIfSealed(work, "making the backup"));
  KINTSUGI_RETURN_IF_ERROR(work.Made("the backup's key"));
  auto key_file = ReadKeyFileBytes(key_path_);
  if (!key_file.ok()) return key_file.take_error();
  auto image = store_->Snapshot();
  if (!image.ok()) return image.take_error();
  protocol::BackupHeader header;
  header.salt = work.salt;
  header.limits = work.limits;
  protocol::BackupContents contents;
  contents.created_ms = clock_.NowMillis();
  contents.key_file = std::move(key_file).value();
  contents.database = std::move(image).value();
  const Bytes sealed = protocol::SealBackup(contents, (*work.made)->key, header);
  KINTSUGI_RETURN_IF_ERROR(base::WritePrivateFile(
      work.path, std::string_view(reinterpret_cast<const char*>(sealed.data()), sealed.size()),
      work.replace ? base::Replace::kExisting : base::Replace::kNever));
  auto count = store_->CountEntries(info_->ledger_id);
  spdlog::info("backup.written bytes={}", sealed.size());
  return BackupReport{work.path, sealed.size(), count.ok() ? *count : 0};
}

Result<Engine::KeyWork> Engine::BeginRestore(const std::string& path, const crypto::Passphrase& passphrase,
                                             bool force) {
  if (initialized() && !force) {
    return LedgerExists();
  }
  auto file = base::ReadFile(path, protocol::kMaxBackupDatabaseBytes + (64u << 20),
                             "is larger than any backup can be");
  if (!file.ok()) return file.take_error();
  auto header = protocol::ReadBackupHeader(*file);
  if (!header.ok()) return header.take_error();
  KeyWork work;
  work.make_from = &passphrase;
  work.salt = header->salt;
  work.limits = header->limits;
  work.header = *header;
  work.backup = std::move(file).value();
  work.path = path;
  work.replace = force;
  return work;
}

Result<EngineStatus> Engine::FinishRestore(KeyWork& work) {
  if (initialized() && !work.replace) {
    return LedgerExists();
  }
  KINTSUGI_RETURN_IF_ERROR(work.Made("the backup's key"));
  auto contents = protocol::OpenBackup(work.backup, work.header, (*work.made)->key);
  if (!contents.ok()) return contents.take_error();
  work.backup.clear();

  // Check what the backup holds, in files beside the real ones, before
  // anything real is touched.
  const std::string db_path = store_->path();
  const std::string new_db = db_path + ".restoring";
  const std::string new_key = key_path_ + ".restoring";
  auto cleanup = [&] {
    for (const auto& p : {new_db, new_db + "-wal", new_db + "-shm", new_key}) ::unlink(p.c_str());
  };
  cleanup();
  Status staged = [&]() -> Status {
    KINTSUGI_RETURN_IF_ERROR(WriteKeyFileBytes(new_key, *contents->key_file));
    auto restored_key = LoadKeyFile(new_key);
    if (!restored_key.ok()) {
      return MakeError(ErrorCode::kCorrupt, "the backup's key file is damaged: " + restored_key.error().message);
    }
    KINTSUGI_RETURN_IF_ERROR(base::WritePrivateFile(
        new_db,
        std::string_view(reinterpret_cast<const char*>(contents->database.data()), contents->database.size()),
        base::Replace::kExisting));
    auto restored = Store::Open(new_db);
    if (!restored.ok()) return MakeError(ErrorCode::kCorrupt, "the backup's ledger does not open: " + restored.error().message);
    KINTSUGI_RETURN_IF_ERROR((*restored)->CheckIntegrity());
    auto meta = (*restored)->LoadMeta();
    if (!meta.ok()) return meta.take_error();
    if (!meta->has_value() || (*meta)->self != restored_key->info.self) {
      return MakeError(ErrorCode::kCorrupt, "the backup's key file and ledger do not belong together");
    }
    // A restored database is a new replica to the partner: a new index id,
    // and, when there is a partner, no appends until the first sync.
    protocol::IndexId index{};
    rng_.Fill(index);
    KINTSUGI_RETURN_IF_ERROR((*restored)->SetValue("index_id", index));
    KINTSUGI_RETURN_IF_ERROR((*restored)->SetValue(kRefusalsKey, Bytes()));  // the passphrase was right
    auto members = (*restored)->Members((*meta)->ledger_id);
    if (!members.ok()) return members.take_error();
    if (members->size() > 1) {
      const std::uint8_t yes = 1;
      KINTSUGI_RETURN_IF_ERROR((*restored)->SetValue("restore_hold", ByteView(&yes, 1)));
    }
    return OkStatus();
  }();
  contents->database.clear();
  if (!staged.ok()) {
    cleanup();
    return staged.take_error();
  }

  // The switch. The current files (if any) are kept beside, renamed; if a
  // step fails they are put back, and the engine opens what it had.
  views_.reset();
  keys_.reset();
  vault_.reset();
  info_.reset();
  members_.clear();
  partner_.reset();
  name_.clear();
  restore_hold_ = false;
  restore_target_seq_ = UINT64_MAX;
  wrong_passphrases_ = 0;
  next_try_ms_ = 0;
  store_.reset();
  const std::string suffix = ".replaced-" + std::to_string(clock_.NowMillis());
  std::vector<std::string> kept;  // moved aside
  bool key_in = false;
  bool db_in = false;
  Status switched = [&]() -> Status {
    for (const auto& p : {db_path, db_path + "-wal", db_path + "-shm", key_path_}) {
      if (!Exists(p)) continue;
      if (::rename(p.c_str(), (p + suffix).c_str()) != 0) return Errno("keep " + p + " aside");
      kept.push_back(p);
    }
    for (const auto& p : {new_db + "-wal", new_db + "-shm"}) ::unlink(p.c_str());  // closed cleanly: checkpointed
    if (::rename(new_key.c_str(), key_path_.c_str()) != 0) return Errno("move the restored key file into place");
    key_in = true;
    if (::rename(new_db.c_str(), db_path.c_str()) != 0) return Errno("move the restored ledger into place");
    db_in = true;
    return OkStatus();
  }();
  if (!switched.ok()) {
    spdlog::error("restore.undone what=\"{}\"", switched.error().message);
    if (db_in) ::unlink(db_path.c_str());
    if (key_in) ::unlink(key_path_.c_str());
    for (const auto& p : kept) ::rename((p + suffix).c_str(), p.c_str());
    cleanup();
  }
  base::SyncFolderOf(db_path);
  auto reopened = Store::Open(db_path);
  if (!reopened.ok()) {
    spdlog::critical("restore.reopen_failed what=\"{}\"", reopened.error().message);
    return reopened.take_error();
  }
  store_ = std::move(reopened).value();
  Status loaded = Load();
  if (!switched.ok()) return switched.take_error();
  KINTSUGI_RETURN_IF_ERROR(loaded);
  spdlog::info("restore.done hold={}", restore_hold_);
  return GetStatus();
}

void Engine::NotePartnerHello(const protocol::SyncHello& hello) {
  if (!restore_hold_ || !initialized() || hello.ledger_id != info_->ledger_id) return;
  restore_target_seq_ = 0;  // the partner knows nothing of this chain yet
  for (const auto& head : hello.heads) {
    if (head.author == info_->self) restore_target_seq_ = head.seq;
  }
  if (Status s = CheckRestoreHold(); !s.ok()) spdlog::warn("restore.hold_check_failed what=\"{}\"", s.error().message);
}

Status Engine::CheckRestoreHold() {
  if (!restore_hold_ || restore_target_seq_ == UINT64_MAX) return OkStatus();
  auto own = store_->Head(info_->ledger_id, info_->self);
  if (!own.ok()) return own.take_error();
  if (own->seq < restore_target_seq_) return OkStatus();
  KINTSUGI_RETURN_IF_ERROR(store_->SetValue("restore_hold", ByteView()));
  restore_hold_ = false;
  spdlog::info("restore.caught_up seq={}", own->seq);
  return OkStatus();
}

}  // namespace kintsugi::daemon
