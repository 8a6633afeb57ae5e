#include "daemon/loop.h"

#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <memory>
#include <span>
#include <vector>

#include <spdlog/spdlog.h>
#include <zmq.hpp>

#include "base/files.h"
#include "base/zmq_status.h"
#include "crypto/pake.h"
#include "crypto/random.h"
#include "daemon/background.h"
#include "daemon/clock.h"
#include "daemon/link/discovery.h"
#include "daemon/ipc/dispatch.h"
#include "daemon/engine.h"
#include "daemon/ipc/ipc_server.h"
#include "daemon/desktop/notifier.h"
#include "daemon/link/pairing_service.h"
#include "daemon/runtime.h"
#include "daemon/store/store.h"
#include "daemon/link/sync_service.h"
#include "daemon/desktop/window_opener.h"
#include "daemon/link/zap.h"
#include "kintsugi/version.h"
#include "protocol/address.h"
#include "protocol/ipc.h"
#include "protocol/ipc_events.h"

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

// The loop's poll items by source. Each source appends its own items each
// round and reads back its own range by name, never by a fixed position.
class PollSet {
 public:
  enum Source : std::uint8_t { kIpc, kSignal, kZap, kDiscovery, kSync, kPairing, kBus, kBackground, kSourceCount };

  void Clear() {
    items_.clear();
    ranges_.fill(Range{});
  }
  void AddSocket(Source source, void* socket) {
    Add(source, [&](auto& items) { items.push_back({socket, 0, ZMQ_POLLIN, 0}); });
  }
  void AddFd(Source source, int fd) {
    Add(source, [&](auto& items) { items.push_back({nullptr, fd, ZMQ_POLLIN, 0}); });
  }
  // `append(items)` adds the source's own items (none is fine).
  template <class Append>
  void Add(Source source, Append&& append) {
    const std::size_t at = items_.size();
    append(items_);
    ranges_[source] = Range{at, items_.size() - at};
  }

  std::vector<zmq::pollitem_t>& items() { return items_; }
  // The source's items, for a service that matches them to its sockets.
  std::span<const zmq::pollitem_t> Of(Source source) const {
    return std::span(items_).subspan(ranges_[source].at, ranges_[source].count);
  }
  bool Readable(Source source) const {
    return std::any_of(Of(source).begin(), Of(source).end(),
                       [](const zmq::pollitem_t& i) { return (i.revents & ZMQ_POLLIN) != 0; });
  }
  // Nothing came in on any source.
  bool Quiet() const {
    return std::none_of(items_.begin(), items_.end(), [](const zmq::pollitem_t& i) { return i.revents != 0; });
  }

 private:
  struct Range {
    std::size_t at = 0;
    std::size_t count = 0;
  };
  std::vector<zmq::pollitem_t> items_;
  std::array<Range, kSourceCount> ranges_{};
};

// A service's items as HandlePoll takes them.
template <class Service>
void HandlePolled(Service& service, std::span<const zmq::pollitem_t> items) {
  if (!items.empty()) service.HandlePoll(items.data(), items.size());
}

// Everything the daemon runs, opened in order and closed in reverse: the
// data and runtime directories, the store and keys, the sockets and the
// services on them.
class Daemon {
 public:
  static Result<std::unique_ptr<Daemon>> Open(const DaemonOptions& options);
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  Engine& engine() { return *engine_; }
  const protocol::Layout& layout() const { return layout_; }
  // Serves until SIGINT or SIGTERM; an error only when polling fails.
  Status Run();
  // After a clean stop: no more beacons, no more IPC, and the runtime
  // directory (its sockets) removed. The rest closes with the object.
  void Close();

 private:
  Daemon(const DaemonOptions& options, protocol::Layout layout, InstanceLock lock, base::UniqueFd signals)
      : options_(options), layout_(std::move(layout)), lock_(std::move(lock)), signals_(std::move(signals)) {}
  // The sockets and services, once the engine is open.
  Status Start();
  // An event to the notifier and the clients; ToWindow: to the clients only.
  void Publish(std::string_view topic, nlohmann::json data);
  void ToWindow(std::string_view topic, nlohmann::json data);
  // Listens for the partner (once) and links with it at `partner_address`.
  void StartSync(const std::string& partner_address);
  // Links with the partner at the address last known for it.
  void StartPairedSync();
  // One round: poll, then hand what came in to its source. False on a signal.
  Result<bool> Turn();

  const DaemonOptions options_;
  const protocol::Layout layout_;
  InstanceLock lock_;
  base::UniqueFd signals_;
  SystemClock clock_;
  crypto::SystemRandom rng_;
  std::unique_ptr<Engine> engine_;
  protocol::HostPort listen_;
  std::uint16_t listen_port_ = 0;  // 0: not listening
  zmq::context_t context_{1};
  std::unique_ptr<ZapHandler> zap_;
  std::unique_ptr<IpcServer> ipc_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<SyncService> sync_;
  std::unique_ptr<PairingService> pairing_;
  std::unique_ptr<Discovery> discovery_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<Background> background_;  // after what its work's end uses: joined first
  PollSet polls_;
};

