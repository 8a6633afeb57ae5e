#include "daemon/loop.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <zmq.hpp>

#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/dispatch.h"
#include "daemon/engine.h"
#include "daemon/ipc_server.h"
#include "daemon/runtime.h"
#include "daemon/store.h"
#include "kintsugi/version.h"
#include "protocol/ipc.h"

namespace kintsugi::daemon {
namespace {

// Blocks SIGINT and SIGTERM for every thread (ZeroMQ's included) and returns a
// descriptor that becomes readable when one arrives.
int OpenSignalFd() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  return signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
}

int Fail(const Error& e) {
  spdlog::critical("{}", e.message);
  return 1;
}

}  // namespace

int RunDaemon(const DaemonOptions& options) {
  ::umask(077);  // every file and socket the daemon creates is this user's alone
  int signal_fd = OpenSignalFd();
  if (signal_fd < 0) return Fail(MakeError(ErrorCode::kIo, "cannot watch for signals"));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } signal_closer{signal_fd};

  auto layout = protocol::ResolveLayout(protocol::LayoutInputsFromEnvironment(options.data_dir));
  if (!layout.ok()) return Fail(layout.error());
  if (auto s = PrepareDataDir(*layout); !s.ok()) return Fail(s.error());
  auto lock = InstanceLock::Acquire(*layout);
  if (!lock.ok()) return Fail(lock.error());
  if (auto s = PrepareRuntimeDir(*layout); !s.ok()) return Fail(s.error());

  auto store = Store::Open(layout->db_path);
  if (!store.ok()) return Fail(store.error());
  SystemClock clock;
  crypto::SystemRandom rng;
  auto engine = Engine::Open(std::move(store).value(), layout->key_path, clock, rng);
  if (!engine.ok()) return Fail(engine.error());

  zmq::context_t context(1);
  auto server = IpcServer::Bind(context, *layout);
  if (!server.ok()) return Fail(server.error());
  IpcServer& ipc = **server;
  (*engine)->set_append_listener([&ipc](const AppendedEntry& e) {
    nlohmann::json data{{"id", ToHex(e.id)},
                        {"author", ToHex(e.author)},
                        {"seq", e.seq},
                        {"hlc", e.hlc},
                        {"kind", e.kind}};
    ipc.Publish(protocol::kEventEntryAppended,
                protocol::EncodeIpcEvent(protocol::kEventEntryAppended, std::move(data)));
  });
  Dispatcher dispatcher(**engine, DaemonInfo{layout->data_dir, static_cast<long>(::getpid())});

  spdlog::info("daemon.started version={} pid={} initialized={} control={}", kVersion, ::getpid(),
               (*engine)->initialized(), layout->control_endpoint);
  zmq::pollitem_t items[] = {
      {ipc.control().handle(), 0, ZMQ_POLLIN, 0},
      {nullptr, signal_fd, ZMQ_POLLIN, 0},
  };
  for (;;) {
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return Fail(MakeError(ErrorCode::kIo, std::string("poll failed: ") + e.what()));
    }
    if (items[1].revents & ZMQ_POLLIN) {
      signalfd_siginfo info{};
      ssize_t n = ::read(signal_fd, &info, sizeof info);
      spdlog::info("daemon.stopping signal={}", n == sizeof info ? strsignal(static_cast<int>(info.ssi_signo)) : "?");
      break;
    }
    if (items[0].revents & ZMQ_POLLIN) ipc.ServePending(dispatcher);
  }
  server->reset();
  context.close();
  RemoveRuntimeDir(*layout);
  spdlog::info("daemon.stopped");
  return 0;
}

}  // namespace kintsugi::daemon
