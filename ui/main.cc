// kintsugi: the desktop window over this user's kintsugid.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "client/cli_manual.h"
#include "kintsugi/version.h"
#include "ui/app.h"

namespace {

// The manual page's words around the options (client/cli_manual.h).
kintsugi::cli::ManualInfo Manual() {
  return {"kintsugi",
          kintsugi::kVersion,
          "the Kintsugi window: agreements, check-ins and progress, for the two of you",
          {"kintsugi is the desktop window of Kintsugi, a private place for two partners to make agreements, "
           "check in, and see trust grow back. It shows what both of you wrote in the ledger you share and writes "
           "what you add, through your own kintsugid, which keeps the ledger and syncs it with your partner's "
           "device. When kintsugid is not running, the window offers to start it.",
           "Every screen can be reached from the keyboard: Ctrl+1 to Ctrl+6 open Today, Agreements, Timeline, "
           "Progress, Together and Settings, and F12 closes the window at once."},
          {},
          {"kintsugid(1)", "kintsugictl(1)"},
          {},
          {}};
}

}  // namespace

int main(int argc, char** argv) {
  kintsugi::ui::AppOptions options;
  CLI::App app{"Kintsugi: agreements, check-ins and progress, for the two of you"};
  app.add_option("--data-dir", options.data_dir, "The daemon's data directory (default: the XDG data dir)");
  app.add_option("--screenshot", options.screenshot_dir,
                 "Draw each screen once against the running daemon, write DIR/SCREEN.png, and exit");
  app.add_flag("--dark", options.dark, "Start with the dark theme");
  app.add_option("--measure", options.measure_screen,
                 "Time FRAMES frames of one screen (today, timeline, progress, ...; timeline scrolls), "
                 "print the frame times as JSON, and exit");
  app.add_option("--open", options.open_screen, "Start on a screen: today, pending, agreements or together")
      ->check(CLI::IsMember({"today", "pending", "agreements", "together"}));
  app.add_option("--frames", options.frames, "Frames for --measure")->check(CLI::Range(10, 100000));
  std::string geometry;
  app.add_option("--geometry", geometry, "Window size and place, WxH or WxH+X+Y");
  app.set_version_flag("--version", std::string("kintsugi ") + kintsugi::kVersion);
  if (kintsugi::cli::PrintIfAsked(app, Manual(), argc, argv)) return 0;
  CLI11_PARSE(app, argc, argv);
  if (!geometry.empty()) {
    int w = 0, h = 0, x = -1, y = -1;
    const int n = std::sscanf(geometry.c_str(), "%dx%d+%d+%d", &w, &h, &x, &y);
    if ((n != 2 && n != 4) || w < 320 || h < 240 || (n == 4 && (x < 0 || y < 0))) {
      std::fprintf(stderr, "kintsugi: --geometry must be WxH or WxH+X+Y (at least 320x240)\n");
      return 2;
    }
    options.width = w;
    options.height = h;
    options.x = x;
    options.y = y;
  }
  return kintsugi::ui::RunApp(options);
}
