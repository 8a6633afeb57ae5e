// Manual pages and bash completion made from a program's own CLI11 command
// tree, so that neither can drift from what the program accepts. Each of
// kintsugid, kintsugictl and kintsugi prints its page when run with
// --manual alone (the build writes the pages that way); kintsugictl prints
// its completion with --bash-completion.
//
// ManPage, CommandPaths and BashCompletion walk the tree and return text;
// PrintIfAsked writes it to stdout. Thread-safety: main's thread.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace kintsugi::cli {

// What the command tree does not say: the page's words around it.
struct ManualInfo {
  std::string name;         // the program, e.g. "kintsugictl"
  std::string version;
  std::string summary;      // NAME's line after the dash
  std::vector<std::string> description;  // paragraphs
  // Further sections, in order, each a title ("FILES") and its paragraphs.
  // A paragraph "TERM\tTEXT" is set as a tagged paragraph.
  std::vector<std::pair<std::string, std::vector<std::string>>> sections;
  std::vector<std::string> see_also;     // "kintsugid(1)"
  // Options every command takes (besides --help), said once under COMMANDS
  // (`every_command_says`) rather than under each command.
  std::vector<std::string> every_command;  // "--json"
  std::vector<std::string> every_command_says;
};

// A roff man(7) page, section 1: NAME, SYNOPSIS, DESCRIPTION, OPTIONS, then
// COMMANDS (every subcommand at every depth, with its arguments and options),
// then `info.sections` and SEE ALSO.
std::string ManPage(const CLI::App& app, const ManualInfo& info);

// Every subcommand's path below `app`, e.g. {"agree", "agree propose", ...}.
std::vector<std::string> CommandPaths(const CLI::App& app);

// The arguments (after the program's name and --data-dir) of a command
// whose output, one word a line, completes the value of `option` (an
// argument or an option taking a value), e.g. "__ids answerable"; "" for none.
using ValuesCommand = std::function<std::string(const CLI::Option& option)>;

// A bash completion script for `program`: its subcommands at every depth,
// each one's options, and values from `values` where it gives a command.
std::string BashCompletion(const CLI::App& app, const std::string& program, const ValuesCommand& values);

// When the command line is exactly `program --manual` (or, given `values`,
// `program --bash-completion`), prints that and returns true.
bool PrintIfAsked(const CLI::App& app, const ManualInfo& info, int argc, char** argv,
                  const ValuesCommand* values = nullptr);

}  // namespace kintsugi::cli
