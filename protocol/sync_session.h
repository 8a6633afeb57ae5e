// SyncSession: the sync rules of one device's link to its partner
// (docs/PROTOCOL.md, "Sync"; the messages are protocol/sync.h), with no I/O,
// as protocol/pairing.h is for pairing. The daemon's SyncService owns the
// sockets and the store: it tells the session what happened (a message on a
// channel, the dialled channel up or down, a local append, what storing a
// batch did, the time, a change of this device's sharing) together with what
// this device holds at that moment (LocalLedger), and carries out the effects
// the session returns, in their order.
//
// The rules:
//  - hello: sent on each channel when it comes up and every kKeepaliveMs on
//    each live one (keepalive and anti-entropy), and in answer to the first
//    hello heard on a channel. For each member of the ledger whose chain the
//    partner holds further, a want.
//  - want: one per author in flight; asked again only after kWantTimeoutMs,
//    or at once when a connection comes up (the old one's answers are lost).
//    The partner's wants are answered with one batch each (AnswerWant).
//  - entries: the next batch is asked for before this one is stored, so that
//    the partner reads it while this side verifies (two in flight at most);
//    then the batch is stored (Store) and the service says what that did
//    (OnStored).
//  - push: stored when it follows this device's head, else the gap is asked for.
//  - sharing: while this device pauses it sends the sharing message instead of
//    hello, answers hello and want with it, stores nothing and pushes nothing;
//    the partner's pause is kept from the same message (a hello means it shares).
//  - leave: once the ledger holds a leave and both sides' heads are the same,
//    a last hello on each live channel, and the link closes for good
//    kCloseGraceMs later; or kLeaveDeliveryMs after the leave, if the partner
//    was never reached.
//
// Everything the partner sends is bounded here: the session keeps state per
// member of the ledger (the heads in this device's hello) and per channel (at
// most kMaxSyncChannels, the one heard from least lately forgotten first),
// never per author, seq or time the partner names.
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/keys.h"
#include "protocol/sync.h"

namespace kintsugi::protocol {

inline constexpr std::uint64_t kKeepaliveMs = 5'000;
inline constexpr std::uint64_t kOnlineWindowMs = 3 * kKeepaliveMs;  // heard within it: online
inline constexpr std::uint64_t kChannelForgetMs = 3 * kOnlineWindowMs;
inline constexpr std::uint64_t kWantTimeoutMs = 30'000;
inline constexpr std::uint64_t kCloseGraceMs = 500;
inline constexpr std::uint64_t kLeaveDeliveryMs = 30ull * 86'400'000;
inline constexpr std::size_t kMaxSyncChannels = 16;

// A connection to the partner: the one this device dialled, or one the
// partner dialled in, named by the listening socket's routing id.
struct ChannelId {
  bool dialled = false;
  Bytes routing_id;  // empty for the dialled channel
  auto operator<=>(const ChannelId&) const = default;
};
inline ChannelId DialledChannel() { return ChannelId{true, {}}; }
inline ChannelId CalledInChannel(Bytes routing_id) { return ChannelId{false, std::move(routing_id)}; }

// What this device holds when an input arrives.
struct LocalLedger {
  SyncHello hello;                       // its hello: the ledger, its index id, the head of every member
  std::optional<std::uint64_t> left_ms;  // the ledger holds a leave, made then
};

// What storing the entries of a batch or push did (Store, then OnStored).
struct StoreOutcome {
  std::size_t stored = 0;      // new entries kept
  std::uint64_t head_seq = 0;  // the author's head afterwards
};

namespace sync_effect {
struct Send {  // send `message` on `channel`
  ChannelId channel;
  SyncMessage message;
};
struct AnswerWant {  // read the batch `want` asks for and send it on `channel`
  ChannelId channel;
  SyncWant want;
};
struct Store {  // store the entries of the message just given, then call OnStored
  crypto::PublicKey author{};
};
struct PartnerHello {  // the partner's hello, for the ledger (a restored device waits for it)
  SyncHello hello;
};
struct Online {  // the partner came online or went offline
  bool online = false;
};
struct SavePeer {};      // last_seen_ms() and last_sync_ms() changed: worth keeping
struct PartnerReset {};  // the partner's database was reset or restored (another index id)
struct Progress {        // a batch was stored
  crypto::PublicKey author{};
  std::uint64_t stored = 0;
  std::uint64_t head_seq = 0;
  std::uint64_t behind = 0;  // how far the partner said it is ahead still
};
struct SharingChanged {  // the partner's pause, the ledger's end or the link's close changed
  std::string_view log;  // what to log ("partner_paused"), or nothing
};
struct LedgerEnded {};  // the ledger's leave was first seen: the link stays until both hold everything
struct CloseLink {      // close the link for good
  bool newly = false;   // not closed before: save it
};
struct Warn {  // something to log as a warning, at a bounded rate (the partner makes it happen)
  std::string_view event;
  std::string detail;
};
}  // namespace sync_effect

using SyncEffect =
    std::variant<sync_effect::Send, sync_effect::AnswerWant, sync_effect::Store, sync_effect::PartnerHello,
                 sync_effect::Online, sync_effect::SavePeer, sync_effect::PartnerReset, sync_effect::Progress,
                 sync_effect::SharingChanged, sync_effect::LedgerEnded, sync_effect::CloseLink, sync_effect::Warn>;
using SyncEffects = std::vector<SyncEffect>;

class SyncSession {
 public:
  // The link starts: this device's pause (0: sharing) and whether the link
  // already closed for good (then CloseLink, and nothing more ever passes).
  SyncEffects Start(std::uint64_t paused_since_ms, bool link_closed, std::uint64_t now_ms);
  // Another ledger was restored: everything heard is forgotten.
  SyncEffects Reset(std::uint64_t now_ms);

