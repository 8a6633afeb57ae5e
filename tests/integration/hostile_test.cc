// A hostile partner: a client that holds the partner's real keys (read from
// the partner's key file) and sends garbage, forgeries, entries for another
// ledger, and a rewritten history. The honest daemon keeps serving, stores
// nothing invalid, and keeps the fork as evidence.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include <cstdlib>
#include <fstream>
#include <thread>

#include "crypto/pake.h"
#include "daemon/store/key_file.h"
#include "daemon/sample_history.h"
#include "protocol/body.h"
#include "protocol/entry_seal.h"
#include "protocol/hlc.h"
#include "protocol/validation.h"
#include "protocol/sync.h"
#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

using nlohmann::json;

TEST(HostilePartner, GarbageForgeriesAndAForkAreRefusedOrKeptAsEvidence) {
  PrivateRuntimeDir runtime;
  TempDir dir;
  const std::string a = dir / "alex", b = dir / "sam";
  const int port_a = FreePortPair(), port_b = FreePortPair();
  Daemon alex(a, {"--listen", "127.0.0.1:" + std::to_string(port_a), "--no-discovery"});
  Daemon sam(b, {"--listen", "127.0.0.1:" + std::to_string(port_b), "--no-discovery"});
  ASSERT_TRUE(alex.Start()) << alex.Log();
  ASSERT_TRUE(sam.Start()) << sam.Log();
  ASSERT_EQ(Ctl(a, {"init", "--name", "Alex"}).exit_code, 0);
  ASSERT_EQ(Ctl(b, {"init", "--name", "Sam"}).exit_code, 0);
  std::string code = json::parse(Ctl(a, {"pair", "invite", "--json"}).out)["code"];
  ASSERT_EQ(Ctl(b, {"pair", "join", code, "--address", "127.0.0.1:" + std::to_string(port_a)}).exit_code, 0);
  auto count = [&] { return json::parse(Ctl(a, {"status", "--json"}).out)["entries"].get<int>(); };
  ASSERT_TRUE(WaitFor([&] { return count() == 2; }));
  // From here on Sam's daemon is gone and its keys are in hostile hands.
  ASSERT_EQ(sam.Stop(SIGTERM), 0);
  auto keys = daemon::ReadKeyFile(b + "/identity.key");
  ASSERT_TRUE(keys.ok()) << keys.error().message;

  json status = json::parse(Ctl(a, {"status", "--json"}).out);
  crypto::CurveKeyPair curve = crypto::CurveKeysOf(keys->identity.seed());
  auto server_key = crypto::CurvePublicKeyOf(*Hash32FromHex(status["author"].get<std::string>()));
  ASSERT_TRUE(server_key.ok());
  zmq::context_t ctx;
  auto connect = [&] {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::rcvtimeo, 2000);
    zmq_setsockopt(s.handle(), ZMQ_CURVE_SERVERKEY, server_key->data(), 32);
    zmq_setsockopt(s.handle(), ZMQ_CURVE_PUBLICKEY, curve.public_key.data(), 32);
    zmq_setsockopt(s.handle(), ZMQ_CURVE_SECRETKEY, curve.secret_key.data(), 32);
    s.connect("tcp://127.0.0.1:" + std::to_string(port_a));
    return s;
  };
  zmq::socket_t s = connect();
  auto send = [&](const Bytes& frame) { s.send(zmq::buffer(frame), zmq::send_flags::none); };

  // The partner's key is admitted: a hello gets a hello back.
  protocol::SyncHello hello;
  hello.ledger_id = keys->ledger_id;
  send(protocol::EncodeSync(hello));
  zmq::message_t reply;
  ASSERT_TRUE(s.recv(reply)) << "the partner's key was not admitted";
  auto their_hello = protocol::DecodeSync(Bytes(static_cast<const std::uint8_t*>(reply.data()),
                                                static_cast<const std::uint8_t*>(reply.data()) + reply.size()));
  ASSERT_TRUE(their_hello.ok());
  protocol::ChainHead sam_head;
  for (const auto& h : std::get<protocol::SyncHello>(*their_hello).heads) {
    if (h.author == keys->identity.public_key()) sam_head = {h.seq, h.id};
  }
  ASSERT_EQ(sam_head.seq, 1u);

  // Garbage of every shape.
  send(Bytes{});
  send(Bytes{0xff, 0x00, 0x13});
  send(Bytes(5000, 0x03));
  s.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
  s.send(zmq::str_buffer("b"), zmq::send_flags::none);

  crypto::SystemRandom rng;
  auto seal = [&](const protocol::LedgerId& ledger, std::uint64_t seq, const protocol::EntryId& prev,
                  const std::string& note, std::uint64_t hlc = 0) {
    const auto now_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                       std::chrono::system_clock::now().time_since_epoch())
                                                       .count());
    protocol::EntryDraft draft{ledger, seq, prev, hlc != 0 ? hlc : protocol::MakeHlc(now_ms, seq), {},
                               protocol::EncodeBody(protocol::CheckIn{note, std::nullopt, std::nullopt})};
    auto sealed = protocol::SealEntry(draft, keys->identity, keys->ledger_key, rng);
    EXPECT_TRUE(sealed.ok());
    return std::move(sealed).value();
  };
  auto push = [&](const protocol::SealedEntry& e, bool flip_signature = false) {
    Bytes bytes = e.encoded;
    if (flip_signature) bytes.back() ^= 0x01;
    send(protocol::EncodeSync(protocol::SyncPush{{bytes, e.key.Encode()}}));
  };
  // A forged signature, an entry for another ledger, a clock with the sign
  // bit of a 64-bit stamp set (validly signed): refused.
  push(seal(keys->ledger_id, 2, sam_head.id, "forged"), /*flip_signature=*/true);
  push(seal(keys->ledger_id, 2, sam_head.id, "from the far future", std::uint64_t{1} << 63));
  protocol::LedgerId other;
  other.fill(0x77);
  push(seal(other, 2, sam_head.id, "another ledger"));
  // A valid entry, then a second valid one at the same seq: a rewritten history.
  auto first = seal(keys->ledger_id, 2, sam_head.id, "what I said");
  auto rewrite = seal(keys->ledger_id, 2, sam_head.id, "what I now claim I said");
  push(first);
  push(rewrite);
  // And one more after the fork: the chain is frozen.
  push(seal(keys->ledger_id, 3, first.id, "after the fork"));
  // A frame over the transport limit: the connection is dropped, not the daemon.
  send(Bytes(4 * 1024 * 1024, 0x04));

  ASSERT_TRUE(WaitFor([&] { return json::parse(Ctl(a, {"status", "--json"}).out)["forks"] == 1; }))
      << alex.Log();
  EXPECT_EQ(count(), 2 + 2) << "the first entry and the fork evidence, nothing else";
  // verify names the fork and fails: a rewritten history is a fault.
  auto verify = Ctl(a, {"verify"});
  EXPECT_EQ(verify.exit_code, 1) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("fork"), std::string::npos) << verify.out;
  EXPECT_EQ(verify.out.find("every signature and chain link holds"), std::string::npos) << verify.out;
  const json report = json::parse(Ctl(a, {"verify", "--json"}).out);
  EXPECT_FALSE(report["ok"].get<bool>());
  ASSERT_EQ(report["faults"].size(), 1u) << report.dump();
  EXPECT_EQ(report["faults"][0]["reason"], "fork");
  EXPECT_EQ(report["faults"][0]["seq"], 2);
  const std::string log = alex.Log();
  EXPECT_NE(log.find("reason=bad_signature"), std::string::npos);
  EXPECT_NE(log.find("reason=wrong_ledger"), std::string::npos);
  EXPECT_NE(log.find("reason=clock_out_of_range"), std::string::npos);
  EXPECT_NE(log.find("sync.fork_detected"), std::string::npos);
  EXPECT_NE(log.find("sync.bad_frame"), std::string::npos);
  json entries = json::parse(Ctl(a, {"log", "--json"}).out)["entries"];
  int forged_or_frozen = 0;
  for (const auto& e : entries) {
    std::string note = e.contains("body") ? e["body"].value("note", "") : "";
    if (note == "forged" || note == "another ledger" || note == "after the fork") ++forged_or_frozen;
  }
  EXPECT_EQ(forged_or_frozen, 0);
  // The window's side keeps working.
  EXPECT_EQ(Ctl(a, {"checkin", "--note", "still serving"}).exit_code, 0);
}

