#include "protocol/sync_session.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

namespace kintsugi::protocol {
namespace {

using fixtures::Draft;
using fixtures::FilledHash;
using fixtures::IdentityFrom;
using fixtures::LedgerKeyFrom;
using fixtures::MustSeal;
namespace effect = sync_effect;

constexpr std::uint64_t kT0 = 1'700'000'000'000;

const crypto::SigningKey& Self() {
  static const crypto::SigningKey key = IdentityFrom(0x01);
  return key;
}
const crypto::SigningKey& Partner() {
  static const crypto::SigningKey key = IdentityFrom(0x02);
  return key;
}

IndexId IndexOf(std::uint8_t fill) {
  IndexId id;
  id.fill(fill);
  return id;
}

// This device's ledger (Draft's ledger id) with its own and the partner's heads.
LocalLedger Local(std::uint64_t mine, std::uint64_t partners, std::optional<std::uint64_t> left_ms = std::nullopt) {
  LocalLedger local;
  local.hello.ledger_id = FilledHash(0x1e);
  local.hello.index_id = IndexOf(0xa1);
  local.hello.heads = {{Self().public_key(), mine, FilledHash(0x11)},
                       {Partner().public_key(), partners, FilledHash(0x22)}};
  local.left_ms = left_ms;
  return local;
}

// The partner's hello: it holds `mine` of this device's entries and `theirs` of its own.
SyncHello PartnersHello(std::uint64_t mine, std::uint64_t theirs, std::uint8_t index = 0xb2) {
  SyncHello hello;
  hello.ledger_id = FilledHash(0x1e);
  hello.index_id = IndexOf(index);
  hello.heads = {{Self().public_key(), mine, FilledHash(0x33)}, {Partner().public_key(), theirs, FilledHash(0x44)}};
  return hello;
}

// A real entry of the partner's at `seq` (its body sealed; only its author
// and seq matter to the session).
SyncEntry PartnersEntry(std::uint64_t seq, const crypto::SigningKey& author = Partner()) {
  SealedEntry sealed = MustSeal(Draft(seq, seq == 1 ? EntryId{} : FilledHash(0x55)), author, LedgerKeyFrom(0x07));
  return SyncEntry{sealed.encoded, std::nullopt};
}

SyncEntries PartnersBatch(std::uint64_t first, std::uint64_t last, bool more) {
  SyncEntries batch;
  batch.author = Partner().public_key();
  for (std::uint64_t seq = first; seq <= last; ++seq) batch.entries.push_back(PartnersEntry(seq));
  batch.more = more;
  return batch;
}

const ChannelId kIn = CalledInChannel(Bytes{0, 1, 2, 3});
const ChannelId kOtherIn = CalledInChannel(Bytes{0, 9, 9, 9});
const ChannelId kOut = DialledChannel();

template <class T>
std::vector<T> All(const SyncEffects& effects) {
  std::vector<T> out;
  for (const SyncEffect& e : effects) {
    if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
  }
  return out;
}

template <class T>
bool Has(const SyncEffects& effects) {
  return !All<T>(effects).empty();
}

// The messages of type M sent, with their channels.
template <class M>
std::vector<std::pair<ChannelId, M>> Sent(const SyncEffects& effects) {
  std::vector<std::pair<ChannelId, M>> out;
  for (const effect::Send& send : All<effect::Send>(effects)) {
    if (const M* m = std::get_if<M>(&send.message)) out.emplace_back(send.channel, *m);
  }
  return out;
}

// A session whose dialled channel is up, whose partner said hello once, and
// whose keepalive ran.
SyncSession Linked(const LocalLedger& local, const SyncHello& hello = PartnersHello(0, 0)) {
  SyncSession session;
  (void)session.Start(0, false, kT0);
  (void)session.OnDialledUp(&local, kT0);
  (void)session.OnMessage(kOut, hello, local, kT0);
  (void)session.OnTimer(&local, kT0);  // the next keepalive at kT0 + kKeepaliveMs
  return session;
}

TEST(SyncSession, AChannelThatComesUpGetsThisDevicesHelloAndThePartnerIsOnline) {
  SyncSession session;
  EXPECT_TRUE(session.Start(0, false, kT0).empty());
  EXPECT_FALSE(session.online(kT0));
  const LocalLedger local = Local(3, 2);
  SyncEffects up = session.OnDialledUp(&local, kT0);
  auto hellos = Sent<SyncHello>(up);
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_EQ(hellos[0].first, kOut);
  EXPECT_EQ(hellos[0].second, local.hello);
  ASSERT_EQ(All<effect::Online>(up).size(), 1u);
  EXPECT_TRUE(All<effect::Online>(up)[0].online);
  EXPECT_TRUE(Has<effect::SavePeer>(up));
  EXPECT_TRUE(session.online(kT0 + kOnlineWindowMs * 10));  // the dialled channel is up until it goes down
  SyncEffects down = session.OnDialledDown(kT0 + 1);
  ASSERT_EQ(All<effect::Online>(down).size(), 1u);
  EXPECT_FALSE(All<effect::Online>(down)[0].online);
  EXPECT_FALSE(session.online(kT0 + 1));
}

TEST(SyncSession, APartnersHelloIsAnsweredOnceAndAsksForWhatThisDeviceLacks) {
  SyncSession session;
  (void)session.Start(0, false, kT0);
  const LocalLedger local = Local(3, 2);
  SyncEffects first = session.OnMessage(kIn, PartnersHello(3, 40), local, kT0);
  auto hellos = Sent<SyncHello>(first);
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_EQ(hellos[0].first, kIn);
  auto wants = Sent<SyncWant>(first);
  ASSERT_EQ(wants.size(), 1u);
  EXPECT_EQ(wants[0].first, kIn);
  EXPECT_EQ(wants[0].second.author, Partner().public_key());
  EXPECT_EQ(wants[0].second.after_seq, 2u);
  EXPECT_EQ(wants[0].second.max_count, kMaxBatchEntries);
  ASSERT_EQ(All<effect::PartnerHello>(first).size(), 1u);
  EXPECT_EQ(All<effect::PartnerHello>(first)[0].hello, PartnersHello(3, 40));
  EXPECT_TRUE(session.online(kT0));
  EXPECT_EQ(session.last_seen_ms(), kT0);
  EXPECT_EQ(session.partner_heads().at(Partner().public_key()), 40u);

  // The keepalive's hello a moment later: not answered again, and the want in flight is not sent twice.
  SyncEffects again = session.OnMessage(kIn, PartnersHello(3, 40), local, kT0 + kKeepaliveMs);
  EXPECT_TRUE(Sent<SyncHello>(again).empty());
  EXPECT_TRUE(Sent<SyncWant>(again).empty());
  // Unanswered for kWantTimeoutMs, it is asked again.
  SyncEffects late = session.OnMessage(kIn, PartnersHello(3, 40), local, kT0 + kWantTimeoutMs);
  EXPECT_EQ(Sent<SyncWant>(late).size(), 1u);
}

TEST(SyncSession, ANewConnectionAsksAgainAtOnceForWhatTheOldOneWasAsked) {
  const LocalLedger local = Local(3, 2);
  SyncSession session = Linked(local, PartnersHello(3, 40));
  ASSERT_EQ(session.wanting().size(), 1u);
  // The partner restarted and called in: the old connection's answers are lost.
  SyncEffects in = session.OnMessage(kIn, PartnersHello(3, 40), local, kT0 + 1);
  EXPECT_EQ(Sent<SyncWant>(in).size(), 1u);
  // The dialled connection went down and came up again: the same.
  (void)session.OnDialledDown(kT0 + 2);
  EXPECT_TRUE(session.wanting().empty());
  (void)session.OnDialledUp(&local, kT0 + 3);
  EXPECT_EQ(Sent<SyncWant>(session.OnMessage(kOut, PartnersHello(3, 40), local, kT0 + 4)).size(), 1u);
}

TEST(SyncSession, APartnersWantIsAnsweredFromTheLedger) {
  const LocalLedger local = Local(300, 0);
  SyncSession session = Linked(local);
  const SyncWant want{Self().public_key(), 256, 256};
  SyncEffects effects = session.OnMessage(kOut, want, local, kT0 + 1);
  auto answers = All<effect::AnswerWant>(effects);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].channel, kOut);
  EXPECT_EQ(answers[0].want, want);
}

