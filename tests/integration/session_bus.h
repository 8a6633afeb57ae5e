// A private session bus for a test: a real dbus-daemon on a socket in a
// fresh directory, DBUS_SESSION_BUS_ADDRESS pointing at it for this process
// and its children, and the test notification server (notification_server.cc)
// on it, recording what it is asked to show.
//
// Thread-safety: test-thread only.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace kintsugi::testing {

// A child process started with fork and exec, ended with SIGTERM.
class Child {
 public:
  explicit Child(std::vector<std::string> argv) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Child() { Stop(); }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

class SessionBus {
 public:
  // `dir` holds the bus socket and the record; `server` is the notification
  // server program. ok() says whether both came up.
  SessionBus(const std::string& dir, const std::string& server) : socket_(dir + "/bus"), record_(dir + "/record.jsonl") {
    bus_ = std::make_unique<Child>(std::vector<std::string>{"/usr/bin/dbus-daemon", "--session", "--nofork",
                                                            "--nopidfile", "--address=unix:path=" + socket_});
    if (!Until([&] { return ::access(socket_.c_str(), F_OK) == 0; })) return;
    ::setenv("DBUS_SESSION_BUS_ADDRESS", ("unix:path=" + socket_).c_str(), 1);
    server_ = std::make_unique<Child>(std::vector<std::string>{server, "--record", record_});
    ok_ = Until([&] { return !Recorded().empty(); });
  }
  ~SessionBus() {
    server_.reset();
    bus_.reset();
    ::unsetenv("DBUS_SESSION_BUS_ADDRESS");
  }
  bool ok() const { return ok_; }

  // Every JSON line the server recorded, and of those the notifications.
  std::vector<nlohmann::json> Recorded() const {
    std::vector<nlohmann::json> lines;
    std::ifstream in(record_);
    for (std::string line; std::getline(in, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded()) lines.push_back(j);
    }
    return lines;
  }
  std::vector<nlohmann::json> Notifications() const {
    std::vector<nlohmann::json> shown;
    for (auto& line : Recorded()) {
      if (line.contains("summary")) shown.push_back(line);
    }
    return shown;
  }
  // Clicks the newest notification.
  void Click() { ::kill(server_->pid(), SIGUSR1); }
  void StopServer() { server_->Stop(); }

 private:
  template <typename F>
  static bool Until(F condition) {
    for (int i = 0; i < 200; ++i) {
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  std::string socket_;
  std::string record_;
  std::unique_ptr<Child> bus_;
  std::unique_ptr<Child> server_;
  bool ok_ = false;
};

}  // namespace kintsugi::testing
