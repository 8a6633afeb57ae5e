// kintsugictl's commands for the vault (docs/THREAT_MODEL.md, "The vault"):
// `unlock`, `lock`, `passphrase set` and `passphrase remove`; and for sealed
// backups: `backup FILE` and `restore FILE`. Passphrases are
// read from the terminal without echo, or one per line from standard input
// when it is not a terminal (for scripts), never from the command line where
// other users could see them in the process list.
//
// CLI11 holds pointers into a VaultCommands: it must not move once built.
// Single-threaded, like main.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "client/client.h"
#include "base/result.h"

namespace kintsugi::ctl {

// Reads one passphrase: from the terminal with echo off after `prompt` (on
// stderr), else one line of standard input. Fails with kInvalidArgument at
// end of input.
Result<std::string> ReadPassphrase(const std::string& prompt);
// A new passphrase: asked twice on a terminal (refused when they differ),
// read once from standard input otherwise.
Result<std::string> ReadNewPassphrase(const std::string& prompt = "New passphrase (8 characters or more): ");

class VaultCommands {
 public:
  explicit VaultCommands(CLI::App& app);
  VaultCommands(const VaultCommands&) = delete;
  VaultCommands& operator=(const VaultCommands&) = delete;

  // Runs the command the user chose and returns the exit code; nullopt when
  // none of these was chosen.
  std::optional<int> Run(client::Client& client, bool as_json) const;

 private:
  CLI::App* unlock_ = nullptr;
  CLI::App* lock_ = nullptr;
  CLI::App* set_ = nullptr;
  CLI::App* remove_ = nullptr;
  CLI::App* backup_ = nullptr;
  CLI::App* restore_ = nullptr;
  std::string file_;
  bool replace_ = false;
  bool force_ = false;
};

}  // namespace kintsugi::ctl
