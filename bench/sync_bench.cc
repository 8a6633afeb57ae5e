// Two real kintsugid processes on loopback, paired, measured end to end:
//   - append on A to delivered on B (the entry.appended event on B's stream),
//     one entry at a time: p50 and p99;
//   - both daemons idle and paired: CPU time used and resident memory (RSS,
//     and from smaps_rollup its proportional share and its private pages);
//   - catch-up of N entries from empty: entries per second, beside the
//     Ed25519 verify rate on every core measured in the same run (and on
//     one), the bytes the receiver wrote per entry, and its files' size
//     per entry;
//   - daemon start-up time with 0, 10,000 (when N is more) and N entries;
//   - the machine's floor: a ZeroMQ CURVE round trip over TCP loopback.
// Prints one JSON object per figure on stdout (bench/run.sh tabulates them).
//
// Usage: sync_bench KINTSUGID [--entries N] [--samples N] [--idle-seconds N]
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "client/client.h"
#include "crypto/keys.h"
#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/engine.h"
#include "daemon/store/store.h"

namespace {

// The ledger size of the middle start-up measurement.
constexpr int kMidEntries = 10'000;

using namespace kintsugi;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Die(const std::string& what) {
  std::cerr << "sync_bench: " << what << "\n";
  std::exit(1);
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (int port = 30000 + ::getpid() % 10000 * 2;; port += 2) {
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      ::close(fd);
      return port;
    }
  }
}

class Daemon {
 public:
  Daemon(std::string binary, std::string data, int port)
      : binary_(std::move(binary)), data_(std::move(data)), port_(port) {}
  ~Daemon() { Stop(); }

  // Starts and returns the time until it answers `status`.
  double Start() {
    auto t0 = Clock::now();
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string log = data_ + ".log";
      std::freopen(log.c_str(), "a", stderr);
      std::string listen = "127.0.0.1:" + std::to_string(port_);
      ::execl(binary_.c_str(), binary_.c_str(), "--data-dir", data_.c_str(), "--listen", listen.c_str(),
              "--no-discovery", "--log-level", "warn", static_cast<char*>(nullptr));
      _exit(127);
    }
    while (Clock::now() - t0 < std::chrono::seconds(30)) {
      auto client = client::Client::Connect({data_, std::chrono::milliseconds(500)});
      if (client.ok() && (*client)->Call("status").ok()) return Ms(Clock::now() - t0);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    Die("kintsugid did not start for " + data_);
    return 0;
  }
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  json Call(const std::string& method, const json& params = json::object(),
            std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto client = client::Client::Connect({data_, timeout});
    if (!client.ok()) Die(client.error().message);
    auto r = (*client)->Call(method, params);
    if (!r.ok()) Die(method + ": " + r.error().message);
    return *r;
  }
  // CPU seconds (user + system) and resident KiB, from /proc.
  double CpuSeconds() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), {});
    auto fields = stat.substr(stat.rfind(')') + 2);
    std::istringstream ss(fields);
    std::string f;
    long utime = 0, stime = 0;
    for (int i = 3; ss >> f; ++i) {
      if (i == 14) utime = std::stol(f);
      if (i == 15) {
        stime = std::stol(f);
        break;
      }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  // Bytes this process has handed to write() and its kin so far (the
  // database, its WAL and the log), from /proc.
  double BytesWritten() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/io");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("wchar:", 0) == 0) return std::stod(line.substr(6));
    }
    return -1;
  }
  long RssKiB() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    }
    return -1;
  }
  // A field of /proc/PID/smaps_rollup in KiB: "Pss:" (shared pages divided
  // among the processes that map them), "Private_Dirty:", ...
  long SmapsKiB(const std::string& field) const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/smaps_rollup");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
    }
    return -1;
  }
  const std::string& data() const { return data_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  std::string binary_, data_;
  int port_;
  pid_t pid_ = -1;
};

void Emit(const std::string& name, double value, const std::string& unit, json extra = json::object()) {
  extra["name"] = name;
  extra["value"] = value;
  extra["unit"] = unit;
  std::cout << extra.dump() << std::endl;
}

