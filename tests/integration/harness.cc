#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "client/client.h"

namespace kintsugi::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  char tmpl[] = "/tmp/kintsugi-test-XXXXXX";
  char* made = ::mkdtemp(tmpl);
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

PrivateRuntimeDir::PrivateRuntimeDir() { ::setenv("XDG_RUNTIME_DIR", dir_.path().c_str(), 1); }

namespace {

int DecodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

CommandResult Run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                  const std::string& input) {
  int out_pipe[2], err_pipe[2], in_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 || ::pipe2(in_pipe, O_CLOEXEC) != 0) {
    std::abort();
  }
  // Small inputs fit the pipe's buffer: written whole before the child starts.
  if (!input.empty() && ::write(in_pipe[1], input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    std::abort();
  }
  ::close(in_pipe[1]);
  std::vector<char*> args;  // made before the fork: the child of a threaded test must not allocate
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    ::close_range(3, ~0U, 0);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  CommandResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int open_fds = 2;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) ::close(f.fd);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = DecodeStatus(status);
  return result;
}

CommandResult Ctl(const std::string& data_dir, const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv{KINTSUGICTL_PATH, "--data-dir", data_dir};
  argv.insert(argv.end(), args.begin(), args.end());
  return Run(argv, std::chrono::seconds(30), input);
}

Daemon::~Daemon() {
  int exited_alone = -1;  // the exit status of a daemon that was gone before the test ended
  if (pid_ > 0) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_alone = DecodeStatus(status);
      pid_ = -1;
    } else {
      Stop(SIGKILL);
    }
  }
  // A failed test shows what each of its daemons said: a flaky failure on a
  // loaded machine explains itself from the log alone.
  if (::testing::Test::HasFailure() && !log_path_.empty()) {
    std::string log = Log();
    constexpr std::size_t kTail = 16 * 1024;
    if (log.size() > kTail) log = "[...]\n" + log.substr(log.size() - kTail);
    std::fprintf(stderr, "---- kintsugid --data-dir %s%s ----\n%s---- end ----\n", data_dir_.c_str(),
                 exited_alone >= 0 ? (" (exited by itself: " + std::to_string(exited_alone) + ")").c_str() : "",
                 log.c_str());
  }
}

bool Daemon::Start() {
  log_path_ = data_dir_ + ".kintsugid.log";
  // Made before the fork: the child of a threaded test must not allocate.
  std::vector<std::string> args = prefix_;
  args.push_back(program_);
  args.push_back("--data-dir");
  args.push_back(data_dir_);
  args.push_back("--log-level");
  args.push_back("debug");
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(fd, 2);
    int null_fd = ::open("/dev/null", O_WRONLY);
    ::dup2(null_fd, 1);
    ::close_range(3, ~0U, 0);  // nothing of the test's (its sockets) goes with the daemon
    ::execvp(argv[0], argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    auto reply = Ctl(data_dir_, {"--timeout", "500", "status", "--json"});
    // Another daemon may answer for the same data dir: only ours counts.
    if (reply.exit_code == 0) {
      auto doc = nlohmann::json::parse(reply.out, nullptr, false);
      if (!doc.is_discarded() && doc.value("pid", 0L) == static_cast<long>(pid_)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int Daemon::Stop(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return DecodeStatus(status);
}

int Daemon::WaitExit(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return DecodeStatus(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

std::string Daemon::Log() const { return ReadFile(log_path_); }

namespace {

bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int FreePortPair() {
  std::mt19937 rng(static_cast<unsigned>(::getpid()) ^
                   static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int i = 0; i < 200; ++i) {
    int port = 20000 + static_cast<int>(rng() % 20000) * 2;
    if (PortFree(port) && PortFree(port + 1)) return port;
  }
  std::abort();
}

bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool FileContains(const std::string& path, const std::string& needle) {
  return ReadFile(path).find(needle) != std::string::npos;
}

LoopbackPartner::LoopbackPartner(const TempDir& dir, const std::string& name)
    : data_(dir / name),
      port_(FreePortPair()),
      daemon_(data_, {"--listen", "127.0.0.1:" + std::to_string(port_), "--no-discovery"}) {}

nlohmann::json LoopbackPartner::Json(std::vector<std::string> args) const {
  if (std::find(args.begin(), args.end(), "--json") == args.end()) args.push_back("--json");
  auto r = Ctl(args);
  EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
  return nlohmann::json::parse(r.out, nullptr, false);
}

nlohmann::json LoopbackPartner::Status() const {
  auto r = Ctl({"status", "--json"});
  nlohmann::json status = r.exit_code == 0 ? nlohmann::json::parse(r.out, nullptr, false) : nlohmann::json::object();
  return status.is_object() ? status : nlohmann::json::object();
}

std::set<std::string> LoopbackPartner::Ids() const {
  std::set<std::string> ids;
  auto r = Ctl({"log", "--json", "--limit", "1000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return ids;
  const nlohmann::json log = nlohmann::json::parse(r.out, nullptr, false);  // named: members of a temporary dangle
  if (!log.is_object() || !log.contains("entries")) return ids;
  for (const auto& e : log["entries"]) ids.insert(e.value("id", ""));
  return ids;
}

RawControl::RawControl(const std::string& data_dir, std::chrono::milliseconds timeout)
    : socket_(context_, zmq::socket_type::dealer) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::rcvtimeo, static_cast<int>(timeout.count()));
  auto client = client::Client::Connect({data_dir, std::chrono::seconds(5)});
  if (!client.ok()) return;
  socket_.connect((*client)->layout().control_endpoint);
  connected_ = true;
}

nlohmann::json RawControl::Send(const std::string& frame) {
  socket_.send(zmq::buffer(frame), zmq::send_flags::none);
  zmq::message_t reply;
  if (!socket_.recv(reply)) return nullptr;
  return nlohmann::json::parse(reply.to_string());
}

std::vector<nlohmann::json> RawControl::Exchange(const std::vector<nlohmann::json>& requests) {
  for (const auto& request : requests) socket_.send(zmq::buffer(request.dump()), zmq::send_flags::none);
  std::vector<nlohmann::json> replies;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    zmq::message_t reply;
    if (!socket_.recv(reply)) break;
    replies.push_back(nlohmann::json::parse(reply.to_string()));
  }
  return replies;
}

}  // namespace kintsugi::testing
