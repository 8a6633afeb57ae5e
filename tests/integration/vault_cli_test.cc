// The vault with real daemons and the real kintsugictl: a passphrase set
// through the CLI, a daemon restarted locked that still receives its
// partner's entries, and unlock, lock and wrong passphrases as a person meets
// them. The daemons use Argon2id's real ("moderate") cost.
#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <zmq.hpp>

#include <fstream>
#include <set>

#include "client/client.h"
#include "crypto/pake.h"
#include "daemon/store/key_file.h"
#include "protocol/sync.h"
#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

using nlohmann::json;

constexpr char kPassphrase[] = "lantern on the stairs";

// A raw sync client with the CURVE keys of `seed`'s identity, dialling
// `port` and expecting the server to hold `server`'s keys. Its first hello
// is answered only when both the handshake and the admission succeed.
class RawSyncClient {
 public:
  RawSyncClient(const crypto::SigningKey& identity, const crypto::PublicKey& server, int port)
      : socket_(context_, zmq::socket_type::dealer) {
    const crypto::CurveKeyPair curve = crypto::CurveKeysOf(identity.seed());
    auto server_key = crypto::CurvePublicKeyOf(server);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::rcvtimeo, 3000);
    if (server_key.ok()) zmq_setsockopt(socket_.handle(), ZMQ_CURVE_SERVERKEY, server_key->data(), 32);
    zmq_setsockopt(socket_.handle(), ZMQ_CURVE_PUBLICKEY, curve.public_key.data(), 32);
    zmq_setsockopt(socket_.handle(), ZMQ_CURVE_SECRETKEY, curve.secret_key.data(), 32);
    socket_.connect("tcp://127.0.0.1:" + std::to_string(port));
  }
  // Sends a hello for `ledger`; true when a hello comes back.
  bool Greeted(const protocol::LedgerId& ledger) {
    protocol::SyncHello hello;
    hello.ledger_id = ledger;
    const Bytes frame = protocol::EncodeSync(hello);
    socket_.send(zmq::buffer(frame), zmq::send_flags::none);
    zmq::message_t reply;
    if (!socket_.recv(reply)) return false;
    auto message = protocol::DecodeSync(Bytes(static_cast<const std::uint8_t*>(reply.data()),
                                              static_cast<const std::uint8_t*>(reply.data()) + reply.size()));
    return message.ok() && std::holds_alternative<protocol::SyncHello>(*message);
  }

 private:
  zmq::context_t context_;
  zmq::socket_t socket_;
};

class Partner : public LoopbackPartner {
 public:
  using LoopbackPartner::LoopbackPartner;
  // The titles of the agreements `agreements --json` shows.
  std::vector<std::string> Titles() const {
    std::vector<std::string> titles;
    auto r = Ctl({"agreements", "--json"});
    if (r.exit_code != 0) return titles;
    const json doc = json::parse(r.out);
    for (const auto& a : doc["agreements"]) titles.push_back(a.value("title", ""));
    return titles;
  }
};

class VaultCli : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(alex_.daemon().Start()) << alex_.daemon().Log();
    ASSERT_TRUE(sam_.daemon().Start()) << sam_.daemon().Log();
    ASSERT_EQ(alex_.Ctl({"init", "--name", "Alex"}).exit_code, 0);
    ASSERT_EQ(sam_.Ctl({"init", "--name", "Sam"}).exit_code, 0);
    auto invite = alex_.Ctl({"pair", "invite", "--json"});
    ASSERT_EQ(invite.exit_code, 0) << invite.err;
    const std::string code = json::parse(invite.out).value("code", "");
    auto joined = sam_.Ctl({"pair", "join", code, "--address", alex_.address(), "--json"});
    ASSERT_EQ(joined.exit_code, 0) << joined.err;
  }

  bool Propose(const std::string& title) {
    return sam_.Ctl({"agree", "propose", "--title", title, "--text", "Said in words.", "--category", "need"})
               .exit_code == 0;
  }

  PrivateRuntimeDir runtime_;
  TempDir dir_;
  Partner alex_{dir_, "alex"};
  Partner sam_{dir_, "sam"};
};

