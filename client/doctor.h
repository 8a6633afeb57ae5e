// "Why don't we sync?": what `kintsugictl doctor` and the window's Settings
// check, each finding said in plain words with what to do about it.
//
// GatherFacts asks the daemon (status, peers) through `call` and looks at
// this computer (the daemon's program, the data directory's and key file's
// modes, free disk space, the network's addresses, start at login).
// Diagnose is pure: the same facts always give the same findings, so each
// finding is unit-tested from facts alone.
//
// Thread-safety: GatherFacts runs subprocesses (systemctl) and blocks: one
// thread at a time, never the window's frame thread. Diagnose: any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::ctl {

struct DoctorFacts {
  std::uint64_t now_ms = 0;
  std::string data_dir;
  // The daemon: its `status` and `peers` replies (as default when it could
  // not be asked, or before pairing), and why not.
  std::string daemon_problem;  // empty: it answered
  protocol::DaemonStatus status;
  protocol::PeersReply peers;
  std::string daemon_program;  // the running kintsugid's file, when it can be seen
  // This computer.
  std::optional<std::uint64_t> free_bytes;        // on the data directory's file system
  std::optional<unsigned> data_dir_mode;          // permission bits
  std::optional<unsigned> key_mode;
  std::vector<std::string> addresses;             // IPv4 addresses on the LAN (not loopback)
  // Start at login: "enabled", "installed" (not enabled), "none" (no unit),
  // "no-manager" (no per-user service manager), "" (unknown).
  std::string login;
  std::string login_program;  // the kintsugid the unit starts
};

struct Finding {
  enum class Level { kOk, kNote, kProblem };
  std::string check;  // a short name: daemon, ledger, paired, ended, sharing, partner, listening, beacons, reach, clock, disk, files, login
  Level level = Level::kOk;
  std::string says;   // what is so
  std::string todo;   // what to do about it; empty when nothing
};

// How long without the partner's beacons counts as none (beacons go out
// every 4 to 6 s).
inline constexpr std::uint64_t kBeaconSilenceMs = 30'000;
// Free space below which the ledger's writes may fail, and below which it is worth a word.
inline constexpr std::uint64_t kDiskLowBytes = 100ull << 20;
inline constexpr std::uint64_t kDiskNoteBytes = 1ull << 30;

using CallFn = std::function<Result<nlohmann::json>(std::string_view method)>;

DoctorFacts GatherFacts(const CallFn& call, const std::string& data_dir, std::string daemon_problem);

std::vector<Finding> Diagnose(const DoctorFacts& facts);

std::string_view LevelName(Finding::Level level);  // "ok", "note", "problem"
nlohmann::json FindingsJson(const std::vector<Finding>& findings);
// One finding a line ("problem  ..."), what to do indented under it.
void PrintFindings(const std::vector<Finding>& findings, std::ostream& out);

}  // namespace kintsugi::ctl
