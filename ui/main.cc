// kintsugi: the desktop window over this user's kintsugid.
#include <CLI/CLI.hpp>

#include "ui/app.h"

int main(int argc, char** argv) {
  kintsugi::ui::AppOptions options;
  CLI::App app{"Kintsugi: agreements, check-ins and progress, for the two of you"};
  app.add_option("--data-dir", options.data_dir, "The daemon's data directory (default: the XDG data dir)");
  app.add_option("--screenshot", options.screenshot_dir,
                 "Draw each screen once against the running daemon, write DIR/SCREEN.png, and exit");
  app.add_flag("--dark", options.dark, "Start with the dark theme");
  CLI11_PARSE(app, argc, argv);
  return kintsugi::ui::RunApp(options);
}