long StatusKib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}
long RssKib(pid_t pid) { return StatusKib(pid, "VmRSS"); }
long PeakRssKib(pid_t pid) { return StatusKib(pid, "VmHWM"); }

// Alex's daemon of a sample couple, listening on `port`, whose memory is
// measured: under AddressSanitizer, memory freed is held back (its
// quarantine, 256 MiB) and would read as growth, so this daemon frees at once.
bool StartMeasured(Daemon& alex) {
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string asan_before = asan != nullptr ? asan : "";
  setenv("ASAN_OPTIONS", (asan_before + (asan_before.empty() ? "" : ":") + "quarantine_size_mb=0").c_str(), 1);
  const bool started = alex.Start();
  setenv("ASAN_OPTIONS", asan_before.c_str(), 1);
  return started;
}

// A dealer with Sam's keys, to connect to Alex's sync port as Sam's daemon
// would (the partner's key is admitted) once the caller has set its options.
zmq::socket_t DealerAsSam(zmq::context_t& ctx, const daemon::LedgerKeys& sam, const crypto::PublicKey& alex) {
  crypto::CurveKeyPair curve = crypto::CurveKeysOf(sam.identity.seed());
  auto server_key = crypto::CurvePublicKeyOf(alex);
  EXPECT_TRUE(server_key.ok());
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  zmq_setsockopt(s.handle(), ZMQ_CURVE_SERVERKEY, server_key->data(), 32);
  zmq_setsockopt(s.handle(), ZMQ_CURVE_PUBLICKEY, curve.public_key.data(), 32);
  zmq_setsockopt(s.handle(), ZMQ_CURVE_SECRETKEY, curve.secret_key.data(), 32);
  return s;
}

