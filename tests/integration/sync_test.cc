// Pairing and sync between two real daemons on loopback, each with its own
// data dir, driven by kintsugictl and, where a hostile or careless client is
// needed, by raw ZeroMQ sockets.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include <cerrno>
#include <cstring>
#include <set>

#include "client/client.h"
#include "crypto/random.h"
#include "daemon/clock.h"
#include "daemon/engine.h"
#include "daemon/store/store.h"
#include "protocol/kinds.h"
#include "protocol/invite.h"
#include "protocol/pairing.h"
#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

using nlohmann::json;

class Partner : public LoopbackPartner {
 public:
  using LoopbackPartner::LoopbackPartner;
};

class Sync : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(a_.Start()) << a_.daemon().Log();
    ASSERT_TRUE(b_.Start()) << b_.daemon().Log();
    ASSERT_EQ(a_.Ctl({"init", "--name", "Alex"}).exit_code, 0);
    ASSERT_EQ(b_.Ctl({"init", "--name", "Sam"}).exit_code, 0);
  }
  std::string Invite() {
    json invite = a_.Json({"pair", "invite", "--json"});
    return invite.value("code", "");
  }
  void Pair() {
    std::string code = Invite();
    auto joined = b_.Ctl({"pair", "join", code, "--address", a_.address(), "--json"});
    ASSERT_EQ(joined.exit_code, 0) << joined.err << b_.daemon().Log();
  }
  bool Converged() {
    auto ids_a = a_.Ids();
    return !ids_a.empty() && ids_a == b_.Ids();
  }

  PrivateRuntimeDir runtime_;
  TempDir dir_;
  Partner a_{dir_, "alex"};
  Partner b_{dir_, "sam"};
};

TEST_F(Sync, PairedPartnersSeeTheSameSafetyNumberAndOneLedger) {
  ASSERT_EQ(b_.Ctl({"checkin", "--note", "written before pairing"}).exit_code, 0);
  Pair();
  json sa = a_.Json({"pair", "status", "--json"});
  json sb = b_.Json({"pair", "status", "--json"});
  EXPECT_TRUE(sa["paired"].get<bool>());
  EXPECT_EQ(sa["safety_number"], sb["safety_number"]);
  EXPECT_EQ(sa["safety_number"].get<std::string>().size(), 12u * 5 + 11);
  EXPECT_EQ(sa["ledger"], sb["ledger"]);
  EXPECT_EQ(sa["partner"], b_.Json({"status", "--json"})["author"]);
  EXPECT_FALSE(sa["confirmed"].get<bool>());
  EXPECT_EQ(a_.Ctl({"pair", "confirm"}).exit_code, 0);
  EXPECT_TRUE(a_.Json({"pair", "status", "--json"})["confirmed"].get<bool>());
  // Sam's solo check-in stays on Sam's device, private, and is not dropped.
  EXPECT_EQ(sb["private_entries"], 1);
  EXPECT_EQ(sa["private_entries"], 0) << "Alex wrote nothing alone: the introduction is not counted";
  ASSERT_TRUE(WaitFor([&] { return Converged(); }));
  json log = json::parse(a_.Ctl({"log", "--json"}).out);
  for (const auto& e : log["entries"]) {
    EXPECT_NE(e["body"].value("note", ""), "written before pairing");
  }
  EXPECT_EQ(b_.Ctl({"verify"}).exit_code, 0);
  // status says who, in words, not a key.
  ASSERT_TRUE(WaitFor([&] { return a_.Json({"status", "--json"}).contains("partner_name"); }));
  const std::string partner = a_.Json({"status", "--json"})["partner_name"];
  EXPECT_FALSE(partner.empty());
  EXPECT_NE(a_.Ctl({"status"}).out.find("paired    with " + partner + "\n"), std::string::npos)
      << a_.Ctl({"status"}).out;
}