TEST(SyncSession, ABatchAsksForTheNextBeforeItIsStoredAndSaysHowFarBehindThisDeviceStill) {
  const LocalLedger before = Local(3, 2);
  SyncSession session = Linked(before, PartnersHello(3, 40));
  SyncEffects effects = session.OnMessage(kOut, PartnersBatch(3, 10, /*more=*/true), before, kT0 + 10);
  ASSERT_EQ(effects.size(), 2u);
  auto* want = std::get_if<effect::Send>(&effects[0]);
  ASSERT_NE(want, nullptr);
  EXPECT_EQ(std::get<SyncWant>(want->message).after_seq, 10u);  // the next batch, asked for first
  auto* store = std::get_if<effect::Store>(&effects[1]);
  ASSERT_NE(store, nullptr);  // then this one stored, last
  EXPECT_EQ(store->author, Partner().public_key());

  SyncEffects stored = session.OnStored({8, 10}, Local(3, 10), kT0 + 20);
  auto progress = All<effect::Progress>(stored);
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0].author, Partner().public_key());
  EXPECT_EQ(progress[0].stored, 8u);
  EXPECT_EQ(progress[0].head_seq, 10u);
  EXPECT_EQ(progress[0].behind, 30u);
  EXPECT_TRUE(Sent<SyncWant>(stored).empty());  // already asked
  EXPECT_EQ(session.last_sync_ms(), kT0 + 20);

  // The last batch: nothing more to ask, and the peer record is worth keeping.
  (void)session.OnMessage(kOut, PartnersBatch(11, 40, /*more=*/false), Local(3, 10), kT0 + 30);
  SyncEffects last = session.OnStored({30, 40}, Local(3, 40), kT0 + 40);
  EXPECT_EQ(All<effect::Progress>(last).at(0).behind, 0u);
  EXPECT_TRUE(Has<effect::SavePeer>(last));
  EXPECT_TRUE(session.wanting().empty());
}

