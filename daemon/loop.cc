#include "daemon/loop.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "base/files.h"
#include "base/zmq_status.h"
#include "crypto/random.h"
#include "daemon/clock.h"
#include "crypto/pake.h"
#include "daemon/discovery.h"
#include "daemon/dispatch.h"
#include "daemon/engine.h"
#include "daemon/ipc_server.h"
#include "daemon/notifier.h"
#include "daemon/window_opener.h"
#include "daemon/pairing_service.h"
#include "daemon/sync_service.h"
#include "daemon/zap.h"
#include "daemon/runtime.h"
#include "daemon/store.h"
#include "kintsugi/version.h"
#include "protocol/address.h"
#include "protocol/ipc.h"

namespace kintsugi::daemon {
namespace {

// After a write, the loop wakes at the latest this long after its last
// event to checkpoint the store (Store::CheckpointWhenIdle).
constexpr std::uint64_t kIdleCheckpointMs = 1000;

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

// Tells whoever waits on `fd` (DaemonOptions::ready_fd) how the start went,
// once; never raises SIGPIPE when they have gone.
void Report(base::UniqueFd& fd, const std::string& line) {
  if (!fd.valid()) return;
  (void)::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  fd = base::UniqueFd();
}

base::UniqueFd g_ready_fd;

int Fail(const Error& e) {
  spdlog::critical("{}", e.message);
  Report(g_ready_fd, "error " + e.message + "\n");
  return 1;
}

}  // namespace

int RunDaemon(const DaemonOptions& options) {
  ::umask(077);  // every file and socket the daemon creates is this user's alone
  g_ready_fd = base::UniqueFd(options.ready_fd);
  // As many file descriptors as this user may have: the usual soft limit of
  // 1,024 is for programs that use select(); none here does.
  if (rlimit files{}; ::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &files);
  }
  const base::UniqueFd signal_owner(OpenSignalFd());
  const int signal_fd = signal_owner.get();
  if (signal_fd < 0) return Fail(MakeError(ErrorCode::kIo, "cannot watch for signals"));

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
  auto engine_result = Engine::Open(std::move(store).value(), layout->key_path, clock, rng);
  if (!engine_result.ok()) return Fail(engine_result.error());

  auto listen = protocol::ParseHostPort(options.listen);
  if (!listen) {
    return Fail(MakeError(ErrorCode::kInvalidArgument, "--listen must be HOST:PORT with a port from 1 to 65534"));
  }
  const std::uint16_t listen_port = options.no_listen ? 0 : listen->port;

  zmq::context_t context(1);
  // The ZAP handler first: a CURVE socket bound before it would admit anyone.
  auto zap_result = ZapHandler::Bind(context);
  if (!zap_result.ok()) return Fail(zap_result.error());
  ZapHandler& zap = **zap_result;
  auto server = IpcServer::Bind(context, *layout);
  if (!server.ok()) return Fail(server.error());
  IpcServer& ipc = **server;
  Engine& engine = **engine_result;
  auto to_window = [&ipc](std::string_view topic, nlohmann::json data) {
    ipc.Publish(topic, protocol::EncodeIpcEvent(topic, std::move(data)));
  };
  // Desktop notifications hear every event the window hears.
  Notifier notifier(engine, [&](const std::string& screen) {
    return OpenWindow(*layout, options.data_dir, screen, to_window);
  });
  notifier.Load();
  auto publish = [&](std::string_view topic, nlohmann::json data) {
    notifier.OnEvent(topic, data);
    to_window(topic, std::move(data));
  };

  SyncService sync(context, engine, zap, publish);
  std::unique_ptr<Discovery> discovery;
  auto start_sync = [&](const std::string& partner_address) {
    if (listen_port != 0 && sync.port() == 0) {
      if (auto s = sync.Listen("tcp://" + listen->host + ":" + std::to_string(listen_port)); !s.ok()) {
        spdlog::error("{}", s.error().message);
      }
    }
    sync.StartPartner(partner_address);
    if (discovery) discovery->AnnounceSoon();
  };
  PairingService pairing(context, engine, rng, [&](const std::string& partner_address) {
    start_sync(partner_address);
    publish(protocol::kEventPaired, nlohmann::json{{"partner", ToHex(*engine.partner())}});
  });
  if (!options.no_discovery) {
    auto opened = Discovery::Open(options.discovery_port, engine, sync, pairing, rng);
    if (opened.ok()) {
      discovery = std::move(opened).value();
    } else {
      spdlog::warn("discovery.off reason=\"{}\"", opened.error().message);
    }
  }
  // Links with the partner at the address last known for it.
  auto start_paired_sync = [&] {
    if (!engine.paired()) return;
    std::string address;
    if (auto peers = engine.store().Peers(); peers.ok()) {
      for (const auto& p : *peers) {
        if (p.author == *engine.partner()) address = p.address;
      }
    }
    start_sync(address);
  };
  start_paired_sync();
  engine.set_append_listener([&](const AppendedEntry& e) {
    publish(protocol::kEventEntryAppended, nlohmann::json{{"id", ToHex(e.id)},
                                                           {"author", ToHex(e.author)},
                                                           {"seq", e.seq},
                                                           {"hlc", e.hlc},
                                                           {"kind", e.kind},
                                                           {"local", e.local}});
    sync.OnLocalAppend(e);
  });

