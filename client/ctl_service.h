// `kintsugictl service install|uninstall|status`: start kintsugid at login.
// ServiceCommands adds the `service` subcommand to kintsugictl's CLI11 app
// and, once the command line is parsed, runs the one chosen through the
// platform's ServiceManager (service.h). None of them talks to the daemon.
//
// CLI11 holds pointers into a ServiceCommands: it must not move once made.
// Single-threaded, like main.
#pragma once

namespace CLI {
class App;
}  // namespace CLI

namespace kintsugi::ctl {

class ServiceCommands {
 public:
  // Adds `service` and its subcommands to `app`, which must outlive this.
  explicit ServiceCommands(CLI::App& app);
  ServiceCommands(const ServiceCommands&) = delete;
  ServiceCommands& operator=(const ServiceCommands&) = delete;

  // True when the parsed command line chose one of them.
  bool chosen() const;

  // Runs the chosen one. Returns the exit code: 0, or kExitFailure after one
  // line on stderr. REQUIRES: chosen().
  int Run() const;

 private:
  CLI::App* app_;
  CLI::App* service_;
  CLI::App* install_;
  CLI::App* uninstall_;
  CLI::App* status_;
  bool as_json_ = false;
};

}  // namespace kintsugi::ctl