// kintsugictl, on two daemons: Alex asks to talk, Sam answers with
// `talk-answer` (by an id prefix), and Alex's `together` says so in words.
TEST_F(Sync, ATalkRequestIsAnsweredFromTheCommandLineAndTheAskerReadsTheAnswer) {
  Pair();
  ASSERT_EQ(a_.Ctl({"talk", "the holidays"}).exit_code, 0);
  std::string talk;
  ASSERT_TRUE(WaitFor([&] {
    json pending = b_.Json({"pending", "--json"});
    if (!pending.contains("talks") || pending["talks"].empty()) return false;
    talk = pending["talks"][0].value("id", "");
    return true;
  }, std::chrono::seconds(20)));
  auto own = a_.Ctl({"talk-answer", talk.substr(0, 8), "tonight"});
  EXPECT_NE(own.exit_code, 0) << "Alex answered her own request";
  auto wrong = b_.Ctl({"talk-answer", talk.substr(0, 8), "maybe"});
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("answer must be one of: tonight, at_meeting, not_yet"), std::string::npos) << wrong.err;
  auto answered = b_.Ctl({"talk-answer", talk.substr(0, 8), "at_meeting", "--note", "on Sunday"});
  ASSERT_EQ(answered.exit_code, 0) << answered.err;
  EXPECT_TRUE(b_.Json({"pending", "--json"})["talks"].empty()) << "answered, it awaits nothing more";
  ASSERT_TRUE(WaitFor([&] {
    return a_.Ctl({"together"}).out.find("Sam answered: At our weekly meeting (on Sunday)") != std::string::npos;
  }, std::chrono::seconds(20)))
      << a_.Ctl({"together"}).out;
}

// A partner's words cannot take over the other's terminal: Alex's note holds
// escape sequences (clear the screen, move the cursor) and a bidi override;
// Sam's timeline, log and together show them as visible characters, and only
// --json gives the words exactly. Alex's daemon refuses control characters
// from a person, so a hostile Alex writes them past it, with his own keys, as
// a modified build would.
TEST_F(Sync, APartnersEscapeSequencesAreShownNotObeyedByTheCommandLine) {
  Pair();
  const std::string note = "fine\x1b[2J\x1b[1;1H2026-01-01 Sam kept every promise\u202e";
  const std::string topic = "money\x1b]0;owned\x07";
  auto refused = a_.Ctl({"checkin", "--note", note});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("note must not hold control characters"), std::string::npos) << refused.err;
  a_.Stop(SIGTERM);
  {
    daemon::SystemClock clock;
    crypto::SystemRandom rng;
    auto store = daemon::Store::Open(a_.data() + "/ledger.db", daemon::Store::Durability::kFull);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto engine = daemon::Engine::Open(std::move(store).value(), a_.data() + "/identity.key", clock, rng);
    ASSERT_TRUE(engine.ok()) << engine.error().message;
    ASSERT_TRUE((*engine)->Append(protocol::CheckIn{note, std::nullopt, std::nullopt}).ok());
    auto talk = (*engine)->AppendKind(
        protocol::Body{protocol::Kind::kTalkRequest, json{{"kind", "talk.request"}, {"topic", topic}}});
    ASSERT_TRUE(talk.ok()) << talk.error().message;
  }
  ASSERT_TRUE(a_.Start()) << a_.Log();
  ASSERT_TRUE(WaitFor([&] { return b_.Ctl({"timeline"}).out.find("money") != std::string::npos; },
                      std::chrono::seconds(20)))
      << b_.Ctl({"timeline"}).out;
  for (const char* command : {"timeline", "log", "together"}) {
    const std::string out = b_.Ctl({command}).out;
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << command << ": " << out;
    EXPECT_EQ(out.find('\x07'), std::string::npos) << command << ": " << out;
    EXPECT_EQ(out.find("\u202e"), std::string::npos) << command << ": " << out;
    const bool shows_topic = std::string(command) != "log";  // log names a talk request's kind only
    if (shows_topic) {
      EXPECT_NE(out.find("money\u241b]0;owned\u2407"), std::string::npos) << command << ": " << out;
    }
  }
  for (const char* command : {"timeline", "log"}) {
    EXPECT_NE(b_.Ctl({command}).out.find("fine\u241b[2J\u241b[1;1H2026-01-01 Sam kept every promise<U+202E>"),
              std::string::npos)
        << b_.Ctl({command}).out;
  }
  const json exact = b_.Json({"timeline", "--kind", "checkin", "--json"});
  ASSERT_FALSE(exact.value("entries", json::array()).empty());
  EXPECT_EQ(exact["entries"][0]["body"]["note"], note);
}

