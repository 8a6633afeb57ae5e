// kintsugictl's notify commands (see ctl_notify.h).
#include "client/ctl_notify.h"

#include <ctime>
#include <iostream>
#include <sstream>

#include "base/local_time.h"
#include "client/ctl_command.h"
#include "client/ctl_views.h"
#include "client/json_fields.h"
#include "protocol/ipc_messages.h"
#include "protocol/notify.h"

namespace kintsugi::ctl {
namespace {

using nlohmann::json;

std::string OnOff(bool on) { return on ? "on" : "off"; }

}  // namespace

NotifyCommands::NotifyCommands(CLI::App& app) {
  CLI::App* notify = app.add_subcommand("notify", "Desktop notifications and reminders on this device");
  notify->require_subcommand(1);
  status_ = notify->add_subcommand("status", "What notifies, how much it says, and why nothing is shown if so");
  on_ = notify->add_subcommand("on", "Turn notifications on, or only the EVENTs named");
  on_->add_option("EVENT", on_events_, "answer, talk, status, pause, sharing, leave or review");
  off_ = notify->add_subcommand("off", "Turn notifications off (alarms stay), or only the EVENTs named");
  off_->add_option("EVENT", off_events_, "answer, talk, status, pause, sharing, leave or review");
  show_ = notify->add_subcommand(
      "show", "How much a notification says: nothing (\"Kintsugi\"), discreet (\"something new from Sam\", the "
              "default) or words (what your partner wrote, readable by anyone near your screen)");
  show_->add_option("HOW", show_how_, "nothing, discreet or words")
      ->required()
      ->check(CLI::IsMember({"nothing", "discreet", "words"}));
  quiet_ = notify->add_subcommand("quiet", "Hold notifications from FROM to TO (HH:MM), then one summary; or off");
  quiet_->add_option("TIMES", quiet_args_, "FROM TO, or off")->required()->expected(1, 2);
  remind_ = notify->add_subcommand(
      "remind", "Reminders: checkin HH:MM|off, meeting DAY HH:MM|off, together on|off (an hour before)");
  remind_->add_option("WHAT", remind_args_, "checkin HH:MM, meeting DAY HH:MM, together on, or WHAT off")
      ->required()
      ->expected(2, 3);
  test_ = notify->add_subcommand("test", "Show a notification now, as one from your partner would look");
}

Result<json> NotifyCommands::Change() const {
  auto bad = [](const std::string& message) { return MakeError(ErrorCode::kInvalidArgument, message); };
  if (on_->parsed() || off_->parsed()) {
    const bool on = on_->parsed();
    const auto& names = on ? on_events_ : off_events_;
    if (names.empty()) return json{{"enabled", on}};
    json events = json::object();
    for (const auto& name : names) events[name] = on;
    return json{{"events", events}};
  }
  if (show_->parsed()) return json{{"show", show_how_}};
  if (quiet_->parsed()) {
    if (quiet_args_.size() == 1 && quiet_args_[0] == "off") return json{{"quiet", nullptr}};
    if (quiet_args_.size() != 2) return bad("quiet takes FROM TO (HH:MM HH:MM), or off");
    return json{{"quiet", {{"from", quiet_args_[0]}, {"to", quiet_args_[1]}}}};
  }
  if (remind_->parsed()) {
    const std::string& what = remind_args_[0];
    const bool off = remind_args_.back() == "off";
    if (what == "checkin" && remind_args_.size() == 2) {
      return json{{"remind", {{"checkin", off ? json(nullptr) : json(remind_args_[1])}}}};
    }
    if (what == "meeting" && (off ? remind_args_.size() == 2 : remind_args_.size() == 3)) {
      return json{{"remind", {{"meeting", off ? json(nullptr) : json{{"day", remind_args_[1]}, {"time", remind_args_[2]}}}}}};
    }
    if (what == "together" && remind_args_.size() == 2 && (off || remind_args_[1] == "on")) {
      return json{{"remind", {{"together", !off}}}};
    }
    return bad("remind takes: checkin HH:MM | checkin off | meeting DAY HH:MM | meeting off | together on|off");
  }
  return json::object();
}

std::string NotifyCommands::Describe(const protocol::NotifyStatus& status) {
  const protocol::NotifySettings& s = status.settings;
  std::ostringstream out;
  out << "Notifications: " << OnOff(s.enabled);
  if (s.enabled) {
    out << ", " << (s.show == protocol::NotifyShow::kNothing ? "saying nothing but \"Kintsugi\""
                    : s.show == protocol::NotifyShow::kWords ? "with your partner's words"
                                                             : "discreet (\"Kintsugi: something new from ...\")");
  }
  out << "\n";
  if (status.bus == "shown") {
    out << "Shown by: " << (status.server.empty() ? "the desktop's notification server" : status.server) << " ("
        << status.shown << " so far)\n";
  } else {
    out << "Shown: " << status.bus << "\n";
  }
  if (s.quiet) {
    out << "Quiet hours: " << protocol::FormatDayMinute(s.quiet->first) << " to "
        << protocol::FormatDayMinute(s.quiet->second) << (status.quiet_now ? " (quiet now)" : "") << "\n";
  } else {
    out << "Quiet hours: none\n";
  }
  out << "Events:";
  for (const auto& e : status.events) {
    if (e.switchable) out << " " << e.name << " " << OnOff(e.on) << ";";
  }
  out << " alarms always on\n";
  out << "Reminders: check-in " << (s.checkin ? protocol::FormatDayMinute(*s.checkin) : "off") << "; weekly meeting ";
  if (s.meeting) {
    out << protocol::WeekdayName(s.meeting->weekday) << " " << protocol::FormatDayMinute(s.meeting->minute);
  } else {
    out << "off";
  }
  out << "; time together " << (s.together ? "an hour before" : "off") << "\n";
  if (status.next_reminder_ms != 0) {
    // In this computer's time, as reminders are set.
    out << "Next reminder: " << base::FormatLocal(status.next_reminder_ms, "%A %Y-%m-%d %H:%M") << "\n";
  }
  if (status.held > 0) out << "Waiting to be told: " << status.held << "\n";
  return out.str();
}

std::optional<int> NotifyCommands::Run(client::Client& client, bool as_json) const {
  const bool set = on_->parsed() || off_->parsed() || show_->parsed() || quiet_->parsed() || remind_->parsed();
  if (!set && !status_->parsed() && !test_->parsed()) return std::nullopt;
  Result<json> answer = json::object();
  if (set) {
    auto change = Change();
    if (!change.ok()) return Fail(change.error());
    answer = client.Call("notify.set", *change);
  } else {
    answer = client.Call(test_->parsed() ? "notify.test" : "notify.status", json::object());
  }
  if (!answer.ok()) return Fail(answer.error());
  if (as_json) {
    PrintJson(*answer);
    return 0;
  }
  const auto status = client::ReadReply<protocol::NotifyStatus>(*answer);
  if (!status.ok()) return Fail(status.error());
  if (test_->parsed()) {
    std::cout << (status->sent.value_or(false) ? "Sent to the desktop.\n" : "Nothing could be sent.\n");
  }
  std::cout << Describe(*status);
  return 0;
}

}  // namespace kintsugi::ctl