// A partner who asks for a whole chain again and again and never reads the
// answers: what waits for it is bounded (kSendQueueMessages per connection),
// so the daemon's memory does not grow with the asking.
TEST(HostilePartner, AskingAgainAndAgainWithoutReadingDoesNotGrowTheDaemon) {
  PrivateRuntimeDir runtime;
  TempDir dir;
  const std::string a = dir / "alex", b = dir / "sam";
  daemon::SampleOptions sample;
  sample.days = 60;
  sample.extra_per_day = 20;  // some 1,400 entries of Alex's to ask for
  sample.durable = false;
  ASSERT_TRUE(daemon::CreateSampleCouple(a, "Alex", b, "Sam", sample).ok());
  const int port_a = FreePortPair();
  Daemon alex(a, {"--listen", "127.0.0.1:" + std::to_string(port_a), "--no-discovery"});
  ASSERT_TRUE(StartMeasured(alex)) << alex.Log();
  auto keys = daemon::ReadKeyFile(b + "/identity.key");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  json status = json::parse(Ctl(a, {"status", "--json"}).out);
  const auto alex_key = Hash32FromHex(status["author"].get<std::string>());
  ASSERT_TRUE(alex_key.has_value());
  zmq::context_t ctx;
  zmq::socket_t s = DealerAsSam(ctx, *keys, *alex_key);
  s.set(zmq::sockopt::rcvhwm, 1);  // and never read: the answers stay on Alex's side
  s.set(zmq::sockopt::rcvbuf, 4096);
  s.connect("tcp://127.0.0.1:" + std::to_string(port_a));
  protocol::SyncHello hello;
  hello.ledger_id = keys->ledger_id;
  s.send(zmq::buffer(protocol::EncodeSync(hello)), zmq::send_flags::none);

  const Bytes want = protocol::EncodeSync(protocol::SyncWant{*alex_key, 0, 256});
  const long before = RssKib(alex.pid());
  for (int i = 0; i < 400; ++i) s.send(zmq::buffer(want), zmq::send_flags::none);
  // Alex has answered them all (or dropped what could not wait) once it
  // answers its own client again.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(Ctl(a, {"status"}).exit_code, 0);
  const long after = RssKib(alex.pid());
  std::cerr << "alex's daemon: " << before / 1024 << " MiB before 400 unread wants, " << after / 1024
            << " MiB after\n";
  EXPECT_LT(after - before, 24 * 1024) << "the daemon grew by " << (after - before) / 1024 << " MiB";
}

