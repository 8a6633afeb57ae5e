// Dispatcher: turns one IPC request frame into one reply frame by calling the
// engine (docs/PROTOCOL.md, "Local IPC"). No sockets here, so it is unit-tested
// and fuzzed directly. Every failure becomes a JSON error reply; nothing
// throws out of Handle().
//
// Thread-safety: the daemon loop's thread, like the engine.
#pragma once

#include <string>

#include "crypto/bytes.h"
#include "daemon/engine.h"

namespace kintsugi::daemon {

struct DaemonInfo {
  std::string data_dir;
  long pid = 0;
};

class Dispatcher {
 public:
  Dispatcher(Engine& engine, DaemonInfo info) : engine_(engine), info_(std::move(info)) {}

  // The reply to `frame`. Always a JSON reply, whatever `frame` holds.
  std::string Handle(ByteView frame);

 private:
  Engine& engine_;
  DaemonInfo info_;
};

}  // namespace kintsugi::daemon