TEST_F(VaultCli, ALockedDaemonReceivesItsPartnersEntriesAndShowsThemAfterUnlock) {
  auto set = alex_.Ctl({"passphrase", "set"}, std::string(kPassphrase) + "\n");
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_TRUE(alex_.Status().value("passphrase", false));

  // At the next login the daemon starts locked.
  ASSERT_EQ(alex_.daemon().Stop(SIGTERM), 0);
  ASSERT_TRUE(alex_.daemon().Start()) << alex_.daemon().Log();
  EXPECT_TRUE(alex_.Status().value("locked", false));
  auto log = alex_.Ctl({"log"});
  EXPECT_NE(log.exit_code, 0);
  EXPECT_NE(log.err.find("locked"), std::string::npos) << log.err;
  auto plain = alex_.Ctl({"status"});
  EXPECT_NE(plain.out.find("locked"), std::string::npos) << plain.out;

  const std::int64_t before = alex_.Entries();
  ASSERT_TRUE(Propose("Say when you will be late"));
  ASSERT_TRUE(WaitFor([&] { return alex_.Entries() == before + 1; }, std::chrono::seconds(20)))
      << alex_.Entries() << " entries; " << alex_.daemon().Log();
  auto unreadable = alex_.Ctl({"agreements"});  // nothing can be read while locked
  EXPECT_NE(unreadable.exit_code, 0);
  EXPECT_NE(unreadable.err.find("locked"), std::string::npos) << unreadable.err;

  auto wrong = alex_.Ctl({"unlock"}, "not the passphrase\n");
  EXPECT_NE(wrong.exit_code, 0);
  EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos) << wrong.err;
  auto right = alex_.Ctl({"unlock"}, std::string(kPassphrase) + "\n");
  ASSERT_EQ(right.exit_code, 0) << right.err;
  EXPECT_EQ(alex_.Titles(), std::vector<std::string>{"Say when you will be late"});
  auto again = alex_.Ctl({"unlock"}, std::string(kPassphrase) + "\n");
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("already unlocked"), std::string::npos) << again.err;

  // Lock without a restart: the same, and sync goes on.
  ASSERT_EQ(alex_.Ctl({"lock"}).exit_code, 0);
  EXPECT_TRUE(alex_.Status().value("locked", false));
  ASSERT_TRUE(Propose("Weekly walk"));
  ASSERT_TRUE(WaitFor([&] { return alex_.Entries() == before + 2; }, std::chrono::seconds(20)));
  ASSERT_EQ(alex_.Ctl({"unlock"}, std::string(kPassphrase) + "\n").exit_code, 0);
  EXPECT_EQ(alex_.Titles().size(), 2u);
  EXPECT_EQ(alex_.Ctl({"verify"}).exit_code, 0);

  // The passphrase never reaches the daemon's log.
  EXPECT_EQ(alex_.daemon().Log().find(kPassphrase), std::string::npos);
}

// The key's derivation (Argon2id, half a second, several under load) runs
// off the daemon's loop: requests sent after an unlock, on the same
// connection, are answered before it, and a second unlock or a lock meanwhile
// is told that one is under way. Before, the loop derived the key itself and
// everything waited: a window's or kintsugictl's time-out on a loaded machine.
TEST_F(VaultCli, TheDaemonAnswersEveryoneWhileAnUnlockDerivesItsKey) {
  ASSERT_EQ(alex_.Ctl({"passphrase", "set"}, std::string(kPassphrase) + "\n").exit_code, 0);
  ASSERT_EQ(alex_.Ctl({"lock"}).exit_code, 0);
  RawControl s(alex_.data());
  // One connection keeps the order: the unlock is read first.
  const std::vector<json> replies =
      s.Exchange({json{{"id", "unlock"}, {"method", "unlock"}, {"params", {{"passphrase", kPassphrase}}}},
                  json{{"id", "status"}, {"method", "status"}},
                  json{{"id", "again"}, {"method", "unlock"}, {"params", {{"passphrase", kPassphrase}}}},
                  json{{"id", "lock"}, {"method", "lock"}}});
  ASSERT_EQ(replies.size(), 4u) << alex_.daemon().Log();
  ASSERT_EQ(replies[0]["id"], "status") << json(replies).dump();
  EXPECT_TRUE(replies[0]["result"].value("locked", false)) << "answered while the key was derived";
  EXPECT_EQ(replies[1]["id"], "again");
  EXPECT_EQ(replies[1]["error"].value("code", ""), "unavailable");
  EXPECT_NE(replies[1]["error"].value("message", "").find("under way"), std::string::npos) << replies[1].dump();
  EXPECT_EQ(replies[2]["id"], "lock");
  EXPECT_EQ(replies[2]["error"].value("code", ""), "unavailable") << replies[2].dump();
  EXPECT_EQ(replies[3]["id"], "unlock");
  EXPECT_TRUE(replies[3].value("ok", false)) << replies[3].dump();
  EXPECT_FALSE(alex_.Status().value("locked", true));
  EXPECT_EQ(alex_.Ctl({"checkin", "--note", "open again"}).exit_code, 0);

  // A wrong passphrase is refused the same way, later, and counted.
  ASSERT_EQ(alex_.Ctl({"lock"}).exit_code, 0);
  const std::vector<json> wrong =
      s.Exchange({json{{"id", "wrong"}, {"method", "unlock"}, {"params", {{"passphrase", "not the one at all"}}}}});
  ASSERT_EQ(wrong.size(), 1u);
  EXPECT_EQ(wrong[0]["error"].value("code", ""), "verification_failed") << wrong[0].dump();
  EXPECT_TRUE(alex_.Status().value("locked", false));
  EXPECT_EQ(alex_.daemon().Log().find(kPassphrase), std::string::npos);
}