TEST_F(Sync, EntriesWrittenBeforePairingAreSharedOnlyWhenCarried) {
  ASSERT_EQ(b_.Ctl({"checkin", "--note", "a private thought", "--mood", "4"}).exit_code, 0);
  Pair();
  ASSERT_TRUE(WaitFor([&] { return Converged(); }));
  auto notes = [](const Partner& p) {
    std::vector<json> out;
    json log = json::parse(p.Ctl({"log", "--json"}).out);
    for (const auto& e : log["entries"]) {
      if (e.contains("body") && e["body"].contains("note")) out.push_back(e["body"]);
    }
    return out;
  };
  EXPECT_TRUE(notes(a_).empty());
  // As many kept private as carrying carries: the check-in, not the
  // introduction of the ledger Sam had alone.
  EXPECT_EQ(b_.Json({"pair", "status", "--json"})["private_entries"], 1);
  auto carried = b_.Ctl({"pair", "carry"});
  ASSERT_EQ(carried.exit_code, 0) << carried.err;
  EXPECT_NE(carried.out.find("carried 1 entry into"), std::string::npos) << carried.out;
  ASSERT_TRUE(WaitFor([&] { return notes(a_).size() == 1; })) << a_.daemon().Log();
  json body = notes(a_)[0];
  EXPECT_EQ(body["note"], "a private thought");
  EXPECT_EQ(body["mood"], 4);
  EXPECT_EQ(body["carried"]["id"].get<std::string>().size(), 64u);
  EXPECT_EQ(b_.Json({"pair", "status", "--json"})["private_entries"], 0);
  // Carrying twice carries nothing more.
  EXPECT_NE(b_.Ctl({"pair", "carry"}).out.find("carried 0 entries"), std::string::npos);
  EXPECT_EQ(a_.Ctl({"verify"}).exit_code, 0);
}

TEST_F(Sync, EntriesWrittenOnBothSidesConverge) {
  Pair();
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(a_.Ctl({"checkin", "--note", "from Alex " + std::to_string(i)}).exit_code, 0);
    ASSERT_EQ(b_.Ctl({"checkin", "--note", "from Sam " + std::to_string(i), "--mood", "7"}).exit_code, 0);
  }
  ASSERT_TRUE(WaitFor([&] { return Converged() && a_.Ids().size() == 12; }))
      << "a=" << a_.Ids().size() << " b=" << b_.Ids().size() << "\n" << b_.daemon().Log();
  EXPECT_EQ(a_.Ctl({"verify"}).exit_code, 0);
  EXPECT_EQ(b_.Ctl({"verify"}).exit_code, 0);
  json peers = a_.Json({"peers", "--json"});
  ASSERT_EQ(peers["peers"].size(), 1u);
  EXPECT_TRUE(peers["peers"][0]["online"].get<bool>());
  EXPECT_EQ(peers["peers"][0]["entries_behind"], 0);
}