// A partner who sends batch after batch unasked, faster than they can be
// checked: what waits to be read is bounded (kReceiveQueueMessages per
// connection, then TCP holds the rest back at the sender), and what is read
// ahead while a batch is stored is at most two messages, handled in order.
TEST(HostilePartner, AFloodOfBatchesUnaskedIsHeldBackAtTheSenderAndTakenInOrder) {
  PrivateRuntimeDir runtime;
  TempDir dir;
  const std::string a = dir / "alex", b = dir / "sam";
  daemon::SampleOptions sample;
  sample.days = 10;
  sample.durable = false;
  ASSERT_TRUE(daemon::CreateSampleCouple(a, "Alex", b, "Sam", sample).ok());
  const int port_a = FreePortPair();
  Daemon alex(a, {"--listen", "127.0.0.1:" + std::to_string(port_a), "--no-discovery"});
  ASSERT_TRUE(StartMeasured(alex)) << alex.Log();
  auto keys = daemon::ReadKeyFile(b + "/identity.key");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  json status = json::parse(Ctl(a, {"status", "--json"}).out);
  const std::int64_t stored_before = status["entries"].get<std::int64_t>();
  const auto alex_key = Hash32FromHex(status["author"].get<std::string>());
  ASSERT_TRUE(alex_key.has_value());
  zmq::context_t ctx;
  zmq::socket_t s = DealerAsSam(ctx, *keys, *alex_key);
  s.set(zmq::sockopt::rcvtimeo, 5000);
  s.set(zmq::sockopt::sndhwm, 0);  // this side queues all it is given: only Alex's bound holds it back
  s.connect("tcp://127.0.0.1:" + std::to_string(port_a));
  protocol::SyncHello hello;
  hello.ledger_id = keys->ledger_id;
  s.send(zmq::buffer(protocol::EncodeSync(hello)), zmq::send_flags::none);
  protocol::ChainHead sam_head;
  for (;;) {  // Alex's hello, and what it asks for (ignored)
    zmq::message_t reply;
    ASSERT_TRUE(s.recv(reply)) << "the partner's key was not admitted";
    auto message = protocol::DecodeSync(Bytes(static_cast<const std::uint8_t*>(reply.data()),
                                              static_cast<const std::uint8_t*>(reply.data()) + reply.size()));
    ASSERT_TRUE(message.ok());
    if (auto* theirs = std::get_if<protocol::SyncHello>(&*message)) {
      for (const auto& h : theirs->heads) {
        if (h.author == keys->identity.public_key()) sam_head = {h.seq, h.id};
      }
      break;
    }
  }
  ASSERT_GT(sam_head.seq, 0u);

  crypto::SystemRandom rng;
  const auto now_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  // Sam's chain goes on for 24 full batches, each entry chained to the one before.
  std::vector<protocol::SyncEntries> valid;
  protocol::ChainHead head = sam_head;
  for (int batch = 0; batch < 24; ++batch) {
    protocol::SyncEntries out{keys->identity.public_key(), {}, true};
    for (std::size_t i = 0; i < protocol::kMaxBatchEntries; ++i) {
      protocol::EntryDraft draft{keys->ledger_id, head.seq + 1, head.id, protocol::MakeHlc(now_ms, head.seq + 1), {},
                                 protocol::EncodeBody(protocol::CheckIn{"unasked", std::nullopt, std::nullopt})};
      auto sealed = protocol::SealEntry(draft, keys->identity, keys->ledger_key, rng);
      ASSERT_TRUE(sealed.ok());
      head = {head.seq + 1, sealed->id};
      out.entries.push_back({sealed->encoded, sealed->key.Encode()});
    }
    valid.push_back(std::move(out));
  }
  // A batch that costs the most to refuse: 256 signatures, every one forged.
  protocol::SyncEntries forged = valid[0];
  for (auto& e : forged.entries) e.entry.back() ^= 0x01;
  const Bytes forged_frame = protocol::EncodeSync(forged);
  constexpr std::size_t kForged = 600;  // about 53 MiB, some seconds of checking

  const long before = RssKib(alex.pid());
  for (std::size_t i = 0; i < kForged; ++i) s.send(zmq::buffer(forged_frame), zmq::send_flags::none);
  for (const auto& batch : valid) s.send(zmq::buffer(protocol::EncodeSync(batch)), zmq::send_flags::none);
  const std::int64_t expected = stored_before + static_cast<std::int64_t>(valid.size() * protocol::kMaxBatchEntries);
  ASSERT_TRUE(WaitFor([&] {
    const auto r = Ctl(a, {"status", "--json"});
    return r.exit_code == 0 && json::parse(r.out)["entries"].get<std::int64_t>() == expected;
  }, std::chrono::seconds(120))) << "the chain sent after the flood was not taken whole, in order\n" << alex.Log();
  const long peak = PeakRssKib(alex.pid());
  std::cerr << "alex's daemon: " << before / 1024 << " MiB before " << kForged * forged_frame.size() / (1024 * 1024)
            << " MiB of forged batches, at most " << peak / 1024 << " MiB while taking them\n";
  EXPECT_LT(peak - before, 48 * 1024) << "the daemon grew by " << (peak - before) / 1024 << " MiB";
  EXPECT_EQ(Ctl(a, {"verify"}).exit_code, 0);
  EXPECT_NE(alex.Log().find("reason=bad_signature"), std::string::npos);
}