// The same for every request that derives a key from a passphrase: a change
// of passphrase (two derivations), a backup (two) and a restore (one) each
// run off the loop, answer later, and refuse a second meanwhile.
TEST_F(VaultCli, TheDaemonAnswersEveryoneWhileAPassphraseChangeABackupOrARestoreDerives) {
  ASSERT_EQ(alex_.Ctl({"passphrase", "set"}, std::string(kPassphrase) + "\n").exit_code, 0);
  RawControl s(alex_.data());
  const std::string next = "a harbour in the fog";
  std::vector<json> replies = s.Exchange(
      {json{{"id", "set"}, {"method", "passphrase.set"}, {"params", {{"current", kPassphrase}, {"passphrase", next}}}},
       json{{"id", "checkin"}, {"method", "checkin"}, {"params", {{"note", "written meanwhile"}}}},
       json{{"id", "remove"}, {"method", "passphrase.remove"}, {"params", {{"current", kPassphrase}}}}});
  ASSERT_EQ(replies.size(), 3u) << alex_.daemon().Log();
  EXPECT_EQ(replies[0]["id"], "checkin");
  EXPECT_TRUE(replies[0].value("ok", false)) << replies[0].dump();
  EXPECT_EQ(replies[1]["id"], "remove");
  EXPECT_NE(replies[1]["error"].value("message", "").find("a change of passphrase is under way"), std::string::npos)
      << replies[1].dump();
  EXPECT_EQ(replies[2]["id"], "set");
  EXPECT_TRUE(replies[2]["result"].value("passphrase", false)) << replies[2].dump();
  // The new passphrase is the one that opens it now.
  ASSERT_EQ(alex_.Ctl({"lock"}).exit_code, 0);
  EXPECT_NE(alex_.Ctl({"unlock"}, std::string(kPassphrase) + "\n").exit_code, 0);
  ASSERT_EQ(alex_.Ctl({"unlock"}, next + "\n").exit_code, 0);

  const std::string file = dir_ / "meanwhile.kbak";
  const json params{{"path", file}, {"passphrase", next}};
  replies = s.Exchange({json{{"id", "backup"}, {"method", "backup"}, {"params", params}},
                        json{{"id", "status"}, {"method", "status"}}, json{{"id", "lock"}, {"method", "lock"}}});
  ASSERT_EQ(replies.size(), 3u) << alex_.daemon().Log();
  EXPECT_EQ(replies[0]["id"], "status");
  EXPECT_EQ(replies[1]["id"], "lock");
  EXPECT_NE(replies[1]["error"].value("message", "").find("a backup is under way"), std::string::npos)
      << replies[1].dump();
  EXPECT_EQ(replies[2]["id"], "backup");
  EXPECT_EQ(replies[2]["result"].value("entries", 0), alex_.Entries()) << replies[2].dump();

  // Restored on a new device, whose daemon answers meanwhile.
  Partner spare(dir_, "spare");
  ASSERT_TRUE(spare.daemon().Start());
  RawControl t(spare.data());
  replies = t.Exchange({json{{"id", "restore"}, {"method", "restore"}, {"params", params}},
                        json{{"id", "status"}, {"method", "status"}},
                        json{{"id", "init"}, {"method", "init"}, {"params", {{"name", "Someone"}}}}});
  ASSERT_EQ(replies.size(), 3u) << spare.daemon().Log();
  EXPECT_EQ(replies[0]["id"], "status");
  EXPECT_FALSE(replies[0]["result"].value("initialized", true));
  EXPECT_EQ(replies[1]["id"], "init");
  EXPECT_NE(replies[1]["error"].value("message", "").find("a restore is under way"), std::string::npos)
      << replies[1].dump();
  EXPECT_EQ(replies[2]["id"], "restore");
  EXPECT_TRUE(replies[2].value("ok", false)) << replies[2].dump();
  EXPECT_EQ(spare.Entries(), alex_.Entries());
  // Sealed by the vault's passphrase, as the backup was made.
  EXPECT_TRUE(spare.Status().value("locked", false));
  ASSERT_EQ(spare.Ctl({"unlock"}, next + "\n").exit_code, 0);
  EXPECT_EQ(spare.Ctl({"verify"}).exit_code, 0);
  for (const Partner* p : {&alex_, &spare}) {
    EXPECT_EQ(p->Log().find(next), std::string::npos);
    EXPECT_EQ(p->Log().find(kPassphrase), std::string::npos);
  }
}

