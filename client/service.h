// Start at login: the seam between kintsugictl and the platform's service
// manager. A ServiceManager installs, removes and inspects the per-user
// service that starts kintsugid when the user logs in. Everything specific to
// an operating system lives behind this header: service_linux.cc drives
// systemd's user instance with `systemctl --user` and writes the unit to
// $XDG_CONFIG_HOME/systemd/user (default ~/.config/systemd/user).
//
// RenderSystemdUnit and SystemdUnitExecStart are pure functions of their
// inputs. A ServiceManager runs subprocesses and writes files: use it from one
// thread at a time (kintsugictl's main thread).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"

namespace kintsugi::ctl {

// What the service manager knows about kintsugid's service.
struct ServiceStatus {
  bool manager_running = false;  // a per-user service manager answered
  std::string manager_detail;    // why it did not, when it did not
  bool installed = false;        // the unit file exists
  std::string unit_path;         // where the unit file is, or would be
  std::string exec_start;        // the daemon the unit starts; empty if not installed
  bool enabled = false;          // it starts at login
  bool active = false;           // it runs now
};

enum class Uninstalled { kRemoved, kNothingWasInstalled };

class ServiceManager {
 public:
  virtual ~ServiceManager() = default;

  // Writes the unit that starts `daemon_path` at login, then enables and
  // starts it; returns the state afterwards. Fails with kFailedPrecondition
  // when no per-user service manager runs (nothing is written), with
  // kInvalidArgument when the unit cannot name `daemon_path`, with kIo when
  // the file cannot be written, and with kUnavailable when the manager
  // refuses (the previous unit file, or none, is put back).
  // REQUIRES: `daemon_path` is an absolute path to kintsugid.
  [[nodiscard]] virtual Result<ServiceStatus> Install(const std::string& daemon_path) = 0;

  // Stops and disables the service and removes its unit file. Succeeds with
  // kNothingWasInstalled when there is no unit file. Fails with
  // kFailedPrecondition when there is one but no service manager runs (the
  // file stays), kUnavailable when the manager refuses, kIo when the file
  // cannot be removed.
  [[nodiscard]] virtual Result<Uninstalled> Uninstall() = 0;

  // The current state. Fails only when the unit's location cannot be
  // determined (no home directory); a missing service manager is reported in
  // the status, not as a failure.
  [[nodiscard]] virtual Result<ServiceStatus> Query() = 0;
};

// The service manager of this platform: systemd's user instance on Linux.
std::unique_ptr<ServiceManager> NewServiceManager();

// The absolute path of the kintsugid in the directory of the running program.
// Fails with kNotFound (saying where it looked) when there is no executable
// kintsugid there, kInternal when the running program's path is unknown.
[[nodiscard]] Result<std::string> DaemonBesideThisProgram();

// The placeholder in the unit template that names the daemon to start.
inline constexpr std::string_view kDaemonPlaceholder = "@KINTSUGID@";

// `unit_template` with every kDaemonPlaceholder replaced by `daemon_path`,
// written as systemd reads a command: % doubled, and in double quotes when it
// holds a space or tab. Fails with kInvalidArgument when `daemon_path` is not
// absolute or holds a control character, a quote, a backslash or a $, or when
// the template has no placeholder.
[[nodiscard]] Result<std::string> RenderSystemdUnit(std::string_view unit_template,
                                                    std::string_view daemon_path);

// The program a unit's ExecStart= names, as RenderSystemdUnit wrote it and
// unescaped; empty when the text has no ExecStart= line.
std::string SystemdUnitExecStart(std::string_view unit_text);

}  // namespace kintsugi::ctl
