#include "client/ctl_vault.h"

#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "client/ctl_command.h"
#include "client/json_fields.h"
#include "crypto/secure_buffer.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::ctl {
namespace {

using nlohmann::json;

// Reads a line from fd 0, byte by byte (no stdio buffer keeps a copy).
Result<std::string> ReadLine() {
  std::string line;
  char c = 0;
  for (;;) {
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\n') return line;
    line.push_back(c);
  }
  if (line.empty()) return MakeError(ErrorCode::kInvalidArgument, "no passphrase given");
  return line;
}

int Done(const Result<json>& r, bool as_json, const std::string& said) {
  if (!r.ok()) return Fail(r.error());
  if (as_json) {
    PrintJson(*r);
  } else {
    std::cout << said << "\n";
  }
  return 0;
}

}  // namespace

Result<std::string> ReadPassphrase(const std::string& prompt) {
  if (!::isatty(STDIN_FILENO)) {
    auto line = ReadLine();
    if (line.ok() && !line->empty() && line->back() == '\r') line->pop_back();
    return line;
  }
  std::cerr << prompt << std::flush;
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  auto line = ReadLine();
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  std::cerr << "\n";
  return line;
}

Result<std::string> ReadNewPassphrase(const std::string& prompt) {
  auto first = ReadPassphrase(prompt);
  if (!first.ok() || !::isatty(STDIN_FILENO)) return first;
  auto again = ReadPassphrase("The same again: ");
  if (!again.ok()) {
    crypto::WipeString(*first);
    return again.take_error();
  }
  const bool same = *first == *again;
  crypto::WipeString(*again);
  if (!same) {
    crypto::WipeString(*first);
    return MakeError(ErrorCode::kInvalidArgument, "the two passphrases differ; nothing changed");
  }
  return first;
}

VaultCommands::VaultCommands(CLI::App& app) {
  unlock_ = app.add_subcommand("unlock", "Open your ledger with your passphrase (asked for, never shown)");
  lock_ = app.add_subcommand("lock", "Close your ledger: the daemon keeps syncing but forgets the keys");
  auto* pass = app.add_subcommand("passphrase", "Protect your keys with a passphrase, change it or remove it");
  pass->require_subcommand(1);
  set_ = pass->add_subcommand("set", "Set a passphrase, or change it (the current one is asked for)");
  remove_ = pass->add_subcommand("remove", "Remove the passphrase: the key file is then protected by its mode alone");
  backup_ = app.add_subcommand("backup", "Write a sealed copy of your ledger and keys to FILE, while the daemon runs");
  backup_->add_option("FILE", file_, "Where to write it (e.g. on a USB stick)")->required();
  backup_->add_flag("--replace", replace_, "Replace FILE if it exists");
  restore_ = app.add_subcommand("restore", "Bring your ledger and keys back from a backup (on a new device)");
  restore_->add_option("FILE", file_, "The backup")->required();
  restore_->add_flag("--force", force_,
                     "Restore over the ledger this device has (its files are kept beside, renamed)");
}

std::optional<int> VaultCommands::Run(client::Client& client, bool as_json) const {
  if (lock_->parsed()) {
    return Done(client.Call("lock"), as_json, "Locked. Your partner's entries are still received; unlock to read them.");
  }
  if (unlock_->parsed()) {
    auto pass = ReadPassphrase("Passphrase: ");
    if (!pass.ok()) return Fail(pass.error());
    json params{{"passphrase", *pass}};
    crypto::WipeString(*pass);
    auto r = client.Call("unlock", params);
    crypto::WipeString(params["passphrase"].get_ref<std::string&>());
    return Done(r, as_json, "Unlocked.");
  }
  if (set_->parsed() || remove_->parsed()) {
    auto status = client.Call("status");
    if (!status.ok()) return Fail(status.error());
    const bool has = status->value("passphrase", false);
    json params = json::object();
    if (has || remove_->parsed()) {
      auto current = ReadPassphrase("Current passphrase: ");
      if (!current.ok()) return Fail(current.error());
      params["current"] = *current;
      crypto::WipeString(*current);
    }
    if (set_->parsed()) {
      auto next = ReadNewPassphrase();
      if (!next.ok()) return Fail(next.error());
      params["passphrase"] = *next;
      crypto::WipeString(*next);
    }
    auto r = client.Call(set_->parsed() ? "passphrase.set" : "passphrase.remove", params);
    for (auto& [key, value] : params.items()) crypto::WipeString(value.get_ref<std::string&>());
    return Done(r, as_json,
                set_->parsed() ? "Your keys are sealed with the passphrase. Without it they cannot be opened: "
                                 "there is no way to recover it."
                               : "The passphrase is removed: the key file is protected by its mode alone.");
  }
  if (backup_->parsed() || restore_->parsed()) {
    std::error_code ec;
    const std::string path = std::filesystem::absolute(file_, ec).string();
    if (ec) return Fail("cannot find the folder of " + file_);
    Result<std::string> pass = MakeError(ErrorCode::kInvalidArgument, "");
    if (restore_->parsed()) {
      pass = ReadPassphrase("The backup's passphrase: ");
    } else {
      auto status = client.Call("status");
      if (!status.ok()) return Fail(status.error());
      pass = status->value("passphrase", false)
                 ? ReadPassphrase("Your passphrase (it seals the backup too): ")
                 : ReadNewPassphrase("A passphrase for this backup (8 characters or more): ");
    }
    if (!pass.ok()) return Fail(pass.error());
    json params{{"path", path}, {"passphrase", *pass}};
    crypto::WipeString(*pass);
    if (backup_->parsed()) params["force"] = replace_;
    if (restore_->parsed()) params["force"] = force_;
    auto r = client.Call(backup_->parsed() ? "backup" : "restore", params);
    crypto::WipeString(params["passphrase"].get_ref<std::string&>());
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
    } else if (backup_->parsed()) {
      auto backup = client::ReadReply<protocol::BackupReply>(*r);
      if (!backup.ok()) return Fail(backup.error());
      std::cout << "Backed up " << backup->entries << " entries to " << backup->path << " (" << backup->bytes
                << " bytes, sealed). Keep the passphrase: the backup cannot be opened without it.\n";
    } else {
      auto restored = client::ReadReply<protocol::DaemonStatus>(*r);
      if (!restored.ok()) return Fail(restored.error());
      std::cout << "Restored " << restored->entries << " entries for " << restored->name
                << (restored->locked ? " (locked: unlock with your passphrase)" : "") << ".\n";
      if (restored->restore_hold) {
        std::cout << "Writing waits for the first sync with your partner, so that nothing collides with what "
                     "this device wrote after the backup.\n";
      }
    }
    return 0;
  }
  return std::nullopt;
}

}  // namespace kintsugi::ctl
