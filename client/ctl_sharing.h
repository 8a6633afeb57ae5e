// kintsugictl's commands for pausing sharing and leaving: `sharing pause`,
// `sharing resume`, `leave [--note TEXT] --yes` and `withdraw-mine --yes`
// (docs/PROTOCOL.md, "Pause and leave"). The two that cannot be undone say
// what they do and do nothing without --yes.
//
// CLI11 holds pointers into a SharingCommands: it must not move once built.
// Single-threaded, like main.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "client/client.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::ctl {

class SharingCommands {
 public:
  // Adds the commands to `app`.
  explicit SharingCommands(CLI::App& app);
  SharingCommands(const SharingCommands&) = delete;
  SharingCommands& operator=(const SharingCommands&) = delete;

  // Runs the command the user chose and returns the exit code; nullopt when
  // none of these was chosen.
  std::optional<int> Run(client::Client& client, bool as_json) const;

  // How `status` shows the `sharing` object, one line; "" when sharing as usual.
  static std::string Describe(const protocol::Sharing& sharing);

 private:
  CLI::App* pause_ = nullptr;
  CLI::App* resume_ = nullptr;
  CLI::App* leave_ = nullptr;
  CLI::App* withdraw_mine_ = nullptr;
  std::string note_;
  bool leave_yes_ = false;
  bool withdraw_yes_ = false;
};

}  // namespace kintsugi::ctl
