#include "client/doctor.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "client/service.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::ctl {

using nlohmann::json;
using Level = Finding::Level;

namespace {

// How long from `then_ms` to `now_ms`; 0 when `then_ms` is later (the
// daemon stamped it after this computer's `now` was read).
std::uint64_t Elapsed(std::uint64_t now_ms, std::uint64_t then_ms) { return now_ms > then_ms ? now_ms - then_ms : 0; }

// "40 s", "5 min", "3 h", "2 days": how long from `then_ms` to `now_ms`.
std::string Span(std::uint64_t now_ms, std::uint64_t then_ms) {
  const std::uint64_t s = Elapsed(now_ms, then_ms) / 1000;
  if (s < 90) return std::to_string(s) + " s";
  if (s < 90 * 60) return std::to_string(s / 60) + " min";
  if (s < 36 * 3600) return std::to_string(s / 3600) + " h";
  return std::to_string(s / 86400) + " days";
}
std::string Ago(std::uint64_t now_ms, std::uint64_t then_ms) { return Span(now_ms, then_ms) + " ago"; }

std::string Size(std::uint64_t bytes) {
  if (bytes >= (10ull << 30)) return std::to_string(bytes >> 30) + " GB";
  if (bytes >= (1ull << 30)) return std::to_string(bytes >> 30) + "." + std::to_string(((bytes >> 20) % 1024) / 103) + " GB";
  return std::to_string(bytes >> 20) + " MB";
}

std::string Mode(unsigned mode) {
  char out[8];
  std::snprintf(out, sizeof out, "%04o", mode & 07777);
  return out;
}

// What concerns this computer alone: checked whether or not the daemon answers.
void LocalFindings(const DoctorFacts& f, std::vector<Finding>& out) {
  if (f.free_bytes) {
    const std::uint64_t free = *f.free_bytes;
    if (free < kDiskLowBytes) {
      out.push_back({"disk", Level::kProblem, "Only " + Size(free) + " is free where the ledger is kept (" + f.data_dir +
                     "): new entries may fail to be written.", "Free some space on that disk."});
    } else if (free < kDiskNoteBytes) {
      out.push_back({"disk", Level::kNote, Size(free) + " is free where the ledger is kept: enough for now.",
                     "Free some space on that disk before long."});
    } else {
      out.push_back({"disk", Level::kOk, Size(free) + " free where the ledger is kept.", ""});
    }
  }
  if (f.data_dir_mode && (*f.data_dir_mode & 077) != 0) {
    out.push_back({"files", Level::kProblem,
                   "Other users of this computer can look into the data directory " + f.data_dir + " (mode " +
                       Mode(*f.data_dir_mode) + ").",
                   "chmod 700 '" + f.data_dir + "'"});
  } else if (f.key_mode && (*f.key_mode & 077) != 0) {
    out.push_back({"files", Level::kProblem,
                   "Other users of this computer can read the key file (mode " + Mode(*f.key_mode) + ").",
                   "chmod 600 '" + f.data_dir + "/identity.key'"});
  } else if (f.data_dir_mode) {
    out.push_back({"files", Level::kOk, "The data directory and the key file are for you alone.", ""});
  }
  if (f.login == "enabled") {
    std::string says = "kintsugid starts when you log in";
    if (!f.login_program.empty()) says += " (" + f.login_program + ")";
    out.push_back({"login", Level::kOk, says + ".", ""});
    if (!f.daemon_program.empty() && !f.login_program.empty() && f.daemon_program != f.login_program) {
      out.push_back({"login", Level::kNote,
                     "The kintsugid that starts at login is " + f.login_program + ", but the one running is " +
                         f.daemon_program + ".",
                     "Run 'kintsugictl service install' with the kintsugictl beside the kintsugid you want."});
    }
  } else if (f.login == "installed") {
    out.push_back({"login", Level::kNote, "kintsugid's service is installed but does not start at login.",
                   "kintsugictl service install"});
  } else if (f.login == "none") {
    out.push_back({"login", Level::kNote,
                   "kintsugid does not start when you log in: after a restart nothing syncs until Kintsugi is "
                   "opened.",
                   "kintsugictl service install"});
  } else if (f.login == "no-manager") {
    out.push_back({"login", Level::kNote,
                   "No per-user service manager runs here, so kintsugid cannot be started at login by "
                   "'kintsugictl service install'.",
                   "Start kintsugid from your desktop's autostart settings."});
  }
}

}  // namespace