TEST(SyncSession, ABatchPartlyRefusedForgetsTheWantAlreadySentSoTheNextHelloAsksAgain) {
  const LocalLedger before = Local(3, 2);
  SyncSession session = Linked(before, PartnersHello(3, 40));
  (void)session.OnMessage(kOut, PartnersBatch(3, 10, true), before, kT0 + 10);
  ASSERT_EQ(session.wanting().size(), 1u);
  SyncEffects stored = session.OnStored({2, 4}, Local(3, 4), kT0 + 20);  // entries 5.. refused
  EXPECT_TRUE(session.wanting().empty());
  EXPECT_TRUE(Sent<SyncWant>(stored).empty());
  auto wants = Sent<SyncWant>(session.OnMessage(kOut, PartnersHello(3, 40), Local(3, 4), kT0 + 30));
  ASSERT_EQ(wants.size(), 1u);
  EXPECT_EQ(wants[0].second.after_seq, 4u);
}

TEST(SyncSession, ABatchThatSaysMoreButCouldNotBeAskedAheadIsFollowedOnceStored) {
  const LocalLedger before = Local(3, 2);
  SyncSession session = Linked(before, PartnersHello(3, 40));
  SyncEntries batch = PartnersBatch(3, 4, true);
  batch.entries.back().entry = Bytes{1, 2, 3};  // its last entry does not decode: the next cannot be asked yet
  SyncEffects effects = session.OnMessage(kOut, batch, before, kT0 + 10);
  EXPECT_TRUE(Sent<SyncWant>(effects).empty());
  ASSERT_TRUE(Has<effect::Store>(effects));
  auto wants = Sent<SyncWant>(session.OnStored({1, 3}, Local(3, 3), kT0 + 20));
  ASSERT_EQ(wants.size(), 1u);
  EXPECT_EQ(wants[0].second.after_seq, 3u);
}