// A daemon that finds its sync port taken keeps serving, and listens once
// the port is free again (tried every keepalive), without a restart.
TEST_F(Sync, APortTakenAtStartIsListenedOnOnceFree) {
  Pair();
  ASSERT_TRUE(WaitFor([&] { return Converged(); }));
  ASSERT_EQ(a_.Stop(SIGTERM), 0);
  const int squatter = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // not inherited by the daemon
  ASSERT_GE(squatter, 0);
  const int yes = 1;  // past the stopped daemon's connections in TIME_WAIT
  ::setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(a_.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(squatter, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << std::strerror(errno);
  ASSERT_EQ(::listen(squatter, 1), 0);
  ASSERT_TRUE(a_.Start()) << a_.Log();
  auto listening = [&] { return a_.Json({"peers"}).value("listening_port", -1); };
  EXPECT_EQ(listening(), 0);
  EXPECT_NE(a_.Log().find("cannot listen"), std::string::npos) << a_.Log();
  ASSERT_EQ(a_.Ctl({"checkin", "--note", "written while the port was taken"}).exit_code, 0);
  ::close(squatter);
  ASSERT_TRUE(WaitFor([&] { return listening() == a_.port(); }, std::chrono::seconds(15))) << a_.Log();
  EXPECT_TRUE(WaitFor([&] { return Converged(); }, std::chrono::seconds(20))) << a_.Log();
}

TEST_F(Sync, APartnerWhoWasStoppedCatchesUpOnRestart) {
  Pair();
  ASSERT_TRUE(WaitFor([&] { return Converged(); }));
  ASSERT_EQ(b_.Stop(SIGTERM), 0);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(a_.Ctl({"checkin", "--note", "while Sam was away " + std::to_string(i)}).exit_code, 0);
  }
  ASSERT_TRUE(b_.Start()) << b_.daemon().Log();
  ASSERT_EQ(b_.Ctl({"checkin", "--note", "back again"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return Converged() && a_.Ids().size() == 2 + 20 + 1; }))
      << "a=" << a_.Ids().size() << " b=" << b_.Ids().size();
  EXPECT_EQ(b_.Ctl({"verify"}).exit_code, 0);
}

TEST_F(Sync, LargeCatchUpSurvivesAKillWithNoDuplicatesOrGaps) {
  Pair();
  ASSERT_TRUE(WaitFor([&] { return Converged(); }));
  ASSERT_EQ(b_.Stop(SIGTERM), 0);
  // 10,000 check-ins on Alex's side, pipelined on one raw IPC connection.
  {
    RawControl control(a_.data());
    ASSERT_TRUE(control.connected());
    zmq::socket_t& s = control.socket();
    constexpr int kEntries = 10000;
    int sent = 0, received = 0;
    while (received < kEntries) {
      while (sent < kEntries && sent - received < 200) {
        std::string req = json{{"id", sent}, {"method", "checkin"},
                               {"params", {{"note", "entry " + std::to_string(sent)}}}}.dump();
        s.send(zmq::buffer(req), zmq::send_flags::none);
        ++sent;
      }
      zmq::message_t reply;
      ASSERT_TRUE(s.recv(reply)) << "daemon stopped answering at " << received;
      ASSERT_TRUE(json::parse(reply.to_string())["ok"].get<bool>());
      ++received;
    }
  }
  const std::int64_t total = a_.Entries();
  ASSERT_EQ(total, 2 + 10000);
  ASSERT_TRUE(b_.Start()) << b_.daemon().Log();
  ASSERT_TRUE(WaitFor([&] { return b_.Entries() >= 1000; }, std::chrono::seconds(30)));
  EXPECT_EQ(b_.Stop(SIGKILL), 128 + SIGKILL);
  ASSERT_TRUE(b_.Start()) << b_.daemon().Log();
  ASSERT_TRUE(WaitFor([&] { return b_.Entries() == total; }, std::chrono::seconds(60)))
      << "b has " << b_.Entries() << " of " << total;
  EXPECT_EQ(b_.Ctl({"verify"}).exit_code, 0);
  EXPECT_EQ(a_.Ctl({"verify"}).exit_code, 0);
}

TEST_F(Sync, AWrongCodeIsRefusedAndOneAddressGetsThreeTries) {
  std::string code = Invite();
  auto right = protocol::ParseInviteCode(code);
  ASSERT_TRUE(right.ok());
  for (int attempt = 0; attempt < protocol::kMaxAttemptsPerSource; ++attempt) {
    protocol::InviteCode wrong = *right;  // same number, other words, valid checksum
    wrong.words[0] = static_cast<std::uint8_t>(wrong.words[0] + 1 + attempt);
    auto r = b_.Ctl({"pair", "join", protocol::FormatInviteCode(wrong), "--address", a_.address()});
    ASSERT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("the code is wrong"), std::string::npos) << r.err;
  }
  auto late = b_.Ctl({"pair", "join", code, "--address", a_.address()});
  EXPECT_NE(late.exit_code, 0);
  EXPECT_NE(late.err.find("used up"), std::string::npos) << late.err;
  EXPECT_FALSE(a_.Json({"pair", "status", "--json"})["paired"].get<bool>());
  EXPECT_FALSE(b_.Json({"pair", "status", "--json"})["paired"].get<bool>());
  EXPECT_EQ(a_.Json({"pair", "status", "--json"})["invite"]["attempts"], protocol::kMaxAttemptsPerSource);
}