std::vector<Finding> Diagnose(const DoctorFacts& f) {
  std::vector<Finding> out;
  if (!f.daemon_problem.empty()) {
    out.push_back({"daemon", Level::kProblem,
                   "Kintsugi's background service (kintsugid) does not answer: " + f.daemon_problem + ".",
                   "Start it: open Kintsugi, or run 'kintsugictl service install' to start it now and at every "
                   "login."});
    LocalFindings(f, out);
    return out;
  }
  const protocol::DaemonStatus& status = f.status;
  std::string running = "kintsugid " + status.version + " runs (process " + std::to_string(status.pid) +
                        (f.daemon_program.empty() ? "" : ", " + f.daemon_program) + ").";
  out.push_back({"daemon", Level::kOk, running, ""});
  if (!status.initialized) {
    out.push_back({"ledger", Level::kProblem, "This device has no ledger yet.",
                   "Open Kintsugi, or run 'kintsugictl init --name YOUR-NAME'."});
    LocalFindings(f, out);
    return out;
  }
  if (status.locked) {
    out.push_back({"ledger", Level::kNote,
                   "The ledger is locked. Your partner's entries still arrive, and are kept sealed until you unlock.",
                   ""});
  }
  if (!status.paired) {
    out.push_back({"paired", Level::kProblem, "This device is not paired with your partner's yet.",
                   "On one computer run 'kintsugictl pair invite' (or Invite in the window), and on the other "
                   "'kintsugictl pair join CODE'."});
    LocalFindings(f, out);
    return out;
  }
  const std::string name = status.partner_name.empty() ? "your partner" : status.partner_name;
  const std::string their = status.partner_name.empty() ? "your partner's" : name + "'s";
  const protocol::Sharing sharing = status.sharing.value_or(protocol::Sharing{});
  if (sharing.state == "ended") {
    out.push_back({"ended", Level::kProblem,
                   "The shared ledger has ended: one of you left, so the two devices no longer sync. Each of you "
                   "keeps a copy.",
                   ""});
    LocalFindings(f, out);
    return out;
  }
  if (sharing.paused()) {
    out.push_back({"sharing", Level::kProblem, "You paused sharing: nothing is exchanged until you resume.",
                   "kintsugictl sharing resume (or Resume sharing in Settings)"});
  } else if (sharing.partner_paused()) {
    out.push_back({"sharing", Level::kProblem,
                   name + " paused sharing: nothing is exchanged until " + name + " resumes.",
                   "Only " + name + " can resume, on " + their + " computer."});
  } else {
    out.push_back({"sharing", Level::kOk, "Sharing is on.", ""});
  }

  const protocol::PeersReply& peers = f.peers;
  const protocol::PeerState peer = peers.peers.empty() ? protocol::PeerState{} : peers.peers[0];
  const std::uint64_t port = peers.listening_port;
  std::string where;
  for (const auto& a : f.addresses) where += (where.empty() ? "" : ", ") + a + ":" + std::to_string(port);
  if (port == 0) {
    out.push_back({"listening", Level::kNote,
                   "This device takes no connections from " + their + " device (it was started with --no-listen): "
                   "it only connects to it.",
                   ""});
  } else {
    out.push_back({"listening", Level::kOk,
                   "This device waits for " + their + " device on port " + std::to_string(port) +
                       (where.empty() ? "" : " (" + where + ")") + ".",
                   ""});
  }

  const bool online = peer.online;
  const std::string& address = peer.address;
  if (online) {
    const std::uint64_t synced = peer.last_sync_ms;
    out.push_back({"partner", Level::kOk,
                   name + "'s device is connected" + (address.empty() ? "" : " (" + address + ")") +
                       (synced == 0 ? "" : ", last exchange " + Ago(f.now_ms, synced)) + ".",
                   ""});
  } else if (peer.last_seen_ms == 0) {
    out.push_back({"partner", Level::kProblem, name + "'s device has not been reached since pairing.", ""});
  } else {
    out.push_back({"partner", Level::kProblem,
                   name + "'s device was last reached " + Ago(f.now_ms, peer.last_seen_ms) +
                       (address.empty() ? "" : ", at " + address) + ".",
                   ""});
  }

  const protocol::DiscoveryState& discovery = peers.discovery;
  const std::uint64_t last_beacon = discovery.last_partner_beacon_ms;
  const bool beacons_arrive = last_beacon != 0 && Elapsed(f.now_ms, last_beacon) < kBeaconSilenceMs;
  const std::string remedy_address =
      "Run 'kintsugictl doctor' on " + their + " computer: it shows the address to give here with "
      "'kintsugictl peer add ADDRESS:PORT' (and " + name + " can add " + (where.empty() ? "this computer's" : where) +
      " there).";
  if (!discovery.enabled) {
    out.push_back({"beacons", Level::kNote,
                   "Beacons are off (--no-discovery): the two devices find each other only by an address given "
                   "with 'kintsugictl peer add'.",
                   ""});
  } else if (discovery.interfaces == 0) {
    out.push_back({"beacons", Level::kProblem,
                   "No beacons go out: this computer is on no network that carries them.",
                   "Join your home network (Wi-Fi or cable), the same one as " + their + " computer."});
  } else if (beacons_arrive) {
    out.push_back({"beacons", Level::kOk,
                   "Beacons from " + their + " device arrive (from " + discovery.partner_beacon_from + ", " +
                       Ago(f.now_ms, last_beacon) + ").",
                   ""});
  } else if (online) {
    out.push_back({"beacons", Level::kNote,
                   "No beacons from " + their + " device arrive, but the two devices are connected (by an address "
                   "given with 'peer add', or one they found earlier).",
                   ""});
  } else {
    out.push_back({"beacons", Level::kProblem,
                   "No beacons from " + their + " device have arrived" +
                       (last_beacon == 0 ? " since this daemon started" : " for " + Span(f.now_ms, last_beacon)) +
                       ". " + name + "'s computer may be off or asleep, on another network or subnet, or the "
                       "router keeps its devices apart (client isolation, common on guest Wi-Fi).",
                   remedy_address});
  }

  // Which way the link runs, when the partner is on this network.
  const bool dialled = peer.dialled, called_in = peer.called_in;
  if (beacons_arrive && !online) {
    out.push_back({"reach", Level::kProblem,
                   name + "'s device is on this network (its beacons arrive) but the two cannot connect: a "
                   "firewall on one of the two computers drops the connection.",
                   "On a computer with a firewall, allow TCP port " + std::to_string(port) +
                       " here and " + their + " port there (with ufw: sudo ufw allow PORT/tcp)."});
  } else if (online && !dialled && called_in) {
    out.push_back({"reach", Level::kNote,
                   "This device cannot connect to " + their + " device (" + address + "), but " + their +
                       " device connects to this one, so you sync. A firewall on " + their + " computer probably "
                       "drops connections to it.",
                   "On " + their + " computer, allow its Kintsugi port (with ufw: sudo ufw allow PORT/tcp)."});
  } else if (online && dialled && !called_in && port != 0) {
    out.push_back({"reach", Level::kNote,
                   name + "'s device does not connect to this one; this one connects to it, so you sync. A "
                   "firewall here may drop connections to port " + std::to_string(port) + ".",
                   "Allow TCP port " + std::to_string(port) + " here (with ufw: sudo ufw allow " +
                       std::to_string(port) + "/tcp)."});
  }

  const std::uint64_t off_clock = discovery.last_off_clock_ms;
  if (off_clock != 0 && Elapsed(f.now_ms, off_clock) < 10 * 60 * 1000) {
    out.push_back({"clock", Level::kProblem,
                   "Beacons from " + their + " device carry a time more than five minutes away from this "
                   "computer's clock: one of the two clocks is wrong (or an old beacon was sent again).",
                   "Set both clocks from the network: 'timedatectl set-ntp true', or the desktop's date and time "
                   "settings."});
  }
  LocalFindings(f, out);
  return out;
}

