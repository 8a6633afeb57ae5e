// kintsugictl's sharing commands (see ctl_sharing.h).
#include "client/ctl_sharing.h"

#include <iostream>

#include "client/ctl_command.h"
#include "client/ctl_input.h"
#include "client/json_fields.h"
#include "client/ctl_views.h"
#include "protocol/hlc.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::ctl {
namespace {

using nlohmann::json;

constexpr const char* kLeaveExplained =
    "Leaving ends the shared ledger for both of you, for good:\n"
    "  - an entry says that you left; your partner's device receives it, then the two stop syncing;\n"
    "  - neither of you can add anything more to this ledger; each keeps their own copy as it is;\n"
    "  - nothing on your partner's device is deleted, and nothing on yours.\n"
    "Before you leave you may want to export your data ('kintsugictl export') and withdraw your own\n"
    "entries ('kintsugictl withdraw-mine --yes'): after leaving, neither is shared any more.\n";

constexpr const char* kWithdrawExplained =
    "This withdraws every entry of yours that can be withdrawn: their words are destroyed on both\n"
    "devices (the marks stay, so the history still verifies). Your introduction, agreements, proposals\n"
    "and your answers to them stay on the record. It cannot be undone.\n";

// Unix ms -> "2026-11-26 07:10 UTC".
std::string Minutes(std::uint64_t unix_ms) {
  const std::string iso = protocol::FormatUtcMillis(unix_ms);  // "2026-11-26T07:10:29.249Z"
  return iso.size() >= 16 ? iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC" : iso;
}

// Refuses, before anything is sent, a command that needs --yes without it.
void RequireYes(CLI::App* app, const bool& yes, const char* explained, const std::string& what) {
  app->callback([app, &yes, explained, what] {
    if (yes) return;
    std::cerr << explained;
    throw CLI::RuntimeError("nothing was done: run 'kintsugictl " + app->get_name() + " --yes' to " + what,
                            kExitUsage);
  });
}

}  // namespace

SharingCommands::SharingCommands(CLI::App& app) {
  // `pause` alone is the flooding pause, an entry: this is the device's sharing.
  CLI::App* sharing = app.add_subcommand("sharing", "Pause or resume sharing with your partner's device");
  sharing->require_subcommand(1);
  pause_ = sharing->add_subcommand(
      "pause", "Pause sharing: nothing passes between your devices until you resume; your partner sees "
               "only that you paused, and since when");
  resume_ = sharing->add_subcommand("resume", "Resume sharing: what either of you wrote meanwhile is exchanged");
  leave_ = app.add_subcommand(
      "leave", "Leave the shared ledger for good: sync ends, each keeps their own copy (export and "
               "withdraw-mine first if you want to)");
  leave_->add_option("--note", note_, "A last word for your partner (optional)");
  leave_->add_flag("--yes", leave_yes_, "Yes, leave for good");
  RequireYes(leave_, leave_yes_, kLeaveExplained, "leave");
  withdraw_mine_ = app.add_subcommand(
      "withdraw-mine", "Withdraw every entry of yours that can be withdrawn (before leaving, for example)");
  withdraw_mine_->add_flag("--yes", withdraw_yes_, "Yes, withdraw them all");
  RequireYes(withdraw_mine_, withdraw_yes_, kWithdrawExplained, "withdraw them");
}

std::string SharingCommands::Describe(const protocol::Sharing& sharing) {
  if (const auto& ended = sharing.ended) {
    std::string who = ended->by_me ? "you" : ended->name.empty() ? "your partner" : ended->name;
    return "ended: " + who + " left on " + Minutes(ended->time_ms) +
           (ended->link_closed ? "; sync has stopped for good" : "; delivering the last entries");
  }
  if (sharing.paused()) return "paused by you since " + Minutes(sharing.paused_since_ms);
  if (sharing.partner_paused()) return "paused by your partner since " + Minutes(sharing.partner_paused_since_ms);
  return "";
}

std::optional<int> SharingCommands::Run(client::Client& client, bool as_json) const {
  const char* method = pause_->parsed()           ? "sharing.pause"
                       : resume_->parsed()        ? "sharing.resume"
                       : leave_->parsed()         ? "sharing.leave"
                       : withdraw_mine_->parsed() ? "sharing.withdraw_mine"
                                                  : nullptr;
  if (method == nullptr) return std::nullopt;
  if (withdraw_mine_->parsed()) {
    // The daemon withdraws a batch per request, so it stays responsive.
    protocol::WithdrawMineReply total;
    for (;;) {
      auto r = client.Call(method, json::object());
      if (!r.ok()) return Fail(r.error());
      auto batch = protocol::ReadMessage<protocol::WithdrawMineReply>(*r);
      if (!batch) return Fail(MakeError(ErrorCode::kMalformed, "the daemon's answer to withdraw-mine is not one"));
      total.withdrawn += batch->withdrawn;
      total.remaining = batch->remaining;
      total.kept = batch->kept;
      if (batch->remaining == 0 || batch->withdrawn == 0) break;
    }
    if (as_json) {
      PrintJson(total);
      return 0;
    }
    std::cout << "withdrew " << total.withdrawn << " entries\n";
    for (const auto& [kind, n] : total.kept) {
      std::cout << "kept " << n << " " << kind << " entries (they stay on the record)\n";
    }
    return 0;
  }
  const json params = leave_->parsed() ? json(protocol::SharingLeaveRequest{note_}) : json::object();
  auto r = client.Call(method, params);
  if (!r.ok()) return Fail(r.error());
  if (as_json) {
    PrintJson(*r);
    return 0;
  }
  const auto read = client::ReadReply<protocol::Sharing>(*r);
  if (!read.ok()) return Fail(read.error());
  const protocol::Sharing& sharing = *read;
  if (leave_->parsed()) {
    std::cout << "You left the shared ledger. Your partner's device will receive this, then sync ends.\n"
              << "Your copy stays on this device.\n";
  } else if (pause_->parsed()) {
    std::cout << "Sharing paused since " << Minutes(sharing.paused_since_ms) << ".\n"
              << "Your partner sees that you paused, not why. Run 'kintsugictl sharing resume' to share again.\n";
  } else {
    std::cout << "Sharing resumed.";
    if (sharing.partner_paused()) std::cout << " Your partner has paused too, for now.";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace kintsugi::ctl
