#include "daemon/desktop/window_opener.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "base/files.h"
#include "protocol/ipc.h"
#include "protocol/ipc_events.h"

namespace kintsugi::daemon {
namespace {

namespace fs = std::filesystem;

// The window installed with this daemon, or the build tree's.
std::string FindWindow() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  for (const fs::path& p : {self.parent_path() / "kintsugi", self.parent_path().parent_path() / "ui" / "kintsugi"}) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

}  // namespace

bool WindowRunning(const std::string& path) {
  // Closing the descriptor releases the lock if we took it.
  const base::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  return fd.valid() && ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0;
}

std::string OpenWindow(const protocol::Layout& layout, const std::string& data_dir_flag, const std::string& screen,
                       const std::function<void(std::string_view, nlohmann::json)>& publish) {
  if (WindowRunning(layout.window_lock_path)) {
    if (publish) publish(protocol::kEventWindowOpen, protocol::WindowOpenEvent{screen});
    return "asked the open window";
  }
  const std::string program = FindWindow();
  if (program.empty()) return "no window program beside kintsugid";
  std::vector<std::string> args{program, "--open", screen};
  if (!data_dir_flag.empty()) args.insert(args.end(), {"--data-dir", data_dir_flag});
  // Run by systemd (the unit at login), the daemon's sandbox (no writable
  // and executable memory, which a software OpenGL renderer needs) must not
  // pass to the window: systemd starts it instead, as a unit of its own.
  const bool under_systemd = std::getenv("INVOCATION_ID") != nullptr;
  if (under_systemd) args.insert(args.begin(), {"systemd-run", "--user", "--quiet", "--collect", "--"});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t child = ::fork();
  if (child < 0) return "could not start the window";
  if (child == 0) {
    // Twice, in a session of its own: the window is not the daemon's child.
    ::setsid();
    if (::fork() != 0) _exit(0);
    sigset_t none;  // the daemon blocks SIGINT and SIGTERM (its signalfd): the window must not
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
    }
    ::execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return under_systemd ? "asked systemd to start the window" : "started the window";
}

}  // namespace kintsugi::daemon