  DaemonServices services;
  services.pairing = &pairing;
  services.sync = &sync;
  services.discovery = discovery.get();
  services.notifier = &notifier;
  services.listen_host = listen->host;
  services.listen_port = listen_port;
  services.pairing_port = static_cast<std::uint16_t>(listen->port + 1);
  services.publish = publish;
  services.restored = [&] {
    sync.Reset();  // the restored identity listens and dials with its own keys
    start_paired_sync();
    notifier.Load();
  };
  services.transport_key = [&engine]() {
    const crypto::CurveKeyPair& keys = engine.transport_keys();
    char z85[41] = {};
    zmq_z85_encode(z85, keys.public_key.data(), keys.public_key.size());
    return std::string(z85);
  };
  Dispatcher dispatcher(engine, DaemonInfo{layout->data_dir, static_cast<long>(::getpid())}, services);

  spdlog::info("daemon.started version={} pid={} initialized={} paired={} control={}", kVersion,
               ::getpid(), engine.initialized(), engine.paired(), layout->control_endpoint);
  Report(g_ready_fd, "ready\n");
  std::vector<zmq::pollitem_t> items;
  for (;;) {
    items.clear();
    items.push_back({ipc.control().handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({nullptr, signal_fd, ZMQ_POLLIN, 0});
    items.push_back({zap.socket().handle(), 0, ZMQ_POLLIN, 0});
    if (discovery) items.push_back({nullptr, discovery->fd(), ZMQ_POLLIN, 0});
    const std::size_t sync_at = items.size();
    sync.AppendPollItems(items);
    const std::size_t pairing_at = items.size();
    pairing.AppendPollItems(items);
    const std::size_t bus_at = items.size();
    notifier.bus().AppendPollItems(items);
    const std::size_t sync_count = pairing_at - sync_at;
    const std::size_t pairing_count = bus_at - pairing_at;
    const std::size_t bus_count = items.size() - bus_at;

    std::uint64_t now = engine.NowMillis();
    std::uint64_t wait = std::min({sync.MillisUntilNextTimer(now), pairing.MillisUntilNextTimer(now),
                                   discovery ? discovery->MillisUntilNextTimer(now) : UINT64_MAX,
                                   notifier.MillisUntilNextTimer(now),
                                   engine.store().checkpoint_due() ? kIdleCheckpointMs : UINT64_MAX});
    const bool read_ahead = sync.has_read_ahead();  // messages read while a batch was stored
    if (read_ahead) wait = 0;
    auto timeout = wait == UINT64_MAX ? std::chrono::milliseconds(-1)
                                      : std::chrono::milliseconds(std::min<std::uint64_t>(wait, 60'000));
    if (Status polled = base::ZmqPoll(items, timeout); !polled.ok()) return Fail(polled.take_error());
    const bool idle = !read_ahead && std::none_of(items.begin(), items.end(),
                                                  [](const zmq::pollitem_t& i) { return i.revents != 0; });
    if (items[1].revents & ZMQ_POLLIN) {
      signalfd_siginfo info{};
      ssize_t n = ::read(signal_fd, &info, sizeof info);
      spdlog::info("daemon.stopping signal={}", n == sizeof info ? strsignal(static_cast<int>(info.ssi_signo)) : "?");
      break;
    }
    now = engine.NowMillis();
    if (items[2].revents & ZMQ_POLLIN) zap.Serve(now);
    if (items[0].revents & ZMQ_POLLIN) ipc.ServePending(dispatcher);
    if (discovery && (items[3].revents & ZMQ_POLLIN)) discovery->HandleReadable();
    // The IPC requests above may have made or replaced sockets: the services
    // match the items to their sockets by handle.
    if (sync_count > 0) sync.HandlePoll(&items[sync_at], sync_count);
    if (pairing_count > 0) pairing.HandlePoll(&items[pairing_at], pairing_count);
    if (bus_count > 0) notifier.bus().HandlePoll(&items[bus_at], bus_count);
    now = engine.NowMillis();
    sync.RunTimers(now);
    pairing.RunTimers(now);
    if (discovery) discovery->RunTimers(now);
    notifier.RunTimers(now);
    if (idle) {
      // Nothing came in before the next timer: a moment to checkpoint.
      if (Status done = engine.store().CheckpointWhenIdle(); !done.ok()) {
        spdlog::warn("store.checkpoint_failed reason=\"{}\"", done.error().message);
      }
    }
  }
  discovery.reset();
  server->reset();
  RemoveRuntimeDir(*layout);
  spdlog::info("daemon.stopped");
  return 0;
}

}  // namespace kintsugi::daemon
