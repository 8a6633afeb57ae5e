#include "ui/daemon_start.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <vector>

namespace kintsugi::ui {
namespace {

namespace fs = std::filesystem;

bool Runnable(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

DaemonStart::~DaemonStart() { Close(); }

void DaemonStart::Close() {
  fd_ = base::UniqueFd();
  heard_.clear();
}

Result<std::string> DaemonStart::FindProgram() {
  std::vector<fs::path> places;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    places.push_back(self.parent_path() / "kintsugid");
    places.push_back(self.parent_path().parent_path() / "daemon" / "kintsugid");
  }
#ifdef KINTSUGI_INSTALL_BINDIR
  places.push_back(fs::path(KINTSUGI_INSTALL_BINDIR) / "kintsugid");
#endif
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    for (std::size_t start = 0; start <= dirs.size();) {
      const std::size_t end = std::min(dirs.find(':', start), dirs.size());
      if (end > start && dirs[start] == '/') places.push_back(fs::path(dirs.substr(start, end - start)) / "kintsugid");
      start = end + 1;
    }
  }
  std::string looked;
  for (const auto& p : places) {
    if (Runnable(p)) return p.string();
    if (looked.size() < 400) looked += (looked.empty() ? "" : ", ") + p.string();
  }
  return MakeError(ErrorCode::kNotFound, "kintsugid was not found (looked for " + looked + ")");
}

Status DaemonStart::Begin(const std::string& data_dir) {
  Close();
  auto program = FindProgram();
  if (!program.ok()) return program.take_error();
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return MakeError(ErrorCode::kIo, "could not start kintsugid: no socket for its answer");
  }
  base::UniqueFd ours(pair[0]);
  base::UniqueFd theirs(pair[1]);
  std::vector<std::string> args{*program, "--ready-fd", "3"};
  if (!data_dir.empty()) args.insert(args.end(), {"--data-dir", data_dir});
  // Made before the fork: a child of a threaded program must not allocate.
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t child = ::fork();
  if (child < 0) {
    return MakeError(ErrorCode::kIo, "could not start kintsugid: fork failed");
  }
  if (child == 0) {
    // A new session, and a second fork so the daemon is not this window's child.
    ::setsid();
    if (::fork() != 0) _exit(0);
    // Nothing of the window's goes with the daemon: not its display
    // connection, its sockets or its terminal input (errors still go to the
    // window's standard error); fd 3 is its end of the answer socket.
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
    }
    ::dup2(theirs.get(), 3);  // dup2 clears close-on-exec on the copy
    ::close_range(4, ~0U, 0);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  theirs = base::UniqueFd();
  int status = 0;
  ::waitpid(child, &status, 0);
  fd_ = std::move(ours);
  deadline_ = std::chrono::steady_clock::now() + kPatience;
  return OkStatus();
}

std::optional<Status> DaemonStart::Poll() {
  if (!fd_.valid()) return std::nullopt;
  char buf[512];
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      if (heard_.size() < 4096) heard_.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    // Closed: the daemon said its word, or died without one.
    const std::string line = heard_.substr(0, heard_.find('\n'));
    Close();
    if (line == "ready") return OkStatus();
    if (line.rfind("error ", 0) == 0) return MakeError(ErrorCode::kUnavailable, "kintsugid could not start: " + line.substr(6));
    return MakeError(ErrorCode::kUnavailable, "kintsugid stopped as it started, without saying why (see its log)");
  }
  if (heard_.find('\n') != std::string::npos && heard_.rfind("ready", 0) == 0) {
    Close();
    return OkStatus();
  }
  if (std::chrono::steady_clock::now() > deadline_) {
    Close();
    return MakeError(ErrorCode::kUnavailable, "kintsugid did not answer within " +
                                                  std::to_string(kPatience.count()) + " s of starting");
  }
  return std::nullopt;
}

}  // namespace kintsugi::ui