// A hello to `port` from `source`, another of this machine's loopback
// addresses (all of 127.0.0.0/8 is), as a neighbour's laptop on the LAN
// would send it; returns the answer (empty if none came in 5 s).
Bytes HelloFrom(const std::string& source, int port, const protocol::InviteCode& code) {
  zmq::context_t context;
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  socket.set(zmq::sockopt::linger, 0);
  socket.set(zmq::sockopt::rcvtimeo, 5000);
  socket.connect("tcp://" + source + ":0;127.0.0.1:" + std::to_string(port));
  crypto::SystemRandom rng;
  const crypto::PublicKey stranger{};
  protocol::PairingJoiner joiner(code, stranger, rng);
  (void)socket.send(zmq::buffer(joiner.hello()), zmq::send_flags::none);
  zmq::message_t answer;
  if (!socket.recv(answer)) return {};
  const auto* data = static_cast<const std::uint8_t*>(answer.data());
  return Bytes(data, data + answer.size());
}

Bytes RefusalOf(protocol::RefusalReason reason) {
  return Bytes{static_cast<std::uint8_t>(protocol::PairMessage::kRefused), static_cast<std::uint8_t>(reason)};
}

// A neighbour on the LAN knows an invite is open (its beacon says so) but not
// its number: two wrong numbers from one address, and the right one from that
// address is "no such invite" too. A neighbour who knows the number spends
// three guesses from an address, and no more from it. The partner pairs.
TEST_F(Sync, ANeighbourWhoProbesTheNumberOrSpendsGuessesCannotUseUpTheCode) {
  std::string code = Invite();
  auto right = protocol::ParseInviteCode(code);
  ASSERT_TRUE(right.ok());
  const int pairing_port = a_.port() + 1;
  const auto no_invite = RefusalOf(protocol::RefusalReason::kNoInvite);
  for (int miss = 0; miss < protocol::kMaxNameplateMisses; ++miss) {
    protocol::InviteCode probe = *right;
    probe.nameplate = static_cast<std::uint16_t>(right->nameplate % 999 + 1 + miss);
    EXPECT_EQ(HelloFrom("127.0.0.66", pairing_port, probe), no_invite) << miss;
  }
  EXPECT_EQ(HelloFrom("127.0.0.66", pairing_port, *right), no_invite);

  protocol::InviteCode guess = *right;
  guess.words[0] = static_cast<std::uint8_t>(guess.words[0] + 1);
  for (int i = 0; i < protocol::kMaxAttemptsPerSource; ++i) {
    EXPECT_EQ(HelloFrom("127.0.0.67", pairing_port, guess).at(0),
              static_cast<std::uint8_t>(protocol::PairMessage::kReply)) << i;
  }
  EXPECT_EQ(HelloFrom("127.0.0.67", pairing_port, guess), RefusalOf(protocol::RefusalReason::kBurned));
  EXPECT_EQ(a_.Json({"pair", "status", "--json"})["invite"]["attempts"], protocol::kMaxAttemptsPerSource);

  // Idle connections from one address: the pairing port keeps 8 and shuts the
  // rest down as they come.
  std::vector<int> idle;
  for (int i = 0; i < 12; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.68", &from.sin_addr);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0) << std::strerror(errno);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(pairing_port));
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0) << std::strerror(errno);
    idle.push_back(fd);
  }
  auto shut = [&] {  // connections whose far end is gone (after ZeroMQ's greeting, if it came)
    int n = 0;
    for (int fd : idle) {
      char bytes[256];
      ssize_t got;
      while ((got = ::recv(fd, bytes, sizeof bytes, MSG_DONTWAIT)) > 0) {
      }
      n += got == 0;
    }
    return n;
  };
  EXPECT_TRUE(WaitFor([&] { return shut() >= 4; }, std::chrono::seconds(10))) << shut() << " of 12 shut";
  EXPECT_EQ(shut(), 4);

  auto joined = b_.Ctl({"pair", "join", code, "--address", a_.address()});
  EXPECT_EQ(joined.exit_code, 0) << joined.err << a_.Log();
  EXPECT_TRUE(a_.Json({"pair", "status", "--json"})["paired"].get<bool>());
  for (int fd : idle) ::close(fd);
}