// Anyone on the LAN may connect to the sync port before any handshake. With
// file descriptors scarce (a limit of 256, where the usual is 1,024), 400 idle
// connections from one neighbour are turned away past the bounds: the daemon
// keeps answering its own clients and stays alive, and says how many it
// turned away.
TEST(HostileNeighbour, HundredsOfIdleConnectionsCannotStopTheDaemon) {
  PrivateRuntimeDir runtime;
  TempDir dir;
  const std::string a = dir / "alex", b = dir / "sam";
  daemon::SampleOptions sample;  // a paired device: its sync port listens
  sample.days = 30;
  sample.durable = false;
  ASSERT_TRUE(daemon::CreateSampleCouple(a, "Alex", b, "Sam", sample).ok());
  const int port = FreePortPair();
  Daemon alex(a, {"--listen", "127.0.0.1:" + std::to_string(port), "--no-discovery"},
              {"prlimit", "--nofile=256:256", "--"});
  ASSERT_TRUE(alex.Start()) << alex.Log();
  ASSERT_TRUE(WaitFor([&] { return json::parse(Ctl(a, {"peers", "--json"}).out).value("listening_port", 0) == port; }))
      << Ctl(a, {"peers", "--json"}).out;
  std::vector<int> fds;
  for (int i = 0; i < 400; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    fds.push_back(fd);
  }
  EXPECT_TRUE(WaitFor([&] {
    const auto r = Ctl(a, {"peers", "--json"});
    return r.exit_code == 0 && json::parse(r.out)["connections"].value("turned_away", 0) > 0;
  }, std::chrono::seconds(20))) << alex.Log();
  // Its own clients are answered, again and again, while the 400 stay open.
  for (int i = 0; i < 20; ++i) ASSERT_EQ(Ctl(a, {"status"}).exit_code, 0) << i << alex.Log();
  const json peers = json::parse(Ctl(a, {"peers", "--json"}).out);
  EXPECT_LE(peers["connections"].value("open", 999), 8) << "more than 8 kept from one address";
  EXPECT_NE(Ctl(a, {"peers"}).out.find("turned away  "), std::string::npos) << Ctl(a, {"peers"}).out;
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(alex.WaitExit(std::chrono::milliseconds(200)), -1) << "the daemon died: " << alex.Log();
  EXPECT_EQ(Ctl(a, {"checkin", "--note", "still here"}).exit_code, 0);
}

}  // namespace
}  // namespace kintsugi::testing