  // The dialled channel: a new connection is being made (not up yet), it
  // came up (its handshake succeeded), or it went down.
  SyncEffects OnDialling(std::uint64_t now_ms);
  // (`local` null: the ledger could not be read; the hello waits for the keepalive.)
  SyncEffects OnDialledUp(const LocalLedger* local, std::uint64_t now_ms);
  SyncEffects OnDialledDown(std::uint64_t now_ms);

  // Something came on `channel` that was not a message (a malformed frame):
  // the partner is there all the same.
  SyncEffects OnHeard(const ChannelId& channel, std::uint64_t now_ms);
  // A message from the partner on `channel`. When the effects end with
  // Store, the service stores the entries of `message` and calls OnStored
  // (or OnStoreFailed) before any other input.
  SyncEffects OnMessage(const ChannelId& channel, const SyncMessage& message, const LocalLedger& local,
                        std::uint64_t now_ms);
  // What the Store asked for did; `local` as it is afterwards.
  SyncEffects OnStored(const StoreOutcome& outcome, const LocalLedger& local, std::uint64_t now_ms);
  void OnStoreFailed();

  // A new entry of this device's: pushed on the primary channel, unless
  // either side pauses or none is live (the next hello tells the partner).
  SyncEffects OnLocalAppend(const SyncEntry& entry, std::uint64_t now_ms);
  // This device paused or resumed (`paused_since_ms`, 0: sharing), or its
  // ledger now holds a leave.
  SyncEffects OnSharingChanged(std::uint64_t paused_since_ms, const LocalLedger& local, std::uint64_t now_ms);

  // Timers: when the next is due (nullopt: none, the link closed), whether
  // one is due at `now_ms`, and running them.
  std::optional<std::uint64_t> NextTimerMs() const;
  bool TimerDue(std::uint64_t now_ms) const;
  // Whether the keepalive is due at `now_ms` (the service also retries
  // listening then).
  bool KeepaliveDue(std::uint64_t now_ms) const { return !closed_ && now_ms >= next_keepalive_ms_; }
  // `local` is null when this device's ledger could not be read: the time
  // is kept, nothing is sent.
  SyncEffects OnTimer(const LocalLedger* local, std::uint64_t now_ms);
  // Time passed: whether the partner is still online (after each poll).
  SyncEffects Tick(std::uint64_t now_ms);