TEST(SyncSession, APushThatFollowsIsStoredAndAGapIsAskedForInstead) {
  const LocalLedger local = Local(3, 5);
  SyncSession session = Linked(local, PartnersHello(3, 5));
  SyncEffects next = session.OnMessage(kOut, SyncPush{PartnersEntry(6)}, local, kT0 + 10);
  ASSERT_EQ(All<effect::Store>(next).size(), 1u);
  EXPECT_TRUE(Sent<SyncWant>(next).empty());
  SyncEffects stored = session.OnStored({1, 6}, Local(3, 6), kT0 + 11);
  EXPECT_TRUE(All<effect::Progress>(stored).empty());  // a push is an event of its own (entry.appended)
  EXPECT_EQ(session.last_sync_ms(), kT0 + 11);

  SyncEffects gap = session.OnMessage(kOut, SyncPush{PartnersEntry(9)}, Local(3, 6), kT0 + 20);
  EXPECT_FALSE(Has<effect::Store>(gap));
  auto wants = Sent<SyncWant>(gap);
  ASSERT_EQ(wants.size(), 1u);
  EXPECT_EQ(wants[0].second.after_seq, 6u);
  EXPECT_EQ(session.partner_heads().at(Partner().public_key()), 9u);
}

TEST(SyncSession, WhatTheRulesRefuseIsSaidAndChangesNothing) {
  const LocalLedger local = Local(3, 5);
  SyncSession session = Linked(local, PartnersHello(3, 5));
  SyncEffects bad_push = session.OnMessage(kOut, SyncPush{SyncEntry{Bytes{9, 9}, std::nullopt}}, local, kT0 + 1);
  ASSERT_EQ(bad_push.size(), 1u);
  EXPECT_EQ(std::get<effect::Warn>(bad_push[0]).event, "sync.bad_push");

  SyncHello stranger = PartnersHello(3, 99);
  stranger.ledger_id = FilledHash(0x77);
  SyncEffects wrong = session.OnMessage(kOut, stranger, local, kT0 + 2);
  ASSERT_EQ(wrong.size(), 1u);
  EXPECT_EQ(std::get<effect::Warn>(wrong[0]).event, "sync.wrong_ledger");
  EXPECT_EQ(session.partner_heads().at(Partner().public_key()), 5u);

  // Stored entries that moved nothing (all refused) ask for nothing more.
  (void)session.OnMessage(kOut, PartnersBatch(6, 6, false), local, kT0 + 3);
  SyncEffects none = session.OnStored({0, 5}, local, kT0 + 4);
  EXPECT_FALSE(Has<effect::Progress>(none));
  EXPECT_TRUE(Sent<SyncWant>(none).empty());
}

TEST(SyncSession, APartnerWhoseIndexChangedWasResetOrRestored) {
  const LocalLedger local = Local(3, 5);
  SyncSession session = Linked(local, PartnersHello(3, 5, 0xb2));
  EXPECT_FALSE(Has<effect::PartnerReset>(session.OnMessage(kOut, PartnersHello(3, 5, 0xb2), local, kT0 + 1)));
  SyncEffects reset = session.OnMessage(kOut, PartnersHello(0, 5, 0xc3), local, kT0 + 2);
  EXPECT_TRUE(Has<effect::PartnerReset>(reset));
}

TEST(SyncSession, AStoreThatFailedIsForgottenAndAskedAgainByTheNextHello) {
  const LocalLedger local = Local(3, 2);
  SyncSession session = Linked(local, PartnersHello(3, 40));
  (void)session.OnMessage(kOut, PartnersBatch(3, 10, false), local, kT0 + 10);
  session.OnStoreFailed();
  EXPECT_TRUE(session.OnStored({8, 10}, Local(3, 10), kT0 + 11).empty());
  EXPECT_EQ(Sent<SyncWant>(session.OnMessage(kOut, PartnersHello(3, 40), local, kT0 + 12)).size(), 1u);
}

TEST(SyncSession, ALocalEntryIsPushedOnTheDialledChannelElseOnTheOneHeardLast) {
  const SyncEntry entry{Bytes{1, 2, 3}, std::nullopt};
  SyncSession session;
  (void)session.Start(0, false, kT0);
  EXPECT_TRUE(session.OnLocalAppend(entry, kT0).empty());  // no one there: the next hello tells
  const LocalLedger local = Local(3, 2);
  (void)session.OnMessage(kIn, PartnersHello(3, 2), local, kT0);
  (void)session.OnMessage(kOtherIn, PartnersHello(3, 2), local, kT0 + 5);
  auto pushes = Sent<SyncPush>(session.OnLocalAppend(entry, kT0 + 6));
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].first, kOtherIn);
  EXPECT_EQ(pushes[0].second.entry, entry);
  (void)session.OnDialledUp(&local, kT0 + 7);
  pushes = Sent<SyncPush>(session.OnLocalAppend(entry, kT0 + 8));
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].first, kOut);
}