// Ed25519 verifies of a 256-byte message per second, on `threads` threads
// at once for one second (one per core: the machine's whole verify rate).
double VerifyRate(unsigned threads = 1) {
  crypto::SystemRandom rng;
  auto key = crypto::SigningKey::Generate(rng);
  const Bytes msg(256, 0x42);
  const auto sig = key.Sign(msg);
  std::vector<long> counts(threads, 0);
  auto run = [&](unsigned t) {
    auto t0 = Clock::now();
    long n = 0;
    while (Clock::now() - t0 < std::chrono::seconds(1)) {
      for (int i = 0; i < 100; ++i) n += crypto::VerifySignature(key.public_key(), msg, sig) ? 1 : 0;
    }
    counts[t] = n;
  };
  auto t0 = Clock::now();
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(run, t);
  run(0);
  for (auto& t : pool) t.join();
  long total = 0;
  for (long n : counts) total += n;
  return static_cast<double>(total) / (Ms(Clock::now() - t0) / 1000.0);
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

// The machine's floor for a message to a partner and back: a ZeroMQ
// DEALER/ROUTER round trip over TCP loopback with CURVE, as the daemons use,
// with small messages. Returns the round-trip times in ms.
std::vector<double> CurveRoundTrips(int samples) {
  zmq::context_t ctx(1);
  std::array<char, 41> server_public{}, server_secret{}, client_public{}, client_secret{};
  zmq_curve_keypair(server_public.data(), server_secret.data());
  zmq_curve_keypair(client_public.data(), client_secret.data());
  zmq::socket_t server(ctx, zmq::socket_type::router);
  server.set(zmq::sockopt::curve_server, 1);
  server.set(zmq::sockopt::curve_secretkey, std::string(server_secret.data()));
  server.bind("tcp://127.0.0.1:0");
  const std::string endpoint = server.get(zmq::sockopt::last_endpoint);
  zmq::socket_t client(ctx, zmq::socket_type::dealer);
  client.set(zmq::sockopt::curve_serverkey, std::string(server_public.data()));
  client.set(zmq::sockopt::curve_publickey, std::string(client_public.data()));
  client.set(zmq::sockopt::curve_secretkey, std::string(client_secret.data()));
  client.connect(endpoint);
  std::vector<double> out;
  const std::string payload(120, 'x');
  for (int i = 0; i < samples + 50; ++i) {
    auto t0 = Clock::now();
    client.send(zmq::buffer(payload), zmq::send_flags::none);
    zmq::message_t id, body;
    if (!server.recv(id) || !server.recv(body)) Die("curve round trip: no message");
    server.send(id, zmq::send_flags::sndmore);
    server.send(body, zmq::send_flags::none);
    zmq::message_t back;
    if (!client.recv(back)) Die("curve round trip: no reply");
    if (i >= 50) out.push_back(Ms(Clock::now() - t0));  // the first ones include the handshake
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: sync_bench KINTSUGID [--entries N] [--samples N] [--idle-seconds N]");
  std::string binary = argv[1];
  int entries = 100000, samples = 1000, idle_seconds = 60;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--entries") entries = value;
    if (flag == "--samples") samples = value;
    if (flag == "--idle-seconds") idle_seconds = value;
  }
  char tmpl[] = "/tmp/kintsugi-syncbench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  ::setenv("XDG_RUNTIME_DIR", dir.c_str(), 1);
  Daemon a(binary, dir + "/alex", FreePort());
  Daemon b(binary, dir + "/sam", FreePort() + 2);

  {
    auto rtt = CurveRoundTrips(samples);
    Emit("zmq_rtt_p50_ms", Percentile(rtt, 0.50), "ms", {{"samples", samples}});
    Emit("zmq_rtt_p99_ms", Percentile(rtt, 0.99), "ms", {{"samples", samples}});
  }
  Emit("startup_empty_ms", a.Start(), "ms");
  b.Start();
  a.Call("init", {{"name", "Alex"}});
  b.Call("init", {{"name", "Sam"}});
  std::string code = a.Call("pair.invite")["code"];
  b.Call("pair.join", {{"code", code}, {"address", a.address()}}, std::chrono::seconds(40));
  // Measure between connected partners: wait until each sees the other online.
  auto online = [](Daemon& d) {
    json peers = d.Call("peers")["peers"];
    return !peers.empty() && peers[0].value("online", false);
  };
  for (auto t0 = Clock::now(); !(online(a) && online(b));) {
    if (Clock::now() - t0 > std::chrono::seconds(30)) Die("the partners never came online");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  // Append on A, delivered on B: B's event stream sees the entry stored.
  {
    auto stream = client::EventStream::Connect({b.data(), std::chrono::seconds(5)});
    if (!stream.ok()) Die(stream.error().message);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // subscription settles
    auto client = client::Client::Connect({a.data(), std::chrono::seconds(5)});
    std::vector<double> latencies;
    for (int i = 0; i < samples; ++i) {
      auto t0 = Clock::now();
      auto r = (*client)->Call("checkin", {{"note", "latency sample " + std::to_string(i)}});
      if (!r.ok()) Die(r.error().message);
      std::string id = (*r)["id"];
      for (;;) {
        auto event = (*stream)->Next(std::chrono::seconds(5));
        if (!event) Die("entry " + std::to_string(i) + " never reached the partner");
        if (event->topic == "entry.appended" && event->data.value("id", "") == id) break;
      }
      latencies.push_back(Ms(Clock::now() - t0));
    }
    Emit("delivery_p50_ms", Percentile(latencies, 0.50), "ms", {{"samples", samples}});
    Emit("delivery_p99_ms", Percentile(latencies, 0.99), "ms", {{"samples", samples}});
  }

  // Idle and paired.
  {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    double cpu_a = a.CpuSeconds(), cpu_b = b.CpuSeconds();
    std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
    Emit("idle_cpu_ms", 1000.0 * std::max(a.CpuSeconds() - cpu_a, b.CpuSeconds() - cpu_b), "ms",
         {{"seconds", idle_seconds}});
    Emit("idle_rss_mib", static_cast<double>(std::max(a.RssKiB(), b.RssKiB())) / 1024.0, "MiB");
    // RSS counts every shared library page in full; what the daemon costs the
    // machine is nearer its proportional share, and what is its alone.
    Emit("idle_pss_mib", static_cast<double>(std::max(a.SmapsKiB("Pss:"), b.SmapsKiB("Pss:"))) / 1024.0, "MiB");
    auto private_kib = [](const Daemon& d) { return d.SmapsKiB("Private_Clean:") + d.SmapsKiB("Private_Dirty:"); };
    Emit("idle_private_mib", static_cast<double>(std::max(private_kib(a), private_kib(b))) / 1024.0, "MiB");
  }

  // Catch-up from empty: A gains `entries` entries while B is away, then B
  // starts and pulls them all.
  {
    b.Stop();
    a.Stop();
    // Write A's entries in-process with A's own keys (a setup step, not measured).
    daemon::SystemClock clock;
    crypto::SystemRandom rng;
    auto store = daemon::Store::Open(a.data() + "/ledger.db", daemon::Store::Durability::kNormal);
    if (!store.ok()) Die(store.error().message);
    auto engine = daemon::Engine::Open(std::move(store).value(), a.data() + "/identity.key", clock, rng);
    if (!engine.ok()) Die(engine.error().message);
    for (int i = 0; i < entries; ++i) {
      if (i == kMidEntries) {
        // Start-up on the way: it must not grow with the history.
        engine->reset();
        Emit("startup_mid_ms", a.Start(), "ms", {{"entries", i}});
        a.Stop();
        auto reopened = daemon::Store::Open(a.data() + "/ledger.db", daemon::Store::Durability::kNormal);
        if (!reopened.ok()) Die(reopened.error().message);
        engine = daemon::Engine::Open(std::move(reopened).value(), a.data() + "/identity.key", clock, rng);
        if (!engine.ok()) Die(engine.error().message);
      }
      auto r = (*engine)->Append(protocol::CheckIn{"catch-up entry " + std::to_string(i), 5, 5});
      if (!r.ok()) Die(r.error().message);
    }
    engine->reset();
    Emit("startup_full_ms", a.Start(), "ms", {{"entries", entries}});
    const std::int64_t total = a.Call("status")["entries"];
    const double a_cpu = a.CpuSeconds();
    auto t0 = Clock::now();
    b.Start();
    while (b.Call("status")["entries"].get<std::int64_t>() < total) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (Clock::now() - t0 > std::chrono::minutes(10)) Die("catch-up did not finish");
    }
    double seconds = Ms(Clock::now() - t0) / 1000.0;
    Emit("catchup_rate", entries / seconds, "entries/s",
         {{"entries", entries},
          {"seconds", seconds},
          {"receiver_cpu_s", b.CpuSeconds()},
          {"sender_cpu_s", a.CpuSeconds() - a_cpu}});
    // B's process is new: everything it wrote is the catch-up's.
    Emit("catchup_written_per_entry", b.BytesWritten() / entries, "bytes",
         {{"entries", entries}});
    std::uintmax_t on_disk = 0;
    for (const char* file : {"/ledger.db", "/ledger.db-wal"}) {
      std::error_code ec;
      auto size = std::filesystem::file_size(b.data() + file, ec);
      if (!ec) on_disk += size;
    }
    Emit("catchup_disk_per_entry", static_cast<double>(on_disk) / entries, "bytes", {{"entries", entries}});
    Emit("verify_rate", VerifyRate(), "verifies/s");
    Emit("verify_rate_all", VerifyRate(std::max(1u, std::thread::hardware_concurrency())), "verifies/s",
         {{"threads", std::max(1u, std::thread::hardware_concurrency())}});
    auto verified = b.Call("verify", json::object(), std::chrono::seconds(120));
    if (!verified.value("ok", false)) Die("the caught-up ledger does not verify");
  }
  a.Stop();
  b.Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
