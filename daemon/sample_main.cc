// kintsugi-sample: creates two paired partners' data dirs holding several
// weeks of sample history, for the demo, screenshots and trying things out.
#include <CLI/CLI.hpp>

#include <iostream>

#include "daemon/sample_history.h"

int main(int argc, char** argv) {
  std::string dir_a, dir_b, name_a = "Alex", name_b = "Sam";
  kintsugi::daemon::SampleOptions options;
  CLI::App app{"Create two paired data dirs with several weeks of sample history"};
  app.add_option("dir_a", dir_a, "The first partner's data dir (must not hold a ledger)")->required();
  app.add_option("dir_b", dir_b, "The second partner's data dir (must not hold a ledger)")->required();
  app.add_option("--name-a", name_a, "The first partner's name");
  app.add_option("--name-b", name_b, "The second partner's name");
  app.add_option("--days", options.days, "How many days of history (at least 30)")->check(CLI::Range(30, 3650));
  app.add_option("--seed", options.seed, "Seed of the story's ups and downs");
  app.add_option("--extra-per-day", options.extra_per_day, "More check-ins each day, for large ledgers")
      ->check(CLI::Range(0, 1000));
  bool fast = false;
  app.add_flag("--fast", fast, "Write with synchronous=NORMAL (quicker; for benchmarks)");
  CLI11_PARSE(app, argc, argv);
  options.durable = !fast;
  auto written = kintsugi::daemon::CreateSampleCouple(dir_a, name_a, dir_b, name_b, options);
  if (!written.ok()) {
    std::cerr << "kintsugi-sample: " << written.error().message << "\n";
    return 1;
  }
  std::cout << "wrote " << *written << " entries over " << options.days << " days for " << name_a << " and "
            << name_b << "\n";
  return 0;
}
