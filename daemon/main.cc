// kintsugid: the Kintsugi daemon. Keeps this partner's ledger and serves the
// window and kintsugictl over local IPC. See docs/ARCHITECTURE.md.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "client/cli_manual.h"
#include "daemon/loop.h"
#include "kintsugi/version.h"

namespace {

// How much nicer than its starter kintsugid runs (see main()).
constexpr int kBackgroundNice = 10;

// The manual page's words around the options (client/cli_manual.h).
kintsugi::cli::ManualInfo Manual() {
  return {"kintsugid",
          kintsugi::kVersion,
          "keeps your shared Kintsugi ledger and syncs it with your partner's device",
          {"kintsugid is the background service of Kintsugi, a private place for two partners to make agreements, "
           "check in, and see trust grow back. It keeps this partner's copy of the shared ledger, sealed and signed, "
           "and exchanges it directly with the partner's kintsugid over the local network: no cloud, no server, "
           "no relay. The window, kintsugi, and kintsugictl talk to it over local IPC that only this user can reach.",
           "It is meant to start at login, as a systemd user service (kintsugictl service install), and to run "
           "until logout. SIGINT or SIGTERM stops it cleanly; a second kintsugid on the same data directory refuses "
           "to start.",
           "It runs at a background priority, ten steps nicer than it was started with, so that a long catch-up "
           "from the partner's device leaves the CPU to the programs in use, the window among them."},
          {{"FILES",
            {"DATA/ledger.db\tThe ledger (SQLite); every entry's words sealed.",
             "DATA/identity.key\tThis device's keys, sealed with the passphrase when there is one.",
             "DATA/kintsugid.lock\tHeld while a daemon runs on DATA.",
             "DATA is --data-dir, else $XDG_DATA_HOME/kintsugi, else ~/.local/share/kintsugi. The sockets are in "
             "$XDG_RUNTIME_DIR/kintsugi/, in a folder of mode 0700 named for DATA."}},
           {"EXIT STATUS", {"0\tStopped by a signal, cleanly.", "1\tCould not start, or failed; the log says why."}}},
          {"kintsugictl(1)", "kintsugi(1)"},
          {},
          {}};
}

}  // namespace

int main(int argc, char** argv) {
  kintsugi::daemon::DaemonOptions options;
  std::string log_level = "info";
  CLI::App app{"kintsugid: keeps your shared Kintsugi ledger and serves the window and kintsugictl"};
  app.add_option("--data-dir", options.data_dir,
                 "Data directory (default: $XDG_DATA_HOME/kintsugi)");
  app.add_option("--listen", options.listen,
                 "Where the partner connects: HOST:PORT (pairing uses PORT + 1)")
      ->capture_default_str();
  app.add_flag("--no-listen", options.no_listen, "Do not accept connections from the partner");
  app.add_flag("--no-discovery", options.no_discovery, "Do not send or listen for LAN beacons");
  app.add_option("--discovery-port", options.discovery_port, "UDP port of the LAN beacons")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or critical")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical"}));
  app.add_option("--ready-fd", options.ready_fd,
                 "A socket to tell once how the start went (\"ready\" or \"error MESSAGE\"), for a program that "
                 "starts kintsugid and waits for it");
  app.set_version_flag("--version", std::string("kintsugid ") + kintsugi::kVersion);
  if (kintsugi::cli::PrintIfAsked(app, Manual(), argc, argv)) return 0;
  CLI11_PARSE(app, argc, argv);
  // A background service: while a catch-up verifies and stores many entries
  // on every core, a person's programs (this partner's window among them)
  // go first. Before any thread is made: each inherits it.
  [[maybe_unused]] const int niceness = ::nice(kBackgroundNice);  // refused: as started, slower frames only

  auto logger = spdlog::stderr_color_mt("kintsugid");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(log_level));
  spdlog::set_default_logger(logger);
  return kintsugi::daemon::RunDaemon(options);
}
