// `kintsugictl export`: the export for a counsellor (docs/EXPORT.md). Asks the
// daemon for the export document of a range of days, renders it in the
// chosen format (client/export_format.h) and prints it, or writes it to
// --out with mode 0600, never replacing a file unless --force.
//
// Single-threaded, like kintsugictl's main.
#pragma once

#include <CLI/CLI.hpp>

#include "client/ctl_command.h"

namespace kintsugi::ctl {

// Adds the `export` subcommand to `app`; `commands` runs it once chosen.
void AddExportCommand(CLI::App& app, Commands& commands);

}  // namespace kintsugi::ctl