DoctorFacts GatherFacts(const CallFn& call, const std::string& data_dir, std::string daemon_problem) {
  DoctorFacts f;
  f.data_dir = data_dir;
  f.daemon_problem = std::move(daemon_problem);
  if (f.daemon_problem.empty()) {
    auto status = call("status");
    std::optional<protocol::DaemonStatus> read;
    if (status.ok()) read = protocol::ReadMessage<protocol::DaemonStatus>(*status);
    if (read) {
      f.status = std::move(*read);
      if (!f.status.data_dir.empty()) f.data_dir = f.status.data_dir;
      if (f.status.paired) {
        auto peers = call("peers");
        if (peers.ok()) f.peers = protocol::ReadMessage<protocol::PeersReply>(*peers).value_or(protocol::PeersReply{});
      }
      std::error_code ec;
      const auto program = std::filesystem::read_symlink("/proc/" + std::to_string(f.status.pid) + "/exe", ec);
      if (!ec) f.daemon_program = program.string();
    } else {
      f.daemon_problem = status.ok() ? "its status could not be read" : status.error().message;
    }
  }
  if (!f.data_dir.empty()) {
    struct statvfs fs {};
    if (::statvfs(f.data_dir.c_str(), &fs) == 0) f.free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
    struct stat st {};
    if (::stat(f.data_dir.c_str(), &st) == 0) f.data_dir_mode = st.st_mode & 07777;
    if (::stat((f.data_dir + "/identity.key").c_str(), &st) == 0) f.key_mode = st.st_mode & 07777;
  }
  // Read after the daemon answered, so that what it stamped is not later.
  f.now_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
      if (ifa->ifa_addr == nullptr || ifa->ifa_addr->sa_family != AF_INET || (ifa->ifa_flags & IFF_LOOPBACK) ||
          !(ifa->ifa_flags & IFF_UP)) {
        continue;
      }
      char ip[INET_ADDRSTRLEN] = {};
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(ifa->ifa_addr)->sin_addr, ip, sizeof ip);
      f.addresses.emplace_back(ip);
    }
    ::freeifaddrs(list);
  }
  if (auto manager = NewServiceManager()) {
    if (auto s = manager->Query(); s.ok()) {
      f.login = !s->manager_running ? "no-manager" : !s->installed ? "none" : s->enabled ? "enabled" : "installed";
      f.login_program = s->exec_start;
    }
  }
  return f;
}

std::string_view LevelName(Finding::Level level) {
  switch (level) {
    case Level::kOk: return "ok";
    case Level::kNote: return "note";
    case Level::kProblem: return "problem";
  }
  return "";
}

json FindingsJson(const std::vector<Finding>& findings) {
  json list = json::array();
  for (const Finding& f : findings) {
    list.push_back({{"check", f.check}, {"level", LevelName(f.level)}, {"says", f.says}, {"todo", f.todo}});
  }
  return {{"findings", list}};
}

void PrintFindings(const std::vector<Finding>& findings, std::ostream& out) {
  for (const Finding& f : findings) {
    const std::string_view level = LevelName(f.level);
    out << level << std::string(9 - level.size(), ' ') << f.says << "\n";
    if (!f.todo.empty()) out << "         What to do: " << f.todo << "\n";
  }
}

}  // namespace kintsugi::ctl