Result<std::unique_ptr<Daemon>> Daemon::Open(const DaemonOptions& options) {
  base::UniqueFd signals(OpenSignalFd());
  if (!signals.valid()) return MakeError(ErrorCode::kIo, "cannot watch for signals");
  auto layout = protocol::ResolveLayout(protocol::LayoutInputsFromEnvironment(options.data_dir));
  if (!layout.ok()) return layout.take_error();
  KINTSUGI_RETURN_IF_ERROR(PrepareDataDir(*layout));
  auto lock = InstanceLock::Acquire(*layout);
  if (!lock.ok()) return lock.take_error();
  KINTSUGI_RETURN_IF_ERROR(PrepareRuntimeDir(*layout));
  std::unique_ptr<Daemon> daemon(
      new Daemon(options, std::move(layout).value(), std::move(lock).value(), std::move(signals)));
  KINTSUGI_RETURN_IF_ERROR(daemon->Start());
  return daemon;
}

Status Daemon::Start() {
  auto store = Store::Open(layout_.db_path);
  if (!store.ok()) return store.take_error();
  auto engine = Engine::Open(std::move(store).value(), layout_.key_path, clock_, rng_);
  if (!engine.ok()) return engine.take_error();
  engine_ = std::move(engine).value();

  auto listen = protocol::ParseHostPort(options_.listen);
  if (!listen) {
    return MakeError(ErrorCode::kInvalidArgument, "--listen must be HOST:PORT with a port from 1 to 65534");
  }
  listen_ = *listen;
  listen_port_ = options_.no_listen ? 0 : listen_.port;

  // The ZAP handler first: a CURVE socket bound before it would admit anyone.
  auto zap = ZapHandler::Bind(context_);
  if (!zap.ok()) return zap.take_error();
  zap_ = std::move(zap).value();
  auto ipc = IpcServer::Bind(context_, layout_);
  if (!ipc.ok()) return ipc.take_error();
  ipc_ = std::move(ipc).value();

  // Desktop notifications hear every event the window hears.
  notifier_ = std::make_unique<Notifier>(*engine_, [this](const std::string& screen) {
    return OpenWindow(layout_, options_.data_dir, screen,
                      [this](std::string_view topic, nlohmann::json data) { ToWindow(topic, std::move(data)); });
  });
  notifier_->Load();
  sync_ = std::make_unique<SyncService>(context_, *engine_, *zap_, [this](std::string_view topic, nlohmann::json data) {
    Publish(topic, std::move(data));
  });
  pairing_ = std::make_unique<PairingService>(context_, *engine_, rng_, [this](const std::string& partner_address) {
    StartSync(partner_address);
    Publish(protocol::kEventPaired, protocol::PairCompletedEvent{ToHex(*engine_->partner())});
  });
  if (!options_.no_discovery) {
    auto opened = Discovery::Open(options_.discovery_port, *engine_, *sync_, *pairing_, rng_);
    if (opened.ok()) {
      discovery_ = std::move(opened).value();
    } else {
      spdlog::warn("discovery.off reason=\"{}\"", opened.error().message);
    }
  }
  StartPairedSync();
  engine_->set_append_listener([this](const AppendedEntry& e) {
    Publish(protocol::kEventEntryAppended,
            protocol::EntryAppendedEvent{ToHex(e.id), ToHex(e.author), e.seq, e.hlc, e.kind, e.local});
    sync_->OnLocalAppend(e);
  });

  auto background = Background::Open();
  if (!background.ok()) return background.take_error();
  background_ = std::move(background).value();

  DaemonServices services;
  services.background = background_.get();
  services.pairing = pairing_.get();
  services.sync = sync_.get();
  services.discovery = discovery_.get();
  services.notifier = notifier_.get();
  services.listen_host = listen_.host;
  services.listen_port = listen_port_;
  services.pairing_port = static_cast<std::uint16_t>(listen_.port + 1);
  services.publish = [this](std::string_view topic, nlohmann::json data) { Publish(topic, std::move(data)); };
  services.restored = [this] {
    sync_->Reset();  // the restored identity listens and dials with its own keys
    StartPairedSync();
    notifier_->Load();
  };
  services.transport_key = [this]() {
    const crypto::CurveKeyPair& keys = engine_->transport_keys();
    char z85[41] = {};
    zmq_z85_encode(z85, keys.public_key.data(), keys.public_key.size());
    return std::string(z85);
  };
  dispatcher_ = std::make_unique<Dispatcher>(*engine_, DaemonInfo{layout_.data_dir, static_cast<long>(::getpid())},
                                             std::move(services));
  return OkStatus();
}

void Daemon::Close() {
  discovery_.reset();
  ipc_.reset();
  RemoveRuntimeDir(layout_);
}

void Daemon::Publish(std::string_view topic, nlohmann::json data) {
  if (notifier_) notifier_->OnEvent(topic, data);
  ToWindow(topic, std::move(data));
}

void Daemon::ToWindow(std::string_view topic, nlohmann::json data) {
  if (ipc_) ipc_->Publish(topic, protocol::EncodeIpcEvent(topic, std::move(data)));  // none once closed
}

