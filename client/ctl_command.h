// kintsugictl's commands that each send one IPC request: a Command ties a
// CLI11 subcommand's arguments to the request's named parameters, and the
// Commands registry creates them and finds the one the user chose. Also how a
// command ends: its exit codes, and the one line on stderr when it fails.
//
// Commands owns its Command objects, and CLI11 holds pointers into them:
// neither may be moved once options are bound. Single-threaded, like main.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "client/client.h"
#include "client/ctl_input.h"
#include "client/ctl_views.h"
#include "base/result.h"
#include "protocol/kinds.h"

namespace kintsugi::ctl {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Prints "kintsugictl: MESSAGE" on stderr. Returns kExitFailure.
int Fail(const std::string& message);
int Fail(const Error& e);

// One kintsugictl command that sends one IPC request: its CLI11 options feed
// named parameters, converted and resolved only once the daemon is reachable.
class Command {
 public:
  // `fields` (may be null; else must outlive the command) is the schema of
  // the entry kind the command appends; `fixed` are parameters always sent.
  Command(CLI::App* app, std::string method, nlohmann::json fixed,
          const std::vector<protocol::FieldSpec>* fields, Printer print);

  // A positional argument NAME (always required) feeding `param`.
  Command& Arg(const std::string& name, const std::string& param, const std::string& help,
               IdSource ids = IdSource::kNone, Input input = Input::kSpec);

  // An option --param-name (or `flag`), required when the kind's schema says so.
  Command& Opt(const std::string& param, const std::string& help, IdSource ids = IdSource::kNone,
               Input input = Input::kSpec, std::string flag = "");

  CLI::App* app() const { return app_; }
  // Where the ids that `option` (one of this command's) takes come from.
  IdSource IdsOf(const CLI::Option& option) const;

  // Sends the request and prints its result (as JSON when `as_json`).
  // Returns the process's exit code: 0, or kExitFailure after Fail.
  int Run(client::Client& client, bool as_json) const;

 private:
  struct Param {
    Input input = Input::kText;
    IdSource ids = IdSource::kNone;
    std::string value;
    std::vector<std::string> values;
    CLI::Option* option = nullptr;
  };

  const protocol::FieldSpec* Field(const std::string& name) const;

  // Adds the CLI11 option `name` (a flag or a positional) feeding `param`.
  CLI::Option* Bind(const std::string& name, const std::string& param, const std::string& help, IdSource ids,
                    Input input);

  const char* TypeName(const std::string& param, Input input) const;

  // What a value must look like, from the schema, for --help.
  std::string Hint(const std::string& param, Input input) const;

  Result<nlohmann::json> Params(IdResolver& ids) const;
  static Result<nlohmann::json> Convert(const Param& p, IdResolver& ids);

  CLI::App* app_;
  std::string method_;
  nlohmann::json fixed_;
  const std::vector<protocol::FieldSpec>* fields_;
  Printer print_;
  std::map<std::string, Param> params_;
};

// The commands of kintsugictl that send one request, and which of them the
// user chose.
class Commands {
 public:
  // A command that appends an entry of `kind`; its help is the kind's purpose.
  Command& Entry(CLI::App* parent, const std::string& name, protocol::Kind kind);
  // A command that calls `method` and prints its result with `print`.
  Command& Method(CLI::App* parent, const std::string& name, const std::string& help, std::string method,
                  Printer print);
  // The command the user chose, or nullptr when it is none of these.
  const Command* Chosen() const;
  // Where the ids that `option` takes come from, whichever command has it.
  IdSource IdsOf(const CLI::Option& option) const;

 private:
  std::deque<Command> commands_;  // a deque: CLI11 holds pointers into each
};

}  // namespace kintsugi::ctl