TEST(SyncSession, WhileThisDevicePausesOnlyTheSharingMessagePasses) {
  const LocalLedger local = Local(3, 2);
  SyncSession session;
  (void)session.Start(/*paused_since_ms=*/kT0 - 1000, false, kT0);
  EXPECT_TRUE(session.paused());
  auto up = Sent<SyncSharing>(session.OnDialledUp(&local, kT0));
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].second.paused_since_ms, kT0 - 1000);
  for (const SyncMessage& message :
       std::vector<SyncMessage>{PartnersHello(3, 40), SyncWant{Self().public_key(), 0, 1}}) {
    SyncEffects effects = session.OnMessage(kOut, message, local, kT0 + 1);
    ASSERT_EQ(effects.size(), 1u);
    EXPECT_EQ(std::get<SyncSharing>(std::get<effect::Send>(effects[0]).message).paused_since_ms, kT0 - 1000);
  }
  EXPECT_TRUE(session.OnMessage(kOut, PartnersBatch(3, 4, false), local, kT0 + 2).empty());
  EXPECT_TRUE(session.OnMessage(kOut, SyncPush{PartnersEntry(3)}, local, kT0 + 3).empty());
  EXPECT_TRUE(session.OnLocalAppend(SyncEntry{Bytes{1}, std::nullopt}, kT0 + 4).empty());
  auto keepalive = All<effect::Send>(session.OnTimer(&local, kT0 + kKeepaliveMs));
  ASSERT_EQ(keepalive.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<SyncSharing>(keepalive[0].message));

  // Resuming says so, then hello, and the clients hear of it.
  SyncEffects resumed = session.OnSharingChanged(0, local, kT0 + kKeepaliveMs + 1);
  ASSERT_GE(resumed.size(), 3u);
  EXPECT_EQ(std::get<SyncSharing>(std::get<effect::Send>(resumed[0]).message).paused_since_ms, 0u);
  EXPECT_TRUE(std::holds_alternative<SyncHello>(std::get<effect::Send>(resumed[1]).message));
  EXPECT_TRUE(Has<effect::SharingChanged>(resumed));
  EXPECT_FALSE(session.paused());
}

// Found by sync_session_fuzz: told out of turn, the session still says
// nothing but the pause while paused.
TEST(SyncSession, WhilePausedAStoreToldLateAndAnEndedLedgerSayNothingButThePause) {
  SyncSession session = Linked(Local(3, 2), PartnersHello(3, 40));
  (void)session.OnMessage(kOut, PartnersBatch(3, 10, true), Local(3, 2), kT0 + 1);
  SyncEffects paused = session.OnSharingChanged(kT0 + 2, Local(3, 2), kT0 + 2);
  for (const effect::Send& send : All<effect::Send>(paused)) {
    EXPECT_TRUE(std::holds_alternative<SyncSharing>(send.message));
  }
  EXPECT_TRUE(session.OnStored({8, 10}, Local(3, 10), kT0 + 3).empty());
  // The ledger ended and both hold the same: no last hello while paused.
  const LocalLedger ended = Local(3, 40, kT0);
  EXPECT_TRUE(Sent<SyncHello>(session.OnSharingChanged(kT0 + 2, ended, kT0 + 4)).empty());
  EXPECT_EQ(session.NextTimerMs(), kT0 + kKeepaliveMs);  // and no close
}