TEST_F(VaultCli, ChangingAndRemovingThePassphrase) {
  ASSERT_EQ(alex_.Ctl({"passphrase", "set"}, std::string(kPassphrase) + "\n").exit_code, 0);
  auto too_short = alex_.Ctl({"passphrase", "set"}, std::string(kPassphrase) + "\nshort\n");
  EXPECT_NE(too_short.exit_code, 0);
  EXPECT_NE(too_short.err.find("8 to 1024"), std::string::npos) << too_short.err;
  auto changed = alex_.Ctl({"passphrase", "set"}, std::string(kPassphrase) + "\nthe kettle is singing\n");
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  ASSERT_EQ(alex_.Ctl({"lock"}).exit_code, 0);
  EXPECT_NE(alex_.Ctl({"unlock"}, std::string(kPassphrase) + "\n").exit_code, 0);
  ASSERT_EQ(alex_.Ctl({"unlock"}, "the kettle is singing\n").exit_code, 0);
  auto removed = alex_.Ctl({"passphrase", "remove"}, "the kettle is singing\n");
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_FALSE(alex_.Status().value("passphrase", true));
  auto lock = alex_.Ctl({"lock"});
  EXPECT_NE(lock.exit_code, 0);
  EXPECT_NE(lock.err.find("no passphrase is set"), std::string::npos) << lock.err;
  // After a restart it is open at once.
  ASSERT_EQ(alex_.daemon().Stop(SIGTERM), 0);
  ASSERT_TRUE(alex_.daemon().Start());
  EXPECT_FALSE(alex_.Status().value("locked", true));
}

