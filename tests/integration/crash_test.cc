// Crash trials: two paired daemons take heavy appends on both sides while
// sync runs; at a random moment one of them is killed with SIGKILL and
// started again. After every trial: each append that was acknowledged is
// there, `PRAGMA integrity_check` is ok, `verify` passes, and the two
// partners converge.
//
// KINTSUGI_CRASH_TRIALS sets the number of trials (3 by default, as in
// `make test`; `make soak` runs 1,000, a new couple every 200). Each trial prints one
// line.
#include <signal.h>
#include <sqlite3.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "client/client.h"
#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

using nlohmann::json;

// Sends check-ins to one daemon as fast as it acknowledges them (16 in
// flight, at most kMaxSendsPerTrial a trial, so that hundreds of trials keep
// the ledger, and so each trial's `verify`, small) and remembers the id of
// every acknowledged one.
constexpr int kMaxSendsPerTrial = 100;

class Writer {
 public:
  Writer(std::string endpoint, std::string tag) : endpoint_(std::move(endpoint)), tag_(std::move(tag)) {}
  void Start() {
    stop_ = false;
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::set<std::string> Acknowledged() {
    std::lock_guard lock(mu_);
    return acked_;
  }

 private:
  void Run() {
    zmq::context_t ctx;
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::rcvtimeo, 100);
    s.set(zmq::sockopt::sndtimeo, 100);
    s.connect(endpoint_);
    int in_flight = 0;
    int sent = 0;
    while (!stop_) {
      while (in_flight < 16 && sent < kMaxSendsPerTrial) {
        std::string req = json{{"id", next_++}, {"method", "checkin"},
                               {"params", {{"note", tag_ + " " + std::to_string(next_)}}}}.dump();
        if (!s.send(zmq::buffer(req), zmq::send_flags::dontwait)) break;
        ++in_flight;
        ++sent;
      }
      zmq::message_t reply;
      if (!s.recv(reply)) {
        in_flight = 0;  // the daemon is gone, slow or done: what was sent is not acknowledged
        continue;
      }
      --in_flight;
      json r = json::parse(reply.to_string(), nullptr, false);
      if (!r.is_discarded() && r.value("ok", false)) {
        std::lock_guard lock(mu_);
        acked_.insert(r["result"]["id"].get<std::string>());
      }
    }
  }

  std::string endpoint_, tag_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::set<std::string> acked_;
  int next_ = 0;
};

std::set<std::string> StoredIds(const std::string& db) {
  std::set<std::string> ids;
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    // The shared ledger only: each device also keeps its private solo ledger.
    sqlite3_prepare_v2(h, "SELECT lower(hex(id)) FROM entries WHERE ledger = (SELECT value FROM meta WHERE key = 'ledger_id')", -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) ids.insert(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
    sqlite3_finalize(s);
  }
  sqlite3_close(h);
  return ids;
}

std::string IntegrityCheck(const std::string& db) {
  sqlite3* h = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &s, nullptr);
    result = sqlite3_step(s) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(s, 0)) : "no row";
    sqlite3_finalize(s);
  }
  sqlite3_close(h);
  return result;
}

std::string ControlEndpoint(const std::string& data) {
  auto c = client::Client::Connect({data, std::chrono::seconds(5)});
  return c.ok() ? (*c)->layout().control_endpoint : "";
}

// One couple's trials: `first` to `last` (exclusive) of the run.
void RunTrials(const TempDir& dir, int round, int first, int last, std::mt19937& rng) {
  const std::string data[2] = {dir / ("alex-" + std::to_string(round)), dir / ("sam-" + std::to_string(round))};
  const int ports[2] = {FreePortPair(), FreePortPair()};
  std::vector<std::unique_ptr<Daemon>> daemons;
  for (int i = 0; i < 2; ++i) {
    daemons.push_back(std::make_unique<Daemon>(
        data[i], std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(ports[i]), "--no-discovery"}));
    ASSERT_TRUE(daemons[i]->Start()) << daemons[i]->Log();
    ASSERT_EQ(Ctl(data[i], {"init", "--name", i == 0 ? "Alex" : "Sam"}).exit_code, 0);
  }
  std::string code = json::parse(Ctl(data[0], {"pair", "invite", "--json"}).out)["code"];
  ASSERT_EQ(Ctl(data[1], {"pair", "join", code, "--address", "127.0.0.1:" + std::to_string(ports[0])}).exit_code, 0);

  std::set<std::string> acked[2];
  for (int trial = first; trial < last; ++trial) {
    Writer writers[2] = {{ControlEndpoint(data[0]), "alex"}, {ControlEndpoint(data[1]), "sam"}};
    for (auto& w : writers) w.Start();
    const int victim = static_cast<int>(rng() % 2);
    const int delay_ms = 20 + static_cast<int>(rng() % 400);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ASSERT_EQ(daemons[victim]->Stop(SIGKILL), 128 + SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (auto& w : writers) w.Stop();
    for (int i = 0; i < 2; ++i) {
      auto got = writers[i].Acknowledged();
      acked[i].insert(got.begin(), got.end());
    }
    ASSERT_TRUE(daemons[victim]->Start()) << daemons[victim]->Log();

    // Every acknowledged append is on the device that acknowledged it.
    for (int i = 0; i < 2; ++i) {
      auto stored = StoredIds(data[i] + "/ledger.db");
      for (const auto& id : acked[i]) {
        ASSERT_TRUE(stored.count(id)) << "trial " << trial << ": acknowledged entry " << id << " lost on "
                                      << (i == 0 ? "alex" : "sam");
      }
      EXPECT_EQ(IntegrityCheck(data[i] + "/ledger.db"), "ok");
    }
    // And the partners converge on the same entries.
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(WaitFor([&] { return StoredIds(data[0] + "/ledger.db") == StoredIds(data[1] + "/ledger.db"); },
                        std::chrono::seconds(30)))
        << "trial " << trial;
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    for (int i = 0; i < 2; ++i) {
      auto verify = Ctl(data[i], {"verify", "--json"});
      ASSERT_EQ(verify.exit_code, 0) << "trial " << trial << ": " << verify.out << verify.err;
      // The index of ids agreed with the entries after the kill, untouched.
      EXPECT_EQ(json::parse(verify.out)["ids_repaired"], 0) << "trial " << trial << ": " << verify.out;
    }
    std::cout << "trial " << trial << ": killed " << (victim == 0 ? "alex" : "sam") << " after " << delay_ms
              << " ms; acknowledged " << acked[0].size() + acked[1].size() << " in all; converged in "
              << took.count() << " ms" << std::endl;
  }
}

// A couple takes at most this many trials; a longer run starts a new couple
// for each round, so that the ledger (which every trial verifies whole) stays
// the size of the first 200 trials and the run grows linearly.
constexpr int kTrialsPerCouple = 200;

TEST(CrashTrials, AcknowledgedAppendsSurviveSigkillAndThePartnersConverge) {
  const char* env = std::getenv("KINTSUGI_CRASH_TRIALS");
  const int trials = env != nullptr ? std::max(1, std::atoi(env)) : 3;
  PrivateRuntimeDir runtime;
  TempDir dir;
  std::mt19937 rng(std::random_device{}());
  for (int first = 0, round = 0; first < trials; first += kTrialsPerCouple, ++round) {
    ASSERT_NO_FATAL_FAILURE(RunTrials(dir, round, first, std::min(trials, first + kTrialsPerCouple), rng));
  }
}

}  // namespace
}  // namespace kintsugi::testing
