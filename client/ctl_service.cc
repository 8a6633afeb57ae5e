#include "client/ctl_service.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

#include "client/ctl_command.h"
#include "client/ctl_views.h"
#include "client/service.h"

namespace kintsugi::ctl {

namespace {

using nlohmann::json;

json ToJson(const ServiceStatus& s) {
  return {{"installed", s.installed},
          {"unit_path", s.unit_path},
          {"exec_start", s.exec_start},
          {"enabled", s.enabled},
          {"active", s.active},
          {"systemd_running", s.manager_running},
          {"systemd_detail", s.manager_detail}};
}

void PrintServiceStatus(const ServiceStatus& s) {
  if (s.installed) {
    std::cout << "service   installed: " << s.unit_path << "\n"
              << "starts    " << (s.exec_start.empty() ? "(no ExecStart= line)" : s.exec_start) << "\n";
  } else {
    std::cout << "service   not installed ('kintsugictl service install' starts kintsugid at login)\n";
  }
  if (!s.manager_running) {
    std::cout << "systemd   no user instance is running for this user (" << s.manager_detail << ")\n";
    return;
  }
  if (!s.installed) return;
  std::cout << "at login  " << (s.enabled ? "enabled" : "not enabled") << "\n"
            << "now       " << (s.active ? "running" : "not running") << "\n";
}

}  // namespace

ServiceCommands::ServiceCommands(CLI::App& app) : app_(&app) {
  service_ = app.add_subcommand("service", "Start kintsugid when you log in (a systemd user service)");
  service_->require_subcommand(1);
  install_ = service_->add_subcommand(
      "install", "Start the kintsugid installed beside this kintsugictl at login, and now");
  uninstall_ = service_->add_subcommand("uninstall", "Stop kintsugid and no longer start it at login");
  status_ = service_->add_subcommand("status", "Show whether kintsugid starts at login, and which one");
  for (CLI::App* sub : {service_, install_, uninstall_, status_})
    sub->add_flag("--json", as_json_, "Print JSON");
}

bool ServiceCommands::chosen() const { return service_->parsed(); }

int ServiceCommands::Run() const {
  auto manager = NewServiceManager();
  if (install_->parsed()) {
    if (const CLI::Option* dir = app_->get_option_no_throw("--data-dir");
        dir != nullptr && dir->count() > 0) {
      return Fail(
          "the service starts kintsugid on its default data dir ($XDG_DATA_HOME/kintsugi, else "
          "~/.local/share/kintsugi): drop --data-dir");
    }
    auto daemon = DaemonBesideThisProgram();
    if (!daemon.ok()) return Fail(daemon.error());
    auto status = manager->Install(*daemon);
    if (!status.ok()) return Fail(status.error());
    if (as_json_) {
      PrintJson(ToJson(*status));
      return 0;
    }
    std::cout << "kintsugid now starts when you log in"
              << (status->active ? ", and runs now.\n"
                                 : "; it is not running now: see 'systemctl --user status kintsugid'.\n");
    PrintServiceStatus(*status);
    return 0;
  }
  if (uninstall_->parsed()) {
    auto outcome = manager->Uninstall();
    if (!outcome.ok()) return Fail(outcome.error());
    bool removed = *outcome == Uninstalled::kRemoved;
    if (as_json_) {
      PrintJson({{"removed", removed}});
    } else if (removed) {
      std::cout << "kintsugid no longer starts at login: its service is stopped and removed\n";
    } else {
      std::cout << "kintsugid's service is not installed: nothing to remove\n";
    }
    return 0;
  }
  auto status = manager->Query();
  if (!status.ok()) return Fail(status.error());
  as_json_ ? PrintJson(ToJson(*status)) : PrintServiceStatus(*status);
  return 0;
}

}  // namespace kintsugi::ctl