void Daemon::StartSync(const std::string& partner_address) {
  if (listen_port_ != 0 && sync_->port() == 0) {
    if (auto s = sync_->Listen("tcp://" + listen_.host + ":" + std::to_string(listen_port_)); !s.ok()) {
      spdlog::error("{}", s.error().message);
    }
  }
  sync_->StartPartner(partner_address);
  if (discovery_) discovery_->AnnounceSoon();
}

void Daemon::StartPairedSync() {
  if (!engine_->paired()) return;
  std::string address;
  if (auto peers = engine_->store().Peers(); peers.ok()) {
    for (const auto& p : *peers) {
      if (p.author == *engine_->partner()) address = p.address;
    }
  }
  StartSync(address);
}

Status Daemon::Run() {
  for (;;) {
    auto more = Turn();
    if (!more.ok()) return more.take_error();
    if (!*more) return OkStatus();
  }
}

Result<bool> Daemon::Turn() {
  Engine& engine = *engine_;
  polls_.Clear();
  polls_.AddSocket(PollSet::kIpc, ipc_->control().handle());
  polls_.AddFd(PollSet::kSignal, signals_.get());
  polls_.AddSocket(PollSet::kZap, zap_->socket().handle());
  if (discovery_) polls_.AddFd(PollSet::kDiscovery, discovery_->fd());
  polls_.Add(PollSet::kSync, [&](auto& items) { sync_->AppendPollItems(items); });
  polls_.Add(PollSet::kPairing, [&](auto& items) { pairing_->AppendPollItems(items); });
  polls_.Add(PollSet::kBus, [&](auto& items) { notifier_->bus().AppendPollItems(items); });
  polls_.AddFd(PollSet::kBackground, background_->fd());

  std::uint64_t now = engine.NowMillis();
  std::uint64_t wait = std::min({sync_->MillisUntilNextTimer(now), pairing_->MillisUntilNextTimer(now),
                                 discovery_ ? discovery_->MillisUntilNextTimer(now) : UINT64_MAX,
                                 notifier_->MillisUntilNextTimer(now),
                                 engine.store().checkpoint_due() ? kIdleCheckpointMs : UINT64_MAX});
  const bool read_ahead = sync_->has_read_ahead();  // messages read while a batch was stored
  if (read_ahead) wait = 0;
  auto timeout = wait == UINT64_MAX ? std::chrono::milliseconds(-1)
                                    : std::chrono::milliseconds(std::min<std::uint64_t>(wait, 60'000));
  KINTSUGI_RETURN_IF_ERROR(base::ZmqPoll(polls_.items(), timeout));
  const bool idle = !read_ahead && polls_.Quiet();
  if (polls_.Readable(PollSet::kSignal)) {
    signalfd_siginfo info{};
    ssize_t n = ::read(signals_.get(), &info, sizeof info);
    spdlog::info("daemon.stopping signal={}", n == sizeof info ? strsignal(static_cast<int>(info.ssi_signo)) : "?");
    return false;
  }
  now = engine.NowMillis();
  if (polls_.Readable(PollSet::kZap)) zap_->Serve(now);
  if (polls_.Readable(PollSet::kBackground)) background_->Finish();
  if (polls_.Readable(PollSet::kIpc)) ipc_->ServePending(*dispatcher_);
  if (polls_.Readable(PollSet::kDiscovery)) discovery_->HandleReadable();
  // The IPC requests above may have made or replaced sockets: the services
  // match the items to their sockets by handle (daemon/poll_items.h).
  HandlePolled(*sync_, polls_.Of(PollSet::kSync));
  HandlePolled(*pairing_, polls_.Of(PollSet::kPairing));
  HandlePolled(notifier_->bus(), polls_.Of(PollSet::kBus));
  now = engine.NowMillis();
  sync_->RunTimers(now);
  pairing_->RunTimers(now);
  if (discovery_) discovery_->RunTimers(now);
  notifier_->RunTimers(now);
  if (idle && engine.store().checkpoint_due()) {
    // Nothing came in before the next timer, after some work: a moment to
    // checkpoint, and to give back what the work left in the heap (the
    // store's cache of pages, the batches' buffers), once per quiet spell.
    if (Status done = engine.store().CheckpointWhenIdle(); !done.ok()) {
      spdlog::warn("store.checkpoint_failed reason=\"{}\"", done.error().message);
    }
    ::malloc_trim(0);
  }
  return true;
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
  auto daemon = Daemon::Open(options);
  if (!daemon.ok()) return Fail(daemon.error());
  Engine& engine = (*daemon)->engine();
  spdlog::info("daemon.started version={} pid={} initialized={} paired={} control={}", kVersion, ::getpid(),
               engine.initialized(), engine.paired(), (*daemon)->layout().control_endpoint);
  Report(g_ready_fd, "ready\n");
  if (Status ran = (*daemon)->Run(); !ran.ok()) return Fail(ran.error());
  (*daemon)->Close();
  spdlog::info("daemon.stopped");
  return 0;
}

}  // namespace kintsugi::daemon