TEST(SyncSession, ThePartnersPauseHoldsBackPushesAndItsResumeSendsThisDevicesHeads) {
  const LocalLedger local = Local(3, 2);
  SyncSession session = Linked(local);
  SyncEffects paused = session.OnMessage(kOut, SyncSharing{kT0 - 5}, local, kT0 + 1);
  ASSERT_EQ(All<effect::SharingChanged>(paused).size(), 1u);
  EXPECT_EQ(All<effect::SharingChanged>(paused)[0].log, "partner_paused");
  EXPECT_EQ(session.partner_paused_since_ms(), kT0 - 5);
  EXPECT_TRUE(session.OnMessage(kOut, SyncSharing{kT0 - 5}, local, kT0 + 2).size() == 0);  // said once
  EXPECT_TRUE(session.OnLocalAppend(SyncEntry{Bytes{1}, std::nullopt}, kT0 + 3).empty());

  SyncEffects resumed = session.OnMessage(kOut, SyncSharing{0}, local, kT0 + 4);
  EXPECT_EQ(Sent<SyncHello>(resumed).size(), 1u);
  EXPECT_EQ(All<effect::SharingChanged>(resumed).at(0).log, "partner_resumed");
  EXPECT_EQ(session.partner_paused_since_ms(), 0u);

  // A hello, too, says the partner shares again.
  (void)session.OnMessage(kOut, SyncSharing{kT0 + 5}, local, kT0 + 5);
  EXPECT_TRUE(Has<effect::SharingChanged>(session.OnMessage(kOut, PartnersHello(3, 2), local, kT0 + 6)));
  EXPECT_EQ(session.partner_paused_since_ms(), 0u);
}

TEST(SyncSession, TheKeepaliveSaysHelloOnEveryLiveChannelAndForgetsSilentOnes) {
  const LocalLedger local = Local(3, 2);
  SyncSession session;
  (void)session.Start(0, false, kT0);
  ASSERT_EQ(session.NextTimerMs(), 0u);  // due at once
  EXPECT_TRUE(session.TimerDue(kT0));
  (void)session.OnTimer(&local, kT0);
  EXPECT_EQ(session.NextTimerMs(), kT0 + kKeepaliveMs);
  EXPECT_FALSE(session.TimerDue(kT0 + kKeepaliveMs - 1));

  (void)session.OnMessage(kIn, PartnersHello(3, 2), local, kT0 + 1);
  (void)session.OnMessage(kOtherIn, PartnersHello(3, 2), local, kT0 + kKeepaliveMs);
  auto hellos = Sent<SyncHello>(session.OnTimer(&local, kT0 + kKeepaliveMs));
  ASSERT_EQ(hellos.size(), 2u);

  // kIn is silent from now on, kOtherIn speaks each keepalive.
  std::uint64_t t = kT0 + kKeepaliveMs;
  for (int i = 0; i < 3; ++i) {
    t += kKeepaliveMs;
    (void)session.OnMessage(kOtherIn, PartnersHello(3, 2), local, t);
    (void)session.OnTimer(&local, t);
  }
  hellos = Sent<SyncHello>(session.OnTimer(&local, t + kKeepaliveMs));
  ASSERT_EQ(hellos.size(), 1u);  // kIn is no longer live
  EXPECT_EQ(hellos[0].first, kOtherIn);
  EXPECT_EQ(session.channels(), 2u);  // but remembered a while
  t += kChannelForgetMs;
  (void)session.OnMessage(kOtherIn, PartnersHello(3, 2), local, t);
  (void)session.OnTimer(&local, t);
  EXPECT_EQ(session.channels(), 1u);

  // The ledger unreadable: the time is kept, nothing is sent.
  SyncEffects blind = session.OnTimer(nullptr, t + kKeepaliveMs);
  EXPECT_TRUE(Sent<SyncHello>(blind).empty());
  EXPECT_EQ(session.NextTimerMs(), t + 2 * kKeepaliveMs);
}

TEST(SyncSession, ThePartnerGoesOfflineWhenNotHeardWithinTheWindow) {
  const LocalLedger local = Local(3, 2);
  SyncSession session;
  (void)session.Start(0, false, kT0);
  SyncEffects heard = session.OnHeard(kIn, kT0);  // a malformed frame: still the partner
  ASSERT_EQ(All<effect::Online>(heard).size(), 1u);
  EXPECT_TRUE(All<effect::Online>(heard)[0].online);
  EXPECT_TRUE(session.Tick(kT0 + kOnlineWindowMs - 1).empty());
  SyncEffects gone = session.Tick(kT0 + kOnlineWindowMs);
  ASSERT_EQ(All<effect::Online>(gone).size(), 1u);
  EXPECT_FALSE(All<effect::Online>(gone)[0].online);
  EXPECT_TRUE(Has<effect::SavePeer>(gone));
  EXPECT_TRUE(session.Tick(kT0 + kOnlineWindowMs + 1).empty());  // said once
}

