// Test harness for integration tests: temporary data dirs, real kintsugid
// processes, and kintsugictl runs with captured output. Every test binary
// sets its own XDG_RUNTIME_DIR so parallel tests never share sockets.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace kintsugi::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Points XDG_RUNTIME_DIR at a fresh private directory for this process and
// its children for as long as it lives (one per test, from the fixture).
class PrivateRuntimeDir {
 public:
  PrivateRuntimeDir();
  const std::string& path() const { return dir_.path(); }

 private:
  TempDir dir_;
};

// Runs a program to completion, capturing stdout and stderr; its standard
// input is `input` (at most a pipe's buffer), then end of file.
CommandResult Run(const std::vector<std::string>& argv,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30), const std::string& input = "");

// Runs kintsugictl --data-dir `data_dir` args..., with `input` on its stdin.
CommandResult Ctl(const std::string& data_dir, const std::vector<std::string>& args, const std::string& input = "");

// A kintsugid child process. Start() waits until it answers `status`.
class Daemon {
 public:
  // `prefix` runs before the daemon's own command line, e.g. {"ip", "netns",
  // "exec", "NAME"} to start it inside a network namespace (it must exec).
  explicit Daemon(std::string data_dir, std::vector<std::string> extra_args = {},
                  std::vector<std::string> prefix = {})
      : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)), prefix_(std::move(prefix)) {}
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts and waits up to 10 s until this process answers `status`; false
  // if it exited or never did.
  bool Start();
  // Sends `signal` and waits for the exit; returns the exit status as
  // waitpid reports it decoded: the exit code, or 128 + signal.
  int Stop(int signal);
  // Waits up to `timeout` for the process to exit on its own; -1 when it did not.
  int WaitExit(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }
  // Runs `path` instead of the build's kintsugid (an installed one).
  void UseProgram(std::string path) { program_ = std::move(path); }
  // Everything the daemon wrote to stderr so far.
  std::string Log() const;

 private:
  std::string data_dir_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> prefix_;
  std::string program_ = KINTSUGID_PATH;
  std::string log_path_;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that is free, with the one after it free too (the
// daemon's pairing port).
int FreePortPair();

// Polls `condition` every 50 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

std::string ReadFile(const std::string& path);
// True when `needle` occurs in the bytes of the file at `path` (false if absent).
bool FileContains(const std::string& path, const std::string& needle);

// A raw connection (a ZeroMQ DEALER) to the control socket of the daemon
// for `data_dir`, for what kintsugictl never sends: garbage, pipelined
// requests, replies that come out of order. The daemon reads one
// connection's requests in the order sent.
class RawControl {
 public:
  explicit RawControl(const std::string& data_dir, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Whether the daemon's control socket was found.
  bool connected() const { return connected_; }
  // Sends one frame and returns the next reply, or null when none came in time.
  nlohmann::json Send(const std::string& frame);
  // Sends `requests` at once and returns the replies in the order they came
  // (fewer when one never came).
  std::vector<nlohmann::json> Exchange(const std::vector<nlohmann::json>& requests);
  zmq::socket_t& socket() { return socket_; }

 private:
  zmq::context_t context_;
  zmq::socket_t socket_;
  bool connected_ = false;
};

// One partner's device for a test: a kintsugid on 127.0.0.1 with its own
// data dir and port pair, discovery off, driven through kintsugictl. Tests
// derive from it to add what only they ask.
class LoopbackPartner {
 public:
  LoopbackPartner(const TempDir& dir, const std::string& name);

  bool Start() { return daemon_.Start(); }
  int Stop(int signal) { return daemon_.Stop(signal); }
  Daemon& daemon() { return daemon_; }
  std::string Log() const { return daemon_.Log(); }
  const std::string& data() const { return data_; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  CommandResult Ctl(const std::vector<std::string>& args, const std::string& input = "") const {
    return testing::Ctl(data_, args, input);
  }
  // `args` with --json (added when missing); expects success and returns
  // the parsed answer (a discarded value when there is none).
  nlohmann::json Json(std::vector<std::string> args) const;
  // `status --json`, or an empty object when the daemon did not answer in
  // time (the sanitizers slow everything): "nothing known".
  nlohmann::json Status() const;
  // How many entries the shared ledger holds; -1 when unknown.
  std::int64_t Entries() const { return Status().value("entries", std::int64_t{-1}); }
  // The ids of every entry of the shared ledger, through `log`.
  std::set<std::string> Ids() const;

 private:
  std::string data_;
  int port_;
  Daemon daemon_;
};

}  // namespace kintsugi::testing