  // As `peers` shows the link.
  bool online(std::uint64_t now_ms) const;
  bool dialled_up() const { return dialled_up_; }
  bool called_in(std::uint64_t now_ms) const;
  bool closed() const { return closed_; }
  bool paused() const { return paused_since_ms_ != 0; }
  std::uint64_t paused_since_ms() const { return paused_since_ms_; }
  std::uint64_t partner_paused_since_ms() const { return partner_paused_since_ms_; }
  std::uint64_t last_seen_ms() const { return last_seen_ms_; }
  std::uint64_t last_sync_ms() const { return last_sync_ms_; }
  // The partner's heads as it last said, for the ledger's members only.
  const std::map<crypto::PublicKey, std::uint64_t>& partner_heads() const { return partner_heads_; }
  // Authors with a want in flight, and since when.
  const std::map<crypto::PublicKey, std::uint64_t>& wanting() const { return wanting_; }
  std::size_t channels() const { return called_in_.size() + (dialled_up_ ? 1 : 0); }

 private:
  struct Channel {
    std::uint64_t last_heard_ms = 0;
    bool hello_sent = false;
  };
  // A store asked for and not yet answered.
  struct PendingStore {
    ChannelId channel;
    crypto::PublicKey author{};
    bool batch = false;                        // a batch (else a push)
    bool more = false;                         // the batch said more follows
    std::optional<std::uint64_t> asked_after;  // the next batch, asked for before storing
    std::uint64_t before_seq = 0;
  };

  Channel* Find(const ChannelId& id);
  Channel& Heard(const ChannelId& id, std::uint64_t now_ms, SyncEffects& out);
  bool Live(const Channel& channel, std::uint64_t now_ms) const;
  // The channel a push goes on: the dialled one when up, else the one heard
  // from last (within kOnlineWindowMs).
  std::optional<ChannelId> Primary(std::uint64_t now_ms) const;
  std::vector<ChannelId> LiveChannels(std::uint64_t now_ms) const;
  void Send(const ChannelId& channel, SyncMessage message, SyncEffects& out);
  // Hello when sharing; the sharing message while paused.
  void SendState(const ChannelId& channel, const LocalLedger& local, SyncEffects& out);
  // Asks for `author`'s entries after `after_seq`, unless a want for it is
  // in flight (younger than kWantTimeoutMs) or it is no member.
  void Want(const ChannelId& channel, const crypto::PublicKey& author, std::uint64_t after_seq,
            const LocalLedger& local, std::uint64_t now_ms, SyncEffects& out);
  void OnHello(const ChannelId& channel, const SyncHello& hello, const LocalLedger& local, std::uint64_t now_ms,
               SyncEffects& out);
  void OnEntries(const ChannelId& channel, const SyncEntries& batch, const LocalLedger& local, std::uint64_t now_ms,
                 SyncEffects& out);
  void OnPush(const ChannelId& channel, const SyncPush& push, const LocalLedger& local, std::uint64_t now_ms,
              SyncEffects& out);
  void OnPartnerSharing(const ChannelId& channel, const SyncSharing& sharing, const LocalLedger& local,
                        SyncEffects& out);
  // After a leave: once the partner's heads and ours are the same, a last
  // hello, and the link closes kCloseGraceMs later.
  void CheckEnded(const LocalLedger& local, std::uint64_t now_ms, SyncEffects& out);
  void CloseForGood(std::uint64_t now_ms, SyncEffects& out);
  // Online or not, said when it changed.
  void CheckOnline(std::uint64_t now_ms, SyncEffects& out);

  std::map<Bytes, Channel> called_in_;  // by routing id
  Channel dialled_;
  bool dialled_up_ = false;
  std::map<crypto::PublicKey, std::uint64_t> wanting_;  // author -> since (ms)
  std::map<crypto::PublicKey, std::uint64_t> partner_heads_;
  std::optional<IndexId> partner_index_;
  std::optional<PendingStore> pending_;
  std::uint64_t last_sync_ms_ = 0;
  std::uint64_t last_seen_ms_ = 0;
  std::uint64_t next_keepalive_ms_ = 0;
  bool was_online_ = false;
  std::uint64_t paused_since_ms_ = 0;
  std::uint64_t partner_paused_since_ms_ = 0;
  std::uint64_t close_at_ms_ = 0;  // when the link closes for good (0: not asked)
  bool closed_ = false;
  bool ended_announced_ = false;
};

// Whether `author` is a member of the ledger `local` holds (has a head in its hello).
bool IsMember(const LocalLedger& local, const crypto::PublicKey& author);

}  // namespace kintsugi::protocol
