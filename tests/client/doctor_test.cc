// kintsugictl doctor's findings from facts alone (client/doctor.h): each
// situation a couple meets when their devices do not sync gives the finding
// that names it, with what to do.
#include "client/doctor.h"

#include <gtest/gtest.h>

#include "protocol/ipc_messages.h"

namespace kintsugi::ctl {
namespace {

using nlohmann::json;
using Level = Finding::Level;

constexpr std::uint64_t kNow = 1'800'000'000'000;
constexpr std::uint64_t kSince = kNow - 3'600'000;  // a pause an hour old

// A paired, sharing, connected couple on one LAN, with nothing wrong.
DoctorFacts Healthy() {
  DoctorFacts f;
  f.now_ms = kNow;
  f.data_dir = "/home/alex/.local/share/kintsugi";
  f.status.version = "0.1.0";
  f.status.pid = 42;
  f.status.initialized = true;
  f.status.paired = true;
  f.status.partner_name = "Sam";
  f.status.sharing = protocol::Sharing{};
  protocol::PeerState sam;
  sam.online = true;
  sam.address = "192.168.1.20:47470";
  sam.last_seen_ms = kNow - 1000;
  sam.last_sync_ms = kNow - 2000;
  sam.dialled = sam.called_in = true;
  f.peers.peers = {sam};
  f.peers.listening_port = 47470;
  f.peers.discovery.enabled = true;
  f.peers.discovery.interfaces = 1;
  f.peers.discovery.sent = 10;
  f.peers.discovery.last_partner_beacon_ms = kNow - 3000;
  f.peers.discovery.partner_beacon_from = "192.168.1.20";
  f.daemon_program = "/usr/bin/kintsugid";
  f.free_bytes = 50ull << 30;
  f.data_dir_mode = 0700;
  f.key_mode = 0600;
  f.addresses = {"192.168.1.10"};
  f.login = "enabled";
  f.login_program = "/usr/bin/kintsugid";
  return f;
}

const Finding* Find(const std::vector<Finding>& findings, const std::string& check) {
  for (const Finding& f : findings) {
    if (f.check == check) return &f;
  }
  return nullptr;
}

int Problems(const std::vector<Finding>& findings) {
  int n = 0;
  for (const Finding& f : findings) n += f.level == Level::kProblem;
  return n;
}

TEST(Doctor, AHealthyCoupleHasNoProblemAndEachCheckSaysSo) {
  const auto findings = Diagnose(Healthy());
  EXPECT_EQ(Problems(findings), 0);
  for (const char* check : {"daemon", "sharing", "listening", "partner", "beacons", "disk", "files", "login"}) {
    const Finding* f = Find(findings, check);
    ASSERT_NE(f, nullptr) << check;
    EXPECT_EQ(f->level, Level::kOk) << check << ": " << f->says;
  }
  EXPECT_NE(Find(findings, "listening")->says.find("192.168.1.10:47470"), std::string::npos)
      << "the address the partner may give with peer add";
  EXPECT_EQ(Find(findings, "reach"), nullptr);
  EXPECT_EQ(Find(findings, "clock"), nullptr);
}

TEST(Doctor, NoDaemonIsTheOneProblemAndTheComputerIsStillChecked) {
  DoctorFacts f = Healthy();
  f.daemon_problem = "no kintsugid is running";
  const auto findings = Diagnose(f);
  EXPECT_EQ(Find(findings, "daemon")->level, Level::kProblem);
  EXPECT_NE(Find(findings, "daemon")->todo.find("service install"), std::string::npos);
  EXPECT_EQ(Find(findings, "partner"), nullptr) << "nothing is said of what was not asked";
  EXPECT_NE(Find(findings, "disk"), nullptr);
  EXPECT_NE(Find(findings, "login"), nullptr);
}

TEST(Doctor, NotPairedEndedAndPausedEachSayWhatToDo) {
  DoctorFacts f = Healthy();
  f.status.paired = false;
  EXPECT_NE(Find(Diagnose(f), "paired")->todo.find("pair invite"), std::string::npos);

  f = Healthy();
  f.status.sharing = protocol::Sharing{"ended", 0, 0, protocol::SharingEnded{}};
  EXPECT_EQ(Find(Diagnose(f), "ended")->level, Level::kProblem);
  EXPECT_EQ(Find(Diagnose(f), "beacons"), nullptr) << "after a leave, the network does not matter";

  f = Healthy();
  f.status.sharing = protocol::Sharing{"paused", kSince, 0, std::nullopt};
  EXPECT_NE(Find(Diagnose(f), "sharing")->todo.find("sharing resume"), std::string::npos);

  f = Healthy();
  f.status.sharing = protocol::Sharing{"partner_paused", 0, kSince, std::nullopt};
  const auto paused_findings = Diagnose(f);
  const Finding* paused = Find(paused_findings, "sharing");
  EXPECT_EQ(paused->level, Level::kProblem);
  EXPECT_NE(paused->says.find("Sam paused sharing"), std::string::npos) << paused->says;
}

TEST(Doctor, NoBeaconsFromThePartnerSuggestsAnotherNetworkAndPeerAdd) {
  DoctorFacts f = Healthy();
  f.peers.peers[0].online = false;
  f.peers.peers[0].last_seen_ms = kNow - 3 * 3600 * 1000;
  f.peers.discovery.last_partner_beacon_ms = kNow - 10 * 60 * 1000;
  const auto findings = Diagnose(f);
  const Finding* beacons = Find(findings, "beacons");
  ASSERT_NE(beacons, nullptr);
  EXPECT_EQ(beacons->level, Level::kProblem);
  EXPECT_NE(beacons->says.find("for 10 min"), std::string::npos) << beacons->says;
  EXPECT_NE(beacons->says.find("client isolation"), std::string::npos) << beacons->says;
  EXPECT_NE(beacons->todo.find("peer add"), std::string::npos) << beacons->todo;
  EXPECT_NE(Find(findings, "partner")->says.find("last reached 3 h ago"), std::string::npos)
      << Find(findings, "partner")->says;
  EXPECT_EQ(Find(findings, "reach"), nullptr) << "without beacons there is no telling a firewall";
}

TEST(Doctor, BeaconsWithoutAConnectionMeanAFirewall) {
  DoctorFacts f = Healthy();
  f.peers.peers[0].online = false;
  f.peers.peers[0].dialled = false;
  f.peers.peers[0].called_in = false;
  auto findings = Diagnose(f);
  const Finding* reach = Find(findings, "reach");
  ASSERT_NE(reach, nullptr);
  EXPECT_EQ(reach->level, Level::kProblem);
  EXPECT_NE(reach->says.find("firewall"), std::string::npos);
  EXPECT_NE(reach->todo.find("47470"), std::string::npos) << reach->todo;

  // One way works: they sync, and the note says which side drops.
  f = Healthy();
  f.peers.peers[0].dialled = false;
  findings = Diagnose(f);
  reach = Find(findings, "reach");
  ASSERT_NE(reach, nullptr);
  EXPECT_EQ(reach->level, Level::kNote);
  EXPECT_NE(reach->says.find("firewall on Sam's computer"), std::string::npos) << reach->says;
  f = Healthy();
  f.peers.peers[0].called_in = false;
  EXPECT_NE(Find(Diagnose(f), "reach")->says.find("firewall here"), std::string::npos);
}

TEST(Doctor, APartnersClockMinutesAwayIsSaidForTenMinutes) {
  DoctorFacts f = Healthy();
  f.peers.discovery.last_off_clock_ms = kNow - 60 * 1000;
  const auto findings = Diagnose(f);
  const Finding* clock = Find(findings, "clock");
  ASSERT_NE(clock, nullptr);
  EXPECT_NE(clock->todo.find("set-ntp"), std::string::npos);
  f.peers.discovery.last_off_clock_ms = kNow - 11 * 60 * 1000;
  EXPECT_EQ(Find(Diagnose(f), "clock"), nullptr);
}

// The daemon may stamp a beacon a moment after this computer's "now" was
// read: it arrived just now, not long ago.
TEST(Doctor, ABeaconStampedAfterNowCountsAsJustNow) {
  DoctorFacts f = Healthy();
  f.peers.discovery.last_partner_beacon_ms = kNow + 5;
  f.peers.discovery.last_off_clock_ms = kNow + 5;
  const auto findings = Diagnose(f);
  EXPECT_EQ(Find(findings, "beacons")->level, Level::kOk) << Find(findings, "beacons")->says;
  EXPECT_NE(Find(findings, "clock"), nullptr);
}

TEST(Doctor, NoNetworkLowDiskOpenFilesAndNoStartAtLogin) {
  DoctorFacts f = Healthy();
  f.peers.discovery.interfaces = 0;
  f.peers.peers[0].online = false;
  EXPECT_NE(Find(Diagnose(f), "beacons")->says.find("no network"), std::string::npos);

  f = Healthy();
  f.free_bytes = 20ull << 20;
  EXPECT_EQ(Find(Diagnose(f), "disk")->level, Level::kProblem);
  f.free_bytes = 500ull << 20;
  EXPECT_EQ(Find(Diagnose(f), "disk")->level, Level::kNote);

  f = Healthy();
  f.key_mode = 0644;
  EXPECT_NE(Find(Diagnose(f), "files")->todo.find("chmod 600"), std::string::npos);
  f.data_dir_mode = 0755;
  EXPECT_NE(Find(Diagnose(f), "files")->todo.find("chmod 700"), std::string::npos);

  f = Healthy();
  f.login = "none";
  EXPECT_NE(Find(Diagnose(f), "login")->todo.find("service install"), std::string::npos);
  f = Healthy();
  f.daemon_program = "/home/alex/src/kintsugi/build/daemon/kintsugid";
  const auto findings = Diagnose(f);
  int notes = 0;
  for (const Finding& x : findings) notes += x.check == "login" && x.level == Level::kNote;
  EXPECT_EQ(notes, 1) << "the unit starts another kintsugid than the running one";
}

TEST(Doctor, JsonHasEveryFindingWithItsLevel) {
  DoctorFacts f = Healthy();
  f.status.sharing = protocol::Sharing{"paused", kSince, 0, std::nullopt};
  const json j = FindingsJson(Diagnose(f));
  ASSERT_TRUE(j["findings"].is_array());
  bool found = false;
  for (const auto& x : j["findings"]) {
    if (x["check"] == "sharing") found = x["level"] == "problem" && !x["todo"].get<std::string>().empty();
  }
  EXPECT_TRUE(found) << j.dump();
}

}  // namespace
}  // namespace kintsugi::ctl
