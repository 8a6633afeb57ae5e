// kintsugid: the Kintsugi daemon. Keeps this partner's ledger and serves the
// window and kintsugictl over local IPC. See docs/ARCHITECTURE.md.
#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "daemon/loop.h"
#include "kintsugi/version.h"

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
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("kintsugid");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(log_level));
  spdlog::set_default_logger(logger);
  return kintsugi::daemon::RunDaemon(options);
}
