// SyncService, the inbound side: the partner's messages read off the two
// sockets, a few per round, each handed to its handler in the order it came
// on its connection. While a batch is stored, what has come since is read
// ahead, so that the next batch's signatures are checked on the other cores
// meanwhile (docs/ARCHITECTURE.md, "Data flow of a check-in").
#include <spdlog/spdlog.h>

#include <zmq_addon.hpp>

#include "base/zmq_status.h"
#include "daemon/poll_items.h"
#include "daemon/link/sync_service.h"
#include "protocol/sync.h"

namespace kintsugi::daemon {
namespace {
constexpr int kMessagesPerPoll = 2;
constexpr std::size_t kReadAheadMessages = 2;
}  // namespace

void SyncService::HandlePoll(const zmq::pollitem_t* items, std::size_t count) {
  gate_.HandlePoll(items, count);  // connections past the bounds are turned away first
  const bool router_ready = Readable(items, count, router_);
  const bool dealer_ready = Readable(items, count, dealer_);
  const bool monitor_ready = Readable(items, count, monitor_);
  if (monitor_ready) ReadMonitor();
  // A few messages per socket per round, then back to the poll: during a
  // long catch-up the window's requests are answered between batches.
  Status read = base::ZmqCall(ErrorCode::kIo, "receive", [&] {
    // What was read ahead came first: it is handled before the sockets are
    // read again, so each connection's messages keep their order.
    for (int budget = kMessagesPerPoll; !ahead_.empty() && budget > 0; --budget) {
      Inbound in = std::move(ahead_.front());
      ahead_.pop_front();
      HandleInbound(in);
    }
    for (bool outgoing : {false, true}) {
      if (!ahead_.empty() || !(outgoing ? dealer_ready : router_ready)) continue;
      for (int budget = kMessagesPerPoll; budget > 0 && ahead_.empty(); --budget) {
        Inbound in;
        if (!ReadOne(outgoing, in)) break;
        HandleInbound(in);
      }
    }
  });
  if (!read.ok()) spdlog::warn("sync.recv_failed what=\"{}\"", read.error().message);
  Carry(session_.Tick(engine_.NowMillis()));
}

bool SyncService::ReadOne(bool outgoing, Inbound& in) {
  in.outgoing = outgoing;
  zmq::message_t payload;
  if (outgoing) {
    if (!dealer_ || !dealer_->recv(payload, zmq::recv_flags::dontwait)) return false;
    if (payload.more()) {  // a sync message is one frame: drain and refuse the rest
      zmq::message_t rest;
      while (dealer_->recv(rest, zmq::recv_flags::dontwait) && rest.more()) {
      }
      in.message = MakeError(ErrorCode::kMalformed, "multipart");
      return true;
    }
  } else {
    std::vector<zmq::message_t> frames;
    if (!router_ || !zmq::recv_multipart(*router_, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
      return false;
    }
    if (frames.size() != 2) {
      in.message = MakeError(ErrorCode::kMalformed, std::to_string(frames.size()) + " frames");
      return true;
    }
    in.routing_id.assign(static_cast<const std::uint8_t*>(frames[0].data()),
                         static_cast<const std::uint8_t*>(frames[0].data()) + frames[0].size());
    payload = std::move(frames[1]);
  }
  in.message = protocol::DecodeSync(ByteView(static_cast<const std::uint8_t*>(payload.data()), payload.size()));
  if (in.message.ok()) {
    if (auto* batch = std::get_if<protocol::SyncEntries>(&*in.message)) in.checked = engine_.CheckAhead(batch->entries);
  }
  return true;
}

void SyncService::ReadAhead() {
  Status read = base::ZmqCall(ErrorCode::kIo, "receive", [&] {
    for (bool outgoing : {false, true}) {
      while (ahead_.size() < kReadAheadMessages) {
        Inbound in;
        if (!ReadOne(outgoing, in)) break;
        ahead_.push_back(std::move(in));
      }
    }
  });
  if (!read.ok()) spdlog::warn("sync.recv_failed what=\"{}\"", read.error().message);
}

void SyncService::HandleInbound(Inbound& in) {
  const std::uint64_t now = engine_.NowMillis();
  if (!in.outgoing && in.routing_id.empty()) {  // not a ROUTER message of two frames: no channel
    if (std::uint64_t held = 0; log_limit_.Allow("sync.bad_frame", now, held)) {
      spdlog::warn("sync.bad_frame reason=\"{}\" held_back={}", in.message.error().message, held);
    }
    return;
  }
  const protocol::ChannelId channel =
      in.outgoing ? protocol::DialledChannel() : protocol::CalledInChannel(in.routing_id);
  if (session_.closed()) return;
  if (!in.message.ok()) {
    Carry(session_.OnHeard(channel, now));  // the partner is there all the same
    if (std::uint64_t held = 0; log_limit_.Allow("sync.bad_frame", now, held)) {
      spdlog::warn("sync.bad_frame reason=\"{}\" held_back={}", in.message.error().message, held);
    }
    return;
  }
  std::optional<protocol::LocalLedger> local = Local();
  if (!local) {
    Carry(session_.OnHeard(channel, now));  // heard, and asked again by the next hello
    return;
  }
  Carry(session_.OnMessage(channel, *in.message, *local, now), &in);
}

}  // namespace kintsugi::daemon
