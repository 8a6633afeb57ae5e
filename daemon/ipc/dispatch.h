// Dispatcher: turns one IPC request frame into one reply frame by calling the
// engine and the network services (docs/PROTOCOL.md, "Local IPC"). No sockets
// here, so it is unit-tested and fuzzed directly. Every failure becomes a JSON
// error reply; nothing throws out of Handle().
//
// Most methods answer at once. `pair.join` answers when pairing ends, and
// `unlock` once its key is derived off the loop (when the daemon has a
// Background): their replies go through the `later` callback of HandleAsync.
//
// Thread-safety: the daemon loop's thread, like the engine.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "crypto/bytes.h"
#include "daemon/engine.h"

namespace kintsugi::daemon {

class PairingService;
class SyncService;
class Discovery;
class Notifier;
class Background;

struct DaemonInfo {
  std::string data_dir;
  long pid = 0;
};

// The network side of the daemon; absent (null) in unit tests and fuzzing,
// where the methods that need it fail with `unavailable`.
struct DaemonServices {
  PairingService* pairing = nullptr;
  SyncService* sync = nullptr;
  Discovery* discovery = nullptr;
  Notifier* notifier = nullptr;
  Background* background = nullptr;  // slow work off the loop; absent: done at once
  std::string listen_host = "0.0.0.0";
  std::uint16_t listen_port = 0;  // 0: not listening
  std::uint16_t pairing_port = 0;
  std::function<std::string()> transport_key;  // this device's CURVE key, Z85
  std::function<void(std::string_view topic, nlohmann::json data)> publish;  // an event to the clients
  std::function<void()> restored;  // the engine now holds a restored ledger: start syncing it
};

class Dispatcher {
 public:
  using Later = std::function<void(std::string)>;

  Dispatcher(Engine& engine, DaemonInfo info, DaemonServices services = {})
      : engine_(engine), info_(std::move(info)), services_(std::move(services)) {}

  // The reply to `frame`. Always a JSON reply, whatever `frame` holds; a
  // method that can only answer later fails with `unavailable` here.
  std::string Handle(ByteView frame);
  // The reply now, or nullopt when it will be passed to `later` instead.
  std::optional<std::string> HandleAsync(ByteView frame, Later later);

 private:
  Engine& engine_;
  DaemonInfo info_;
  DaemonServices services_;
};

}  // namespace kintsugi::daemon
