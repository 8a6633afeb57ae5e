// `kintsugictl export` (see ctl_export.h).
#include "client/ctl_export.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "client/export_format.h"
#include "base/files.h"

namespace kintsugi::ctl {
namespace {

using nlohmann::json;

struct ExportOptions {
  std::string format = "md";
  std::string out;
  bool force = false;
  bool as_json = false;  // --json: the same as --format json
};

// Renders and writes or prints the document. A Command's printer cannot
// fail, so a failure here ends the process the way Command::Run would.
void Deliver(const ExportOptions& options, const json& doc) {
  const auto format = client::ExportFormatFromName(options.as_json ? "json" : options.format);
  auto text = client::RenderExport(doc, format.value_or(client::ExportFormat::kMarkdown));
  if (!text.ok()) std::exit(Fail(text.error()));
  if (options.out.empty()) {
    if (isatty(STDOUT_FILENO)) {
      std::cout << *text;  // read on a terminal: shown visibly, as all human output
    } else {
      // Into a pipe or a file: the document's bytes exactly, past the filter.
      std::cout.flush();
      std::fwrite(text->data(), 1, text->size(), stdout);
      std::fflush(stdout);
    }
    return;
  }
  Status written = base::WritePrivateFile(options.out, *text,
                                            options.force ? base::Replace::kExisting : base::Replace::kNever);
  if (!written.ok()) {
    if (written.error().code == ErrorCode::kAlreadyExists) {
      std::exit(Fail(options.out + " already exists: choose another name, or add --force to replace it"));
    }
    std::exit(Fail(written.error()));
  }
  if (doc.value("empty", false)) std::cout << client::NothingRecorded(doc) << "\n";
  std::cout << "wrote " << options.out << " (" << text->size() << " bytes; only you can read it)\n";
}

}  // namespace

void AddExportCommand(CLI::App& app, Commands& commands) {
  auto options = std::make_shared<ExportOptions>();
  Command& command = commands.Method(
      &app, "export",
      "Export agreements, check-ins, trends, meetings and what each wanted to bring up, for a counsellor "
      "(private notes never)",
      "export", [options](client::Client&, const json& doc) { Deliver(*options, doc); });
  command.Opt("from", "From this day (YYYY-MM-DD; default: 29 days before --to)")
      .Opt("to", "To this day (YYYY-MM-DD; default: today)");
  CLI::App* sub = command.app();
  sub->add_option("--format", options->format, "md, html, csv or json (default: md)")
      ->check(CLI::IsMember({"md", "markdown", "html", "csv", "json"}));
  sub->add_option("--out", options->out, "Write to this file (only you can read it) instead of printing");
  sub->add_flag("--force", options->force, "Replace the --out file if it exists");
  sub->add_flag("--json", options->as_json, "The same as --format json");
}

}  // namespace kintsugi::ctl
