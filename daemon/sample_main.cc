// kintsugi-sample: creates two paired partners' data dirs holding several
// weeks of sample history, for the demo, screenshots and trying things out.
#include <CLI/CLI.hpp>

#include <iostream>

#include "crypto/random.h"
#include "daemon/engine.h"
#include "daemon/sample_history.h"
#include "daemon/store/store.h"

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
  int first_only = 0;
  app.add_option("--first-only", first_only,
                 "Then this many check-ins by the first partner that the second has not received (a catch-up to come)")
      ->check(CLI::Range(0, 10'000'000));
  CLI11_PARSE(app, argc, argv);
  options.durable = !fast;
  auto written = kintsugi::daemon::CreateSampleCouple(dir_a, name_a, dir_b, name_b, options);
  if (!written.ok()) {
    std::cerr << "kintsugi-sample: " << written.error().message << "\n";
    return 1;
  }
  if (first_only > 0) {
    // Written with the first partner's own keys, as its daemon would.
    kintsugi::daemon::SystemClock clock;
    kintsugi::crypto::SystemRandom rng;
    auto store = kintsugi::daemon::Store::Open(
        dir_a + "/ledger.db", fast ? kintsugi::daemon::Store::Durability::kNormal : kintsugi::daemon::Store::Durability::kFull);
    auto engine = store.ok() ? kintsugi::daemon::Engine::Open(std::move(store).value(), dir_a + "/identity.key", clock, rng)
                             : store.take_error();
    if (!engine.ok()) {
      std::cerr << "kintsugi-sample: " << engine.error().message << "\n";
      return 1;
    }
    for (int i = 0; i < first_only; ++i) {
      auto appended = (*engine)->Append(kintsugi::protocol::CheckIn{"more news " + std::to_string(i), 5, 5});
      if (!appended.ok()) {
        std::cerr << "kintsugi-sample: " << appended.error().message << "\n";
        return 1;
      }
    }
    std::cout << "then " << first_only << " check-ins by " << name_a << " that " << name_b << " has not received\n";
  }
  std::cout << "wrote " << *written << " entries over " << options.days << " days for " << name_a << " and "
            << name_b << "\n";
  return 0;
}