TEST(SyncSession, AfterALeaveTheLinkClosesForGoodOnceBothHoldTheSame) {
  const std::uint64_t left = kT0 - 1000;
  const LocalLedger ended_here = Local(4, 2, left);
  SyncSession session = Linked(Local(3, 2));
  // The leave is written here (this device's seq 4): the ledger has ended; the partner holds 3 of ours.
  SyncEffects ended = session.OnSharingChanged(0, Local(4, 2, left), kT0 + 1);
  EXPECT_TRUE(Has<effect::LedgerEnded>(ended));
  EXPECT_EQ(session.NextTimerMs(), kT0 + kKeepaliveMs);  // not closing yet
  // The partner now holds it too.
  SyncEffects same = session.OnMessage(kOut, PartnersHello(4, 2), Local(4, 2, left), kT0 + 2);
  EXPECT_FALSE(Has<effect::LedgerEnded>(same));  // said once
  auto last = Sent<SyncHello>(same);
  ASSERT_EQ(last.size(), 1u);  // the last hello, so the partner ends too
  EXPECT_EQ(session.NextTimerMs(), kT0 + 2 + kCloseGraceMs);
  EXPECT_FALSE(session.TimerDue(kT0 + 2 + kCloseGraceMs - 1));

  SyncEffects closed = session.OnTimer(&ended_here, kT0 + 2 + kCloseGraceMs);
  ASSERT_EQ(All<effect::CloseLink>(closed).size(), 1u);
  EXPECT_TRUE(All<effect::CloseLink>(closed)[0].newly);
  ASSERT_EQ(All<effect::Online>(closed).size(), 1u);
  EXPECT_FALSE(All<effect::Online>(closed)[0].online);
  EXPECT_TRUE(Has<effect::SharingChanged>(closed));
  EXPECT_TRUE(session.closed());
  EXPECT_FALSE(session.NextTimerMs().has_value());
  // Nothing passes any more.
  EXPECT_TRUE(session.OnMessage(kOut, PartnersHello(4, 9), Local(4, 2, left), kT0 + 10'000).empty());
  EXPECT_TRUE(session.OnLocalAppend(SyncEntry{Bytes{1}, std::nullopt}, kT0 + 10'001).empty());
  EXPECT_TRUE(session.OnDialledUp(&ended_here, kT0 + 10'002).empty());
  EXPECT_FALSE(session.online(kT0 + 10'003));
}

TEST(SyncSession, AStoredBatchThatCompletesTheEndSaysSoAtOnce) {
  const std::uint64_t left = kT0 - 1000;
  SyncSession session = Linked(Local(4, 2, left), PartnersHello(4, 3));
  // The partner's last entry (its seq 3) comes: now both hold 4 and 3.
  (void)session.OnMessage(kOut, PartnersBatch(3, 3, false), Local(4, 2, left), kT0 + 1);
  SyncEffects stored = session.OnStored({1, 3}, Local(4, 3, left), kT0 + 2);
  EXPECT_GE(Sent<SyncHello>(stored).size(), 1u);
  EXPECT_EQ(session.NextTimerMs(), kT0 + 2 + kCloseGraceMs);
}

TEST(SyncSession, ALeaveNeverDeliveredClosesTheLinkAfterThirtyDays) {
  const std::uint64_t left = kT0;
  SyncSession session;
  (void)session.Start(0, false, kT0);
  const LocalLedger local = Local(4, 2, left);
  (void)session.OnTimer(&local, kT0);
  EXPECT_FALSE(Has<effect::CloseLink>(session.OnTimer(&local, left + kLeaveDeliveryMs)));
  SyncEffects given_up = session.OnTimer(&local, left + kLeaveDeliveryMs + kKeepaliveMs);
  ASSERT_TRUE(Has<effect::Warn>(given_up));
  EXPECT_EQ(All<effect::Warn>(given_up)[0].event, "sync.leave_undelivered");
  EXPECT_TRUE(Has<effect::CloseLink>(given_up));
  EXPECT_TRUE(session.closed());
}

TEST(SyncSession, ALinkClosedBeforeThisStartClosesAgainAndSendsNothing) {
  SyncSession session;
  SyncEffects start = session.Start(0, /*link_closed=*/true, kT0);
  ASSERT_EQ(All<effect::CloseLink>(start).size(), 1u);
  EXPECT_TRUE(session.closed());
  const LocalLedger local = Local(3, 2);
  EXPECT_TRUE(session.OnMessage(kIn, PartnersHello(3, 40), local, kT0).empty());
  EXPECT_TRUE(session.OnHeard(kIn, kT0).empty());
  EXPECT_FALSE(session.TimerDue(kT0 + kKeepaliveMs));
}

TEST(SyncSession, ResetForgetsEverythingHeardAndSaysThePartnerIsGone) {
  const LocalLedger local = Local(3, 2);
  SyncSession session = Linked(local, PartnersHello(3, 40));
  (void)session.OnMessage(kOut, SyncSharing{kT0}, local, kT0 + 1);
  SyncEffects reset = session.Reset(kT0 + 2);
  ASSERT_EQ(reset.size(), 1u);  // peer.down, not saved: the peer record is the restored one's
  EXPECT_FALSE(std::get<effect::Online>(reset[0]).online);
  EXPECT_FALSE(session.online(kT0 + 2));
  EXPECT_TRUE(session.partner_heads().empty());
  EXPECT_TRUE(session.wanting().empty());
  EXPECT_EQ(session.partner_paused_since_ms(), 0u);
  EXPECT_EQ(session.last_seen_ms(), 0u);
}

// The partner may be the adversary: whatever authors, seqs and connections
// it names, the session keeps state for the ledger's two members and a
// bounded number of channels.
TEST(SyncSession, APartnerNamingStrangersAndManyConnectionsGrowsNothing) {
  const LocalLedger local = Local(3, 2);
  SyncSession session = Linked(local);
  for (int i = 0; i < 200; ++i) {
    SyncHello hello = PartnersHello(3, 2);
    hello.heads.clear();
    for (std::size_t h = 0; h < kMaxHeads; ++h) {
      hello.heads.push_back({FilledHash(static_cast<std::uint8_t>(i + h)), 1'000'000, FilledHash(0)});
    }
    SyncEffects effects = session.OnMessage(kOut, hello, local, kT0 + 1 + i);
    EXPECT_TRUE(Sent<SyncWant>(effects).empty());
  }
  const crypto::SigningKey stranger = IdentityFrom(0x99);
  SyncEffects stranger_push = session.OnMessage(kOut, SyncPush{PartnersEntry(500, stranger)}, local, kT0 + 300);
  EXPECT_TRUE(Sent<SyncWant>(stranger_push).empty());
  EXPECT_TRUE(Has<effect::Store>(stranger_push));  // the ledger refuses it, and says why
  (void)session.OnStored({0, 0}, local, kT0 + 301);
  SyncEntries stranger_batch;
  stranger_batch.author = stranger.public_key();
  stranger_batch.entries = {PartnersEntry(7, stranger)};
  stranger_batch.more = true;
  EXPECT_TRUE(Sent<SyncWant>(session.OnMessage(kOut, stranger_batch, local, kT0 + 302)).empty());
  (void)session.OnStored({0, 0}, local, kT0 + 303);
  EXPECT_LE(session.partner_heads().size(), 2u);
  EXPECT_TRUE(session.wanting().empty());

  for (std::uint32_t i = 0; i < 1000; ++i) {
    Bytes routing_id{0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 7};
    (void)session.OnHeard(CalledInChannel(routing_id), kT0 + 400 + i);
  }
  EXPECT_LE(session.channels(), kMaxSyncChannels + 1);  // the called-in ones and the dialled one
  EXPECT_TRUE(session.online(kT0 + 1400));
}

}  // namespace
}  // namespace kintsugi::protocol
