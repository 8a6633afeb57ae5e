// SyncService: the link to the partner's daemon (docs/PROTOCOL.md, "Sync").
//
// Sockets: a ROUTER that is a CURVE server on --listen (the ZAP handler admits
// only the partner's key), and a DEALER that is a CURVE client dialling the
// partner's address when one is known. Each connection is a channel that
// carries the same symmetric protocol (protocol/sync.h). ZeroMQ reconnects
// with exponential backoff.
//
// The rules (hello, want, entries, push, pause, keepalive, leave) are
// protocol::SyncSession's (protocol/sync_session.h), which does no I/O: this
// service reads the sockets, tells the session what came with what the
// ledger holds at that moment, and carries out what it answers: sends,
// stores (the engine verifies and keeps a batch), events for the clients,
// the peer record and the closed link saved. It also keeps what is only the
// transport's: the sockets and their monitor, the connection gate, the
// read-ahead that checks the next batch's signatures while one is stored,
// and the logs, at a bounded rate.
//
// Thread-safety: the daemon loop's thread only.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "daemon/link/connection_gate.h"
#include "daemon/engine.h"
#include "daemon/log_limit.h"
#include "daemon/link/sharing.h"
#include "daemon/link/zap.h"
#include "protocol/ipc_messages.h"
#include "protocol/sync_session.h"

namespace kintsugi::daemon {

inline constexpr std::uint16_t kDefaultSyncPort = 47474;

using EventSink = std::function<void(std::string_view topic, nlohmann::json data)>;

// How many messages may wait on one connection to the partner (ZeroMQ's
// send high-water mark): about kSendQueueMessages MiB at most.
inline constexpr int kSendQueueMessages = 8;
// How many messages from the partner may wait to be read, per connection
// (the receive high-water mark); past it ZeroMQ stops reading the socket and
// TCP holds the rest back at the sender.
inline constexpr int kReceiveQueueMessages = 8;

class SyncService {
 public:
  SyncService(zmq::context_t& context, Engine& engine, ZapHandler& zap, EventSink events);
  ~SyncService();

  // Binds the ROUTER ("tcp://HOST:PORT"). Fails with kIo when it cannot;
  // while paired, the keepalive timer then tries again every 5 s.
  Status Listen(const std::string& endpoint);
  // The port the ROUTER listens on (0 when not listening).
  std::uint16_t port() const { return port_; }

  // Starts (or restarts) linking with the paired partner: admits its key and,
  // when `address` ("host:port") is not empty, dials it.
  void StartPartner(const std::string& address);
  // The engine now holds another ledger (a restore): forgets the old link
  // whole (both sockets, whom it admitted, all it heard), so that listening
  // and dialling start again with the restored identity's keys and partner.
  void Reset();
  // A new address for the partner (manual or discovered); redials.
  void SetPartnerAddress(const std::string& address);
  const std::string& partner_address() const { return address_; }
  // Whether the connection this daemon dialled is up.
  bool dialled_link_up() const { return session_.dialled_up(); }

  // Sockets to poll for input, in a stable order, and the handler for them.
  void AppendPollItems(std::vector<zmq::pollitem_t>& items);
  // Messages already read (while a batch was stored) wait to be handled:
  // the loop must not sleep in its poll.
  bool has_read_ahead() const { return !ahead_.empty(); }
  // The `count` items appended above, after the poll; sockets made since
  // (an IPC request can dial) wait for the next round.
  void HandlePoll(const zmq::pollitem_t* items, std::size_t count);

  // Timers: the milliseconds until the next one is due, and running them.
  std::uint64_t MillisUntilNextTimer(std::uint64_t now_ms) const;
  void RunTimers(std::uint64_t now_ms);

  // A new local entry: pushed to the partner when a channel is up.
  void OnLocalAppend(const AppendedEntry& entry);

  // The partner as `peers` shows it.
  protocol::PeersReply Peers(std::uint64_t now_ms);
  bool online(std::uint64_t now_ms) const;

  // --- Pause and leave ---
  // This device's pause or the ledger's end changed (and was saved): tells
  // the partner and the clients.
  void OnSharingChanged();
  // Since when the partner paused, as it last said; 0 when sharing.
  std::uint64_t partner_paused_since_ms() const { return session_.partner_paused_since_ms(); }
  // The link ended for good after a leave: no dialling, no listening.
  bool link_closed() const { return session_.closed(); }

 private:
  // A message read from a socket, not yet handled: an entries batch has its
  // signatures checked from the moment it is read.
  struct Inbound {
    bool outgoing = false;
    Bytes routing_id;  // from the ROUTER only
    Result<protocol::SyncMessage> message = MakeError(ErrorCode::kMalformed, "empty");
    std::unique_ptr<Engine::CheckedBatch> checked;
  };

  void Dial();
  // Closes the dialled socket and its monitor, the monitor first stopped:
  // libzmq sends monitor events blocking, from its I/O thread, so an event
  // for a monitor socket already closed would hang every socket of the
  // context (the IPC socket with them).
  void CloseDealer();
  void ReadMonitor();
  // Reads one message from the ROUTER or the dealer without waiting; false
  // when none is there.
  bool ReadOne(bool outgoing, Inbound& in);
  // While a batch is stored: reads what has come since (at most
  // kReadAheadMessages waiting) so that the next batch's signatures are
  // checked meanwhile. Handled, in order, before the sockets are read again.
  void ReadAhead();
  void HandleInbound(Inbound& in);

  // What the ledger holds now, as the session takes it; nullopt (logged)
  // when it cannot be read.
  std::optional<protocol::LocalLedger> Local();
  // Carries out the session's effects in order. `in`: the message they
  // answer, whose entries a Store effect stores.
  void Carry(const protocol::SyncEffects& effects, Inbound* in = nullptr);
  // Stores the entries of `in` (a batch or a push) and tells the session.
  void Store(const crypto::PublicKey& author, Inbound& in);
  void Send(const protocol::ChannelId& channel, const protocol::SyncMessage& message);
  // Logs what the engine refused and announces forks.
  void ReportReceived(const crypto::PublicKey& author, const ReceiveReport& report);
  void LogStoreFailed(const Error& error);
  void CloseLink(bool newly);
  void AnnounceOnline(bool online, std::uint64_t now_ms);
  void SavePeer();
  void PublishSharing();

  zmq::context_t& context_;
  Engine& engine_;
  ZapHandler& zap_;
  EventSink events_;
  LogLimit log_limit_;  // what the partner makes happen is logged at a bounded rate
  protocol::SyncSession session_;
  std::optional<zmq::socket_t> router_;
  ConnectionGate gate_;  // the sync port's connections, within bounds
  std::optional<zmq::socket_t> dealer_;
  std::optional<zmq::socket_t> monitor_;
  std::uint16_t port_ = 0;
  std::string listen_endpoint_;  // what Listen was last asked for (kept by Reset)
  std::string address_;
  std::deque<Inbound> ahead_;  // read while a batch was stored, oldest first
  int monitor_serial_ = 0;
};

}  // namespace kintsugi::daemon
