// Fuzzes the daemon's IPC request handler, daemon::Dispatcher::Handle, over a
// real Engine and a real SQLite Store in a temporary directory, so checkin,
// log, verify and status do real work (sealing, signing, inserting, reading
// back and re-verifying entries).
//
// Properties checked on every input:
//  - Handle never crashes or throws, whatever the frame;
//  - the reply always parses with protocol::ParseIpcReply;
//  - the reply echoes the request's id when the request has a usable one
//    (an integer, a string of at most 128 bytes, or null) and is null otherwise;
//  - a frame that is not a JSON object gets an error reply;
//  - `status` always succeeds, and no request ends in an `internal` error
//    (that code means an exception escaped the engine).
//
// The engine is set up once per process with a fixed clock and a
// deterministic random source, and initialised through the dispatcher like
// `kintsugictl init` does. When the ledger holds more than kMaxEntries entries
// it is thrown away and created afresh, so disk use and the cost of `verify`
// stay bounded however long the fuzzer runs.
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/ipc/dispatch.h"
#include "daemon/engine.h"
#include "daemon/store/store.h"
#include "protocol/ipc.h"

namespace {

using namespace kintsugi;
using nlohmann::json;

constexpr std::int64_t kMaxEntries = 2000;
// 2024-01-01T00:00:00Z: every entry gets the same wall time, so the hybrid
// clock's counter (and its carry into the millisecond) is exercised too.
constexpr std::uint64_t kFixedMillis = 1704067200000;

class FixedClock final : public daemon::Clock {
 public:
  std::uint64_t NowMillis() override { return kFixedMillis; }
};

Hash32 RandomSeed() {
  Hash32 seed{};
  for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(0x5A ^ (i * 13));
  return seed;
}

ByteView View(std::string_view s) { return AsBytes(s); }

// The id the reply must carry: the request's when it is usable, else null.
json ExpectedId(ByteView frame) {
  if (frame.size() > protocol::kMaxIpcRequestBytes) return nullptr;
  json doc = json::parse(frame.begin(), frame.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return nullptr;
  auto it = doc.find("id");
  if (it == doc.end()) return nullptr;
  if (it->is_number_integer() || it->is_null()) return *it;
  if (it->is_string() && it->get_ref<const std::string&>().size() <= 128) return *it;
  return nullptr;
}

class Harness {
 public:
  Harness() {
    spdlog::set_level(spdlog::level::off);
    char tmpl[] = "/tmp/kintsugi-ipc-fuzz-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) __builtin_trap();
    dir_ = tmpl;
    Start();
  }

  ~Harness() {
    Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  void RunOne(ByteView frame) {
    // `backup` and `restore` write and replace files wherever they are told:
    // not here (tests/daemon/backup_test.cc and the backup decoder's own
    // target cover them).
    if (auto peek = protocol::ParseIpcRequest(frame);
        peek.ok() && (peek->method.method == protocol::Method::kBackup ||
                      peek->method.method == protocol::Method::kRestore)) {
      return;
    }
    std::string reply = dispatcher_->Handle(frame);
    auto parsed = protocol::ParseIpcReply(View(reply));
    if (!parsed.ok()) __builtin_trap();
    if (reply.find('\n') != std::string::npos) __builtin_trap();  // one frame, one line
    if (parsed->id != ExpectedId(frame)) __builtin_trap();

    auto request = protocol::ParseIpcRequest(frame);
    if (!request.ok()) {
      if (parsed->outcome.ok()) __builtin_trap();  // refused requests get errors
      return;
    }
    const auto& outcome = parsed->outcome;
    if (!outcome.ok() && outcome.error().code == ErrorCode::kInternal) __builtin_trap();
    switch (request->method.method) {
      case protocol::Method::kStatus:
        if (!outcome.ok() || !outcome->value("initialized", false)) __builtin_trap();
        break;
      case protocol::Method::kInit:
        // Initialised at start-up: a second init is always refused.
        if (outcome.ok()) __builtin_trap();
        break;
      case protocol::Method::kCheckIn:
      case protocol::Method::kAppend:
      case protocol::Method::kNoteAdd:
        if (outcome.ok() && ++entries_ > kMaxEntries) Restart();
        break;
      case protocol::Method::kAgreements:
      case protocol::Method::kPending:
      case protocol::Method::kTogether:
      case protocol::Method::kNotes:
        if (!outcome.ok()) __builtin_trap();  // views take no required input: they always answer
        break;
      case protocol::Method::kTimeline:
      case protocol::Method::kTrends:
      case protocol::Method::kExport:
      case protocol::Method::kNoteDelete:
        break;
      case protocol::Method::kLog:
      case protocol::Method::kVerify:
        if (request->method.method == protocol::Method::kVerify && outcome.ok() &&
            !outcome->value("ok", false)) {
          __builtin_trap();  // nothing here damages the store: verify must pass
        }
        break;
      case protocol::Method::kPairInvite:
      case protocol::Method::kPairJoin:
      case protocol::Method::kPairStatus:
      case protocol::Method::kPairConfirm:
      case protocol::Method::kPairCarry:
      case protocol::Method::kPeers:
      case protocol::Method::kPeerAdd:
      case protocol::Method::kNotifyStatus:
      case protocol::Method::kNotifySet:
      case protocol::Method::kNotifyTest:
        // No network services or notifier here: these must fail, and say so.
        if (outcome.ok()) __builtin_trap();
        break;
      case protocol::Method::kBackup:
      case protocol::Method::kRestore:
        __builtin_trap();  // never dispatched (above)
      case protocol::Method::kUnlock:
      case protocol::Method::kLock:
      case protocol::Method::kPassphraseSet:
      case protocol::Method::kPassphraseRemove:
        // Never unlocked without the passphrase; and once one is set, start
        // over, so that the views above keep answering.
        if (!engine_->unlocked()) __builtin_trap();
        if (request->method.method == protocol::Method::kUnlock && outcome.ok()) __builtin_trap();
        if (engine_->GetStatus()->passphrase) Restart();
        break;
      case protocol::Method::kSharingStatus:
        if (!outcome.ok()) __builtin_trap();  // takes no input: always answers
        break;
      case protocol::Method::kSharingPause:
      case protocol::Method::kSharingResume:
      case protocol::Method::kSharingLeave:
        // Never paired here: there is no sharing to pause or leave.
        if (outcome.ok()) __builtin_trap();
        break;
      case protocol::Method::kSharingWithdrawMine:
        if (outcome.ok() && (entries_ += outcome->value("withdrawn", 0)) > kMaxEntries) Restart();
        break;
    }
  }

 private:
  void Start() {
    rng_ = std::make_unique<crypto::DeterministicRandom>(RandomSeed());
    auto store = daemon::Store::Open(dir_ + "/ledger.db", daemon::Store::Durability::kNormal);
    if (!store.ok()) __builtin_trap();
    auto engine = daemon::Engine::Open(std::move(store).value(), dir_ + "/identity.key", clock_, *rng_,
                                       crypto::kMinLimits);
    if (!engine.ok()) __builtin_trap();
    engine_ = std::move(engine).value();
    dispatcher_ = std::make_unique<daemon::Dispatcher>(*engine_, daemon::DaemonInfo{dir_, 4242});

    const std::string init = R"({"id":"init","method":"init","params":{"name":"Fuzz"}})";
    std::string reply = dispatcher_->Handle(View(init));
    auto parsed = protocol::ParseIpcReply(View(reply));
    if (!parsed.ok() || !parsed->outcome.ok() || parsed->id != "init") __builtin_trap();
    entries_ = 1;
  }

  void Stop() {
    dispatcher_.reset();
    engine_.reset();  // closes the store
  }

  // A fresh, empty ledger in the same directory.
  void Restart() {
    Stop();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
      std::filesystem::remove_all(entry.path(), ec);
    }
    Start();
  }

  std::string dir_;
  FixedClock clock_;
  std::unique_ptr<crypto::DeterministicRandom> rng_;
  std::unique_ptr<daemon::Engine> engine_;
  std::unique_ptr<daemon::Dispatcher> dispatcher_;
  std::int64_t entries_ = 0;
};

Harness& TheHarness() {
  static Harness harness;
  return harness;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  TheHarness().RunOne(ByteView(data, size));
  return 0;
}
