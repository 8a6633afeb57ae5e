#include "protocol/sync_session.h"

#include <algorithm>
#include <utility>

#include "crypto/bytes.h"

namespace kintsugi::protocol {
namespace {

std::optional<std::uint64_t> HeadOf(const LocalLedger& local, const crypto::PublicKey& author) {
  for (const auto& head : local.hello.heads) {
    if (head.author == author) return head.seq;
  }
  return std::nullopt;
}

}  // namespace

bool IsMember(const LocalLedger& local, const crypto::PublicKey& author) { return HeadOf(local, author).has_value(); }

SyncEffects SyncSession::Start(std::uint64_t paused_since_ms, bool link_closed, std::uint64_t now_ms) {
  SyncEffects out;
  paused_since_ms_ = paused_since_ms;
  if (link_closed) CloseForGood(now_ms, out);  // the ledger ended before this start: no link, ever
  return out;
}

SyncEffects SyncSession::Reset(std::uint64_t /*now_ms*/) {
  SyncEffects out;
  if (was_online_) out.emplace_back(sync_effect::Online{false});  // not saved: the peer record is the restored one's
  *this = SyncSession{};
  return out;
}

SyncEffects SyncSession::OnDialling(std::uint64_t now_ms) {
  SyncEffects out;
  dialled_up_ = false;
  dialled_.hello_sent = false;
  CheckOnline(now_ms, out);
  return out;
}

SyncEffects SyncSession::OnDialledUp(const LocalLedger* local, std::uint64_t now_ms) {
  SyncEffects out;
  if (closed_) return out;
  dialled_up_ = true;
  wanting_.clear();  // wants sent on an earlier connection will not be answered
  dialled_.hello_sent = false;
  if (local != nullptr) SendState(DialledChannel(), *local, out);
  CheckOnline(now_ms, out);
  return out;
}

SyncEffects SyncSession::OnDialledDown(std::uint64_t now_ms) {
  SyncEffects out;
  dialled_up_ = false;
  wanting_.clear();
  CheckOnline(now_ms, out);
  return out;
}

SyncSession::Channel* SyncSession::Find(const ChannelId& id) {
  if (id.dialled) return &dialled_;
  auto it = called_in_.find(id.routing_id);
  return it == called_in_.end() ? nullptr : &it->second;
}

SyncSession::Channel& SyncSession::Heard(const ChannelId& id, std::uint64_t now_ms, SyncEffects& out) {
  Channel* channel = Find(id);
  if (channel == nullptr) {
    // A new connection from the partner: it (re)started, so the wants sent
    // on an older connection will not be answered. Ask afresh.
    wanting_.clear();
    if (called_in_.size() >= kMaxSyncChannels) {
      auto oldest = std::min_element(called_in_.begin(), called_in_.end(), [](const auto& a, const auto& b) {
        return a.second.last_heard_ms < b.second.last_heard_ms;
      });
      called_in_.erase(oldest);
    }
    channel = &called_in_[id.routing_id];
  }
  channel->last_heard_ms = now_ms;
  last_seen_ms_ = now_ms;
  CheckOnline(now_ms, out);
  return *channel;
}

SyncEffects SyncSession::OnHeard(const ChannelId& channel, std::uint64_t now_ms) {
  SyncEffects out;
  if (!closed_) Heard(channel, now_ms, out);
  return out;
}

SyncEffects SyncSession::OnMessage(const ChannelId& channel, const SyncMessage& message, const LocalLedger& local,
                                   std::uint64_t now_ms) {
  SyncEffects out;
  if (closed_) return out;
  Heard(channel, now_ms, out);
  if (auto* sharing = std::get_if<SyncSharing>(&message)) {
    OnPartnerSharing(channel, *sharing, local, out);
    return out;
  }
  const bool is_hello = std::holds_alternative<SyncHello>(message);
  if (is_hello && partner_paused_since_ms_ != 0) {
    partner_paused_since_ms_ = 0;  // a hello is only sent while sharing
    out.emplace_back(sync_effect::SharingChanged{});
  }
  if (paused()) {
    // Nothing passes while this device pauses; the partner hears only that.
    if (is_hello || std::holds_alternative<SyncWant>(message)) Send(channel, SyncSharing{paused_since_ms_}, out);
    return out;
  }
  if (auto* hello = std::get_if<SyncHello>(&message)) {
    OnHello(channel, *hello, local, now_ms, out);
  } else if (auto* want = std::get_if<SyncWant>(&message)) {
    out.emplace_back(sync_effect::AnswerWant{channel, *want});
  } else if (auto* batch = std::get_if<SyncEntries>(&message)) {
    OnEntries(channel, *batch, local, now_ms, out);
  } else if (auto* push = std::get_if<SyncPush>(&message)) {
    OnPush(channel, *push, local, now_ms, out);
  }
  return out;
}

void SyncSession::OnHello(const ChannelId& channel, const SyncHello& hello, const LocalLedger& local,
                          std::uint64_t now_ms, SyncEffects& out) {
  if (hello.ledger_id != local.hello.ledger_id) {
    out.emplace_back(sync_effect::Warn{"sync.wrong_ledger", "ledger=" + ToHex(hello.ledger_id).substr(0, 16)});
    return;
  }
  if (Channel* c = Find(channel); c != nullptr && !c->hello_sent) {
    Send(channel, local.hello, out);
    c->hello_sent = true;
  }
  if (partner_index_ && *partner_index_ != hello.index_id) out.emplace_back(sync_effect::PartnerReset{});
  partner_index_ = hello.index_id;
  out.emplace_back(sync_effect::PartnerHello{hello});  // a restored device may append again once its chain is back
  for (const auto& head : hello.heads) {
    std::optional<std::uint64_t> mine = HeadOf(local, head.author);
    if (!mine) continue;  // no member of this ledger: nothing to keep or ask for
    partner_heads_[head.author] = head.seq;
    if (head.seq > *mine) Want(channel, head.author, *mine, local, now_ms, out);
  }
  CheckEnded(local, now_ms, out);
}

void SyncSession::Want(const ChannelId& channel, const crypto::PublicKey& author, std::uint64_t after_seq,
                       const LocalLedger& local, std::uint64_t now_ms, SyncEffects& out) {
  if (!IsMember(local, author)) return;
  auto it = wanting_.find(author);
  if (it != wanting_.end() && now_ms - it->second < kWantTimeoutMs) return;
  wanting_[author] = now_ms;
  Send(channel, SyncWant{author, after_seq, static_cast<std::uint16_t>(kMaxBatchEntries)}, out);
}

void SyncSession::OnEntries(const ChannelId& channel, const SyncEntries& batch, const LocalLedger& local,
                            std::uint64_t now_ms, SyncEffects& out) {
  wanting_.erase(batch.author);
  PendingStore pending{channel, batch.author, true, batch.more, std::nullopt, HeadOf(local, batch.author).value_or(0)};
  // Ask for the next batch before storing this one, so the partner reads and
  // sends it while this side verifies: two batches in flight at most.
  if (batch.more && !batch.entries.empty()) {
    if (auto last = Decode(batch.entries.back().entry); last.ok() && IsMember(local, batch.author)) {
      Want(channel, batch.author, last->seq, local, now_ms, out);
      pending.asked_after = last->seq;
    }
  }
  pending_ = std::move(pending);
  out.emplace_back(sync_effect::Store{batch.author});
}

void SyncSession::OnPush(const ChannelId& channel, const SyncPush& push, const LocalLedger& local, std::uint64_t now_ms,
                         SyncEffects& out) {
  auto entry = Decode(push.entry.entry);
  if (!entry.ok()) {
    out.emplace_back(sync_effect::Warn{"sync.bad_push", entry.error().message});
    return;
  }
  if (std::optional<std::uint64_t> mine = HeadOf(local, entry->author)) {
    std::uint64_t& theirs = partner_heads_[entry->author];
    theirs = std::max(theirs, entry->seq);
    if (entry->seq > *mine + 1) {
      Want(channel, entry->author, *mine, local, now_ms, out);  // we missed some: ask for them in order
      return;
    }
  }
  // (An entry of no member is stored all the same: the ledger refuses it and says why.)
  pending_ = PendingStore{channel, entry->author, false, false, std::nullopt, 0};
  out.emplace_back(sync_effect::Store{entry->author});
}

SyncEffects SyncSession::OnStored(const StoreOutcome& outcome, const LocalLedger& local, std::uint64_t now_ms) {
  SyncEffects out;
  if (!pending_) return out;
  const PendingStore pending = std::move(*pending_);
  pending_.reset();
  if (closed_ || paused()) return out;  // (only if told out of turn: the store follows its message at once)
  if (pending.batch) {
    last_sync_ms_ = now_ms;
    std::uint64_t behind = 0;
    if (auto known = partner_heads_.find(pending.author);
        known != partner_heads_.end() && known->second > outcome.head_seq) {
      behind = known->second - outcome.head_seq;
    }
    if (outcome.stored > 0) {
      out.emplace_back(sync_effect::Progress{pending.author, outcome.stored, outcome.head_seq, behind});
    }
    const bool progressed = outcome.head_seq > pending.before_seq;
    if (pending.asked_after && outcome.head_seq < *pending.asked_after) {
      // Part of this batch was refused, so the batch already asked for will
      // not fit: the next hello asks again from what was stored.
      wanting_.erase(pending.author);
    } else if (pending.more && progressed && !pending.asked_after) {
      Want(pending.channel, pending.author, outcome.head_seq, local, now_ms, out);
    } else if (!pending.more) {
      out.emplace_back(sync_effect::SavePeer{});
    }
  } else if (outcome.stored > 0) {
    last_sync_ms_ = now_ms;
  }
  if (outcome.stored > 0 && local.left_ms) {
    // Tell the partner at once what this device holds now, so both can end.
    SendState(pending.channel, local, out);
    CheckEnded(local, now_ms, out);
  }
  return out;
}

void SyncSession::OnStoreFailed() { pending_.reset(); }

SyncEffects SyncSession::OnLocalAppend(const SyncEntry& entry, std::uint64_t now_ms) {
  SyncEffects out;
  // Written while either side pauses, it waits for the hello after resuming.
  if (closed_ || paused() || partner_paused_since_ms_ != 0) return out;
  if (std::optional<ChannelId> channel = Primary(now_ms)) Send(*channel, SyncPush{entry}, out);
  return out;
}

SyncEffects SyncSession::OnSharingChanged(std::uint64_t paused_since_ms, const LocalLedger& local,
                                          std::uint64_t now_ms) {
  SyncEffects out;
  const bool was_paused = paused();
  paused_since_ms_ = paused_since_ms;
  if (!closed_) {
    wanting_.clear();  // what was asked before the change is asked again, or not at all
    for (const ChannelId& channel : LiveChannels(now_ms)) {
      if (was_paused && !paused()) Send(channel, SyncSharing{0}, out);
      SendState(channel, local, out);
    }
  }
  CheckEnded(local, now_ms, out);
  out.emplace_back(sync_effect::SharingChanged{});
  return out;
}

void SyncSession::OnPartnerSharing(const ChannelId& channel, const SyncSharing& sharing, const LocalLedger& local,
                                   SyncEffects& out) {
  if (sharing.paused_since_ms == partner_paused_since_ms_) return;
  partner_paused_since_ms_ = sharing.paused_since_ms;
  if (sharing.paused_since_ms == 0 && !paused()) {
    // Our heads at once, so the partner asks for what it missed meanwhile.
    wanting_.clear();
    SendState(channel, local, out);
  }
  out.emplace_back(sync_effect::SharingChanged{sharing.paused_since_ms == 0 ? "partner_resumed" : "partner_paused"});
}

void SyncSession::SendState(const ChannelId& channel, const LocalLedger& local, SyncEffects& out) {
  if (paused()) {
    Send(channel, SyncSharing{paused_since_ms_}, out);
    return;
  }
  Send(channel, local.hello, out);
  if (Channel* c = Find(channel)) c->hello_sent = true;
}

void SyncSession::Send(const ChannelId& channel, SyncMessage message, SyncEffects& out) {
  out.emplace_back(sync_effect::Send{channel, std::move(message)});
}

void SyncSession::CheckEnded(const LocalLedger& local, std::uint64_t now_ms, SyncEffects& out) {
  if (closed_ || close_at_ms_ != 0 || !local.left_ms) return;
  if (!ended_announced_) {
    ended_announced_ = true;
    out.emplace_back(sync_effect::LedgerEnded{});
    out.emplace_back(sync_effect::SharingChanged{});
  }
  // (A device cannot pause once the ledger ended; should it pause all the
  // same, nothing but the pause is said, and the link stays till it resumes.)
  if (paused()) return;
  for (const auto& head : local.hello.heads) {
    auto theirs = partner_heads_.find(head.author);
    if (theirs == partner_heads_.end() || theirs->second != head.seq) return;
  }
  // Both hold the same entries: say so once more, so the partner ends too.
  for (const ChannelId& channel : LiveChannels(now_ms)) Send(channel, local.hello, out);
  close_at_ms_ = now_ms + kCloseGraceMs;
}

void SyncSession::CloseForGood(std::uint64_t now_ms, SyncEffects& out) {
  close_at_ms_ = 0;
  const bool newly = !closed_;
  closed_ = true;
  out.emplace_back(sync_effect::CloseLink{newly});
  dialled_up_ = false;
  called_in_.clear();
  wanting_.clear();
  pending_.reset();
  CheckOnline(now_ms, out);
  if (newly) out.emplace_back(sync_effect::SharingChanged{});
}

std::optional<std::uint64_t> SyncSession::NextTimerMs() const {
  if (closed_) return std::nullopt;
  return close_at_ms_ != 0 ? std::min(close_at_ms_, next_keepalive_ms_) : next_keepalive_ms_;
}

bool SyncSession::TimerDue(std::uint64_t now_ms) const {
  return (close_at_ms_ != 0 && now_ms >= close_at_ms_) || KeepaliveDue(now_ms);
}

SyncEffects SyncSession::OnTimer(const LocalLedger* local, std::uint64_t now_ms) {
  SyncEffects out;
  if (close_at_ms_ != 0 && now_ms >= close_at_ms_) CloseForGood(now_ms, out);
  if (!KeepaliveDue(now_ms)) return out;
  next_keepalive_ms_ = now_ms + kKeepaliveMs;
  if (local != nullptr && local->left_ms && now_ms > *local->left_ms + kLeaveDeliveryMs) {
    out.emplace_back(
        sync_effect::Warn{"sync.leave_undelivered", "the partner was not reached in 30 days; closing the link"});
    CloseForGood(now_ms, out);
    return out;
  }
  std::erase_if(called_in_, [&](const auto& in) { return now_ms - in.second.last_heard_ms > kChannelForgetMs; });
  if (local != nullptr) {
    for (const ChannelId& channel : LiveChannels(now_ms)) SendState(channel, *local, out);
  }
  CheckOnline(now_ms, out);
  return out;
}

SyncEffects SyncSession::Tick(std::uint64_t now_ms) {
  SyncEffects out;
  CheckOnline(now_ms, out);
  return out;
}

bool SyncSession::Live(const Channel& channel, std::uint64_t now_ms) const {
  return now_ms - channel.last_heard_ms < kOnlineWindowMs;
}

std::vector<ChannelId> SyncSession::LiveChannels(std::uint64_t now_ms) const {
  std::vector<ChannelId> live;
  if (dialled_up_) live.push_back(DialledChannel());
  for (const auto& [routing_id, channel] : called_in_) {
    if (Live(channel, now_ms)) live.push_back(CalledInChannel(routing_id));
  }
  return live;
}

std::optional<ChannelId> SyncSession::Primary(std::uint64_t now_ms) const {
  if (dialled_up_) return DialledChannel();
  const Bytes* best = nullptr;
  std::uint64_t best_heard = 0;
  for (const auto& [routing_id, channel] : called_in_) {
    if (Live(channel, now_ms) && (best == nullptr || channel.last_heard_ms > best_heard)) {
      best = &routing_id;
      best_heard = channel.last_heard_ms;
    }
  }
  if (best == nullptr) return std::nullopt;
  return CalledInChannel(*best);
}

bool SyncSession::called_in(std::uint64_t now_ms) const {
  return std::any_of(called_in_.begin(), called_in_.end(), [&](const auto& in) { return Live(in.second, now_ms); });
}

bool SyncSession::online(std::uint64_t now_ms) const { return !closed_ && (dialled_up_ || called_in(now_ms)); }

void SyncSession::CheckOnline(std::uint64_t now_ms, SyncEffects& out) {
  const bool now_online = online(now_ms);
  if (now_online == was_online_) return;
  was_online_ = now_online;
  out.emplace_back(sync_effect::Online{now_online});
  out.emplace_back(sync_effect::SavePeer{});
}

}  // namespace kintsugi::protocol