TEST_F(VaultCli, ABackupRestoredOnANewDeviceResyncsWithoutDuplicates) {
  ASSERT_EQ(alex_.Ctl({"checkin", "--note", "before the backup"}).exit_code, 0);
  const std::string file = dir_ / "alex.kbak";
  auto backup = alex_.Ctl({"backup", file}, "backup passphrase\n");
  ASSERT_EQ(backup.exit_code, 0) << backup.err;
  EXPECT_NE(backup.out.find("Backed up"), std::string::npos) << backup.out;
  // Written after the backup, and received by Sam, before the laptop is lost.
  ASSERT_EQ(alex_.Ctl({"checkin", "--note", "after the backup, one"}).exit_code, 0);
  ASSERT_EQ(alex_.Ctl({"checkin", "--note", "after the backup, two"}).exit_code, 0);
  const std::int64_t total = alex_.Entries();
  ASSERT_TRUE(WaitFor([&] { return sam_.Entries() == total; }, std::chrono::seconds(20)));
  ASSERT_EQ(alex_.daemon().Stop(SIGKILL), 128 + SIGKILL);

  // A damaged copy is refused and leaves the new device as it was.
  Partner spare(dir_, "spare");
  ASSERT_TRUE(spare.daemon().Start());
  std::string bytes = ReadFile(file);
  bytes[bytes.size() / 2] ^= 1;
  const std::string damaged = dir_ / "damaged.kbak";
  {
    std::ofstream out(damaged, std::ios::binary);
    out << bytes;
  }
  auto broken = spare.Ctl({"restore", damaged}, "backup passphrase\n");
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.err.find("damaged"), std::string::npos) << broken.err;
  EXPECT_FALSE(spare.Status().value("initialized", true));
  // Restoring over a ledger needs --force.
  auto over = sam_.Ctl({"restore", file}, "backup passphrase\n");
  EXPECT_NE(over.exit_code, 0);
  EXPECT_NE(over.err.find("--force"), std::string::npos) << over.err;

  // The new laptop: a fresh daemon, the backup, then the partner.
  Partner again(dir_, "alex-new");
  ASSERT_TRUE(again.daemon().Start());
  auto restored = again.Ctl({"restore", file}, "backup passphrase\n");
  ASSERT_EQ(restored.exit_code, 0) << restored.err << again.daemon().Log();
  EXPECT_NE(restored.out.find("Restored"), std::string::npos);
  // Discovery is off here, and Sam dialled the old laptop's address: tell
  // the new one where Sam is, as a person would in Settings.
  ASSERT_EQ(again.Ctl({"peer", "add", sam_.address()}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return again.Entries() == total && !again.Status().value("restore_hold", true); },
                      std::chrono::seconds(30)))
      << again.Entries() << " of " << total << "\n" << again.daemon().Log();
  auto after = again.Ctl({"checkin", "--note", "on the new laptop"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  ASSERT_TRUE(WaitFor([&] { return sam_.Entries() == total + 1; }, std::chrono::seconds(20)));
  EXPECT_EQ(sam_.Status().value("forks", -1), 0);
  EXPECT_EQ(again.Status().value("forks", -1), 0);
  EXPECT_EQ(again.Ctl({"verify"}).exit_code, 0);
  EXPECT_EQ(sam_.Ctl({"verify"}).exit_code, 0);
  auto log_a = again.Ctl({"log", "--json", "--limit", "1000"});
  auto log_s = sam_.Ctl({"log", "--json", "--limit", "1000"});
  ASSERT_EQ(log_a.exit_code, 0);
  std::set<std::string> ids_a, ids_s;
  const json doc_a = json::parse(log_a.out);
  const json doc_s = json::parse(log_s.out);
  for (const auto& e : doc_a["entries"]) ids_a.insert(e["id"].get<std::string>());
  for (const auto& e : doc_s["entries"]) ids_s.insert(e["id"].get<std::string>());
  EXPECT_EQ(ids_a, ids_s);
  EXPECT_EQ(ids_a.size(), static_cast<std::size_t>(total + 1));
}

// Restoring over a running, paired daemon (--force) brings another identity:
// the daemon must listen with the restored keys at once and admit the
// restored identity's partner only, not the partner it had before. Here
// Alex's backup goes onto Sam's running daemon: that device becomes Alex,
// whose partner is Sam; a client with Sam's keys is greeted, one with Alex's
// own keys (the partner the device had before) is refused.
TEST_F(VaultCli, RestoringAnotherIdentityOverARunningDaemonListensAndAdmitsAsIt) {
  ASSERT_TRUE(WaitFor([&] { return sam_.Entries() == 2 && alex_.Entries() == 2; }));
  const std::string file = dir_ / "alex.kbak";
  ASSERT_EQ(alex_.Ctl({"backup", file}, "backup passphrase\n").exit_code, 0);
  ASSERT_EQ(alex_.daemon().Stop(SIGTERM), 0);
  auto alex_keys = daemon::ReadKeyFile(alex_.data() + "/identity.key");
  auto sam_keys = daemon::ReadKeyFile(sam_.data() + "/identity.key");
  ASSERT_TRUE(alex_keys.ok() && sam_keys.ok());
  const int sam_port = std::stoi(sam_.address().substr(sam_.address().rfind(':') + 1));
  auto listening_port = [&] {
    const json peers = json::parse(sam_.Ctl({"peers", "--json"}).out, nullptr, false);
    return peers.is_object() ? peers.value("listening_port", -1) : -1;
  };
  ASSERT_EQ(listening_port(), sam_port);

  auto restored = sam_.Ctl({"restore", file, "--force"}, "backup passphrase\n");
  ASSERT_EQ(restored.exit_code, 0) << restored.err << sam_.daemon().Log();
  ASSERT_EQ(sam_.Status().value("author", ""), ToHex(alex_keys->identity.public_key()));
  ASSERT_TRUE(WaitFor([&] { return listening_port() == sam_port; })) << sam_.daemon().Log();

  RawSyncClient partner(sam_keys->identity, alex_keys->identity.public_key(), sam_port);
  EXPECT_TRUE(partner.Greeted(alex_keys->ledger_id)) << "the restored identity's partner was not let in\n"
                                                     << sam_.daemon().Log();
  RawSyncClient former(alex_keys->identity, alex_keys->identity.public_key(), sam_port);
  EXPECT_FALSE(former.Greeted(alex_keys->ledger_id)) << "the partner from before the restore was let in";
  EXPECT_TRUE(WaitFor([&] {
    const json peers = json::parse(sam_.Ctl({"peers", "--json"}).out, nullptr, false);
    if (!peers.is_object() || !peers.contains("refused")) return false;
    for (const auto& r : peers["refused"]) {
      if (r.value("key", "") == ToHex(crypto::CurveKeysOf(alex_keys->identity.seed()).public_key)) return true;
    }
    return false;
  })) << sam_.Ctl({"peers", "--json"}).out;
}

}  // namespace
}  // namespace kintsugi::testing
