// kintsugictl's `notify` commands: desktop notifications and reminders of
// this device (docs/NOTIFICATIONS.md).
//
//   notify status                       what is on, and why nothing is shown if so
//   notify on | off [EVENT...]          all notifications, or some events
//   notify show nothing|discreet|words  how much a notification says
//   notify quiet FROM TO | off          quiet hours (HH:MM)
//   notify remind checkin HH:MM|off
//   notify remind meeting DAY HH:MM|off
//   notify remind together on|off
//   notify test                         show one now
//
// CLI11 holds pointers into a NotifyCommands: it must not move once built.
// Single-threaded, like main.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "client/client.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::ctl {

class NotifyCommands {
 public:
  explicit NotifyCommands(CLI::App& app);
  NotifyCommands(const NotifyCommands&) = delete;
  NotifyCommands& operator=(const NotifyCommands&) = delete;

  // Runs the chosen command; nullopt when none of these was chosen.
  std::optional<int> Run(client::Client& client, bool as_json) const;

  // The human text of a notify.status answer.
  static std::string Describe(const protocol::NotifyStatus& status);

 private:
  // The change a command asks for (notify.set's params), or why it is wrong.
  Result<nlohmann::json> Change() const;

  CLI::App* status_ = nullptr;
  CLI::App* on_ = nullptr;
  CLI::App* off_ = nullptr;
  CLI::App* show_ = nullptr;
  CLI::App* quiet_ = nullptr;
  CLI::App* remind_ = nullptr;
  CLI::App* test_ = nullptr;
  std::vector<std::string> on_events_;
  std::vector<std::string> off_events_;
  std::string show_how_;
  std::vector<std::string> quiet_args_;
  std::vector<std::string> remind_args_;
};

}  // namespace kintsugi::ctl