TEST_F(Sync, AMistypedCodeIsCaughtBeforeAnyGuessIsSpent) {
  std::string code = Invite();
  std::string typo = code;
  std::swap(typo[typo.find('-') + 1], typo[typo.find('-') + 2]);  // two letters swapped
  auto r = b_.Ctl({"pair", "join", typo, "--address", a_.address()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(a_.Json({"pair", "status", "--json"})["invite"]["attempts"], 0) << r.err;
  auto ok = b_.Ctl({"pair", "join", code, "--address", a_.address()});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(Sync, AnExpiredCodeIsRefused) {
  auto client = client::Client::Connect({a_.data(), std::chrono::seconds(5)});
  ASSERT_TRUE(client.ok());
  auto invite = (*client)->Call("pair.invite", {{"ttl_seconds", 1}});
  ASSERT_TRUE(invite.ok()) << invite.error().message;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto r = b_.Ctl({"--timeout", "8000", "pair", "join", (*invite)["code"].get<std::string>(),
                   "--address", a_.address()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("expired"), std::string::npos) << r.err;
  EXPECT_FALSE(b_.Json({"pair", "status", "--json"})["paired"].get<bool>());
}

// Inviting again while an invite is open replaces it, every time (six in a
// row): only the newest code pairs.
TEST_F(Sync, InvitingAgainReplacesTheOpenInviteEveryTime) {
  std::vector<std::string> codes;
  for (int i = 0; i < 6; ++i) {
    auto r = a_.Ctl({"pair", "invite", "--json"});
    ASSERT_EQ(r.exit_code, 0) << "invite " << i << ": " << r.err;
    codes.push_back(json::parse(r.out).value("code", ""));
  }
  EXPECT_EQ(a_.Json({"pair", "status", "--json"})["invite"]["code"], codes.back());
  auto old = b_.Ctl({"pair", "join", codes[4], "--address", a_.address()});
  EXPECT_NE(old.exit_code, 0) << "a replaced code paired";
  auto joined = b_.Ctl({"pair", "join", codes.back(), "--address", a_.address()});
  EXPECT_EQ(joined.exit_code, 0) << joined.err;
}

// The pairing port is open while an invite is and a short grace after it
// expires (docs/PROTOCOL.md), then nobody can connect to it.
TEST_F(Sync, ThePairingPortClosesSoonAfterTheInviteExpires) {
  auto client = client::Client::Connect({a_.data(), std::chrono::seconds(5)});
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Call("pair.invite", {{"ttl_seconds", 1}}).ok());
  const int pairing_port = a_.port() + 1;
  auto accepts = [&] {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(pairing_port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  };
  EXPECT_TRUE(accepts()) << "the invite's port is not open";
  EXPECT_TRUE(WaitFor([&] { return !accepts(); }, std::chrono::seconds(15)))
      << "the pairing port still listens 14 s after its invite expired";
  EXPECT_FALSE(a_.Json({"pair", "status", "--json"}).contains("invite"));
}

TEST_F(Sync, AStrangersKeyIsRefusedBeforeAnyLedgerByteMoves) {
  Pair();
  ASSERT_TRUE(WaitFor([&] { return Converged(); }));
  std::string server_key = a_.Json({"status", "--json"})["transport_key"].get<std::string>();
  char public_key[41], secret_key[41];
  ASSERT_EQ(zmq_curve_keypair(public_key, secret_key), 0);
  zmq::context_t ctx;
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, 1500);
  s.set(zmq::sockopt::curve_serverkey, server_key);
  s.set(zmq::sockopt::curve_publickey, std::string(public_key));
  s.set(zmq::sockopt::curve_secretkey, std::string(secret_key));
  s.connect("tcp://" + a_.address());
  // A sync hello asking for everything: 0x01, version 1, then zeros.
  std::string hello(1 + 1 + 32 + 16 + 1, '\0');
  hello[0] = 1;
  hello[1] = 1;
  s.send(zmq::buffer(hello), zmq::send_flags::dontwait);
  zmq::message_t reply;
  EXPECT_FALSE(s.recv(reply)) << "a stranger got an answer";
  ASSERT_TRUE(WaitFor([&] { return !a_.Json({"peers", "--json"})["refused"].empty(); }));
  json refused = a_.Json({"peers", "--json"})["refused"][0];
  EXPECT_GE(refused["count"].get<int>(), 1);
  EXPECT_NE(a_.daemon().Log().find("sync.refused"), std::string::npos);
  // The partner is still served.
  ASSERT_EQ(b_.Ctl({"checkin", "--note", "still here"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return Converged(); }));
}

// Anyone can make up CURVE keys: 200 strangers are all refused and counted,
// but `peers` keeps only the 64 refused last and the log names at most a
// burst of them, so neither grows with what a neighbour sends.
TEST_F(Sync, ManyStrangersKeysAreCountedButNeitherTheirListNorTheLogGrows) {
  Pair();
  ASSERT_TRUE(WaitFor([&] { return Converged(); }));
  const std::string server_key = a_.Json({"status", "--json"})["transport_key"].get<std::string>();
  zmq::context_t ctx;
  constexpr int kStrangers = 200;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < kStrangers; ++i) {
    char public_key[41], secret_key[41];
    ASSERT_EQ(zmq_curve_keypair(public_key, secret_key), 0);
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::curve_serverkey, server_key);
    s.set(zmq::sockopt::curve_publickey, std::string(public_key));
    s.set(zmq::sockopt::curve_secretkey, std::string(secret_key));
    s.connect("tcp://" + a_.address());
    ASSERT_TRUE(WaitFor([&] { return a_.Json({"peers", "--json"}).value("refused_total", 0) >= i + 1; },
                        std::chrono::seconds(10)))
        << i;
  }
  const json peers = a_.Json({"peers", "--json"});
  EXPECT_GE(peers.value("refused_total", 0), kStrangers);
  EXPECT_LE(peers["refused"].size(), 64u);
  const std::string log = a_.daemon().Log();
  std::size_t lines = 0;
  for (auto at = log.find("sync.refused key="); at != std::string::npos; at = log.find("sync.refused key=", at + 1)) {
    ++lines;
  }
  // Ten lines a minute at most (the sanitizers make 200 handshakes take longer than one).
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(std::chrono::steady_clock::now() - started);
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 10u * static_cast<std::size_t>(minutes.count() + 1)) << "one log line per stranger";
  EXPECT_LT(lines, static_cast<std::size_t>(kStrangers) / 2) << "one log line per stranger";
  ASSERT_EQ(b_.Ctl({"checkin", "--note", "still here"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return Converged(); }));
}

}  // namespace
}  // namespace kintsugi::testing
