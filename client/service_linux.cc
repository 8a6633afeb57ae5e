// The Linux side of the service seam (service.h): kintsugid as a systemd user
// service. The unit comes from packaging/kintsugid.service.in, compiled in;
// systemctl runs as a child process (posix_spawnp, never a shell).
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/files.h"
#include "client/service.h"
#include "kintsugi/systemd_unit_template.h"

extern char** environ;

namespace kintsugi::ctl {

namespace {

namespace fs = std::filesystem;

constexpr char kUnitName[] = "kintsugid.service";
// systemctl answers in milliseconds; enable --now waits for the start job.
constexpr auto kSystemctlTimeout = std::chrono::seconds(60);

struct ProgramRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string FirstLine(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? "no message" : line;
}

// A pipe's two ends, closed on exec.
struct Pipe {
  base::UniqueFd read;
  base::UniqueFd write;
};

Result<Pipe> MakePipe() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return MakeError(ErrorCode::kIo, "pipe: " + std::string(std::strerror(errno)));
  return Pipe{base::UniqueFd(ends[0]), base::UniqueFd(ends[1])};
}

// Runs argv[0] (looked up in PATH) with stdin from /dev/null and stdout and
// stderr captured. Fails with kNotFound when the program does not exist.
Result<ProgramRun> RunProgram(const std::vector<std::string>& argv) {
  auto out_pipe = MakePipe();
  if (!out_pipe.ok()) return out_pipe.take_error();
  auto err_pipe = MakePipe();
  if (!err_pipe.ok()) return err_pipe.take_error();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe->write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe->write.get(), 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  // The child holds its own copies of the write ends: ours must close for
  // its output to end.
  out_pipe->write = base::UniqueFd();
  err_pipe->write = base::UniqueFd();
  if (spawned != 0) {
    return MakeError(spawned == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                     argv[0] + ": " + std::strerror(spawned));
  }

  ProgramRun run;
  pollfd fds[2] = {{out_pipe->read.get(), POLLIN, 0}, {err_pipe->read.get(), POLLIN, 0}};
  base::UniqueFd* ends[2] = {&out_pipe->read, &err_pipe->read};
  std::string* sinks[2] = {&run.out, &run.err};
  auto deadline = std::chrono::steady_clock::now() + kSystemctlTimeout;
  bool timed_out = false;
  for (int open_fds = 2; open_fds > 0;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    if (::poll(fds, 2, static_cast<int>(left.count())) < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        *ends[i] = base::UniqueFd();
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  // Closed before the wait, so a child still writing gets SIGPIPE.
  out_pipe->read = base::UniqueFd();
  err_pipe->read = base::UniqueFd();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) return MakeError(ErrorCode::kUnavailable, argv[0] + " did not finish in time");
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

// $XDG_CONFIG_HOME when absolute (the XDG spec ignores relative values),
// else $HOME/.config, else the passwd entry's home/.config.
Result<std::string> ConfigHome() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg);
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.config";
  if (const passwd* pw = ::getpwuid(::geteuid());
      pw != nullptr && pw->pw_dir != nullptr && pw->pw_dir[0] == '/') {
    return std::string(pw->pw_dir) + "/.config";
  }
  return MakeError(ErrorCode::kFailedPrecondition,
                   "cannot tell where your systemd user units go: neither XDG_CONFIG_HOME nor HOME is set");
}

// A unit file is a few hundred bytes; anything past this is not ours.
constexpr std::uint64_t kMaxUnitBytes = 1 << 20;

std::optional<std::string> ReadIfExists(const std::string& path) {
  auto bytes = base::ReadFile(path, kMaxUnitBytes, "is too large for a unit file");
  if (!bytes.ok()) return std::nullopt;
  return std::string(bytes->begin(), bytes->end());
}

// Replaces `path` with `text` in one rename: a reader sees the old unit or the
// new one, never half of one.
Status WriteAtomically(const std::string& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) {
    return MakeError(ErrorCode::kIo,
                     "cannot create " + fs::path(path).parent_path().string() + ": " + ec.message());
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  base::UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) return MakeError(ErrorCode::kIo, "cannot write " + tmp + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  bool ok = done == text.size() && ::fsync(fd.get()) == 0;
  ok = (::close(fd.release()) == 0) && ok;  // a close that fails may have lost the write
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return MakeError(ErrorCode::kIo, "cannot write " + path + ": " + why);
  }
  return OkStatus();
}

class SystemdUserManager final : public ServiceManager {
 public:
  Result<ServiceStatus> Install(const std::string& daemon_path) override {
    auto unit = RenderSystemdUnit(kSystemdUnitTemplate, daemon_path);
    if (!unit.ok()) return unit.take_error();
    auto path = UnitPath();
    if (!path.ok()) return path.take_error();
    if (auto running = ManagerRunning(); !running.ok()) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "no systemd user instance is running for this user (" + running.error().message +
                           "); nothing was installed: start kintsugid yourself, or log in to a session "
                           "that runs 'systemd --user'");
    }
    std::optional<std::string> previous = ReadIfExists(*path);
    KINTSUGI_RETURN_IF_ERROR(WriteAtomically(*path, *unit));

    Status started = Systemctl({"daemon-reload"});
    if (started.ok()) started = Systemctl({"enable", "--now", kUnitName});
    // enable --now leaves a running daemon alone: restart it if it runs an older unit.
    if (started.ok() && previous.has_value() && *previous != *unit) {
      started = Systemctl({"try-restart", kUnitName});
    }
    if (!started.ok()) {
      // Put back what was there, so a refused install leaves nothing half-done.
      if (previous.has_value()) {
        (void)WriteAtomically(*path, *previous);
      } else {
        ::unlink(path->c_str());
      }
      (void)Systemctl({"daemon-reload"});
      return MakeError(ErrorCode::kUnavailable, started.error().message + "; the service was not installed");
    }
    return Query();
  }

  Result<Uninstalled> Uninstall() override {
    auto path = UnitPath();
    if (!path.ok()) return path.take_error();
    if (!fs::exists(*path)) return Uninstalled::kNothingWasInstalled;
    if (auto running = ManagerRunning(); !running.ok()) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "no systemd user instance is running for this user (" + running.error().message +
                           "), so the service cannot be stopped and disabled; the unit stays at " + *path);
    }
    KINTSUGI_RETURN_IF_ERROR(Systemctl({"disable", "--now", kUnitName}));
    if (::unlink(path->c_str()) != 0 && errno != ENOENT) {
      return MakeError(ErrorCode::kIo, "cannot remove " + *path + ": " + std::strerror(errno));
    }
    auto reloaded = Systemctl({"daemon-reload"});
    if (!reloaded.ok()) {
      return MakeError(ErrorCode::kUnavailable, "removed " + *path + ", but " + reloaded.error().message);
    }
    return Uninstalled::kRemoved;
  }

  Result<ServiceStatus> Query() override {
    auto path = UnitPath();
    if (!path.ok()) return path.take_error();
    ServiceStatus status;
    status.unit_path = *path;
    if (auto text = ReadIfExists(*path)) {
      status.installed = true;
      status.exec_start = SystemdUnitExecStart(*text);
    }
    auto running = ManagerRunning();
    status.manager_running = running.ok();
    if (!running.ok()) {
      status.manager_detail = running.error().message;
      return status;
    }
    status.enabled = Answer({"is-enabled", kUnitName}) == "enabled";
    status.active = Answer({"is-active", kUnitName}) == "active";
    return status;
  }

 private:
  static Result<std::string> UnitPath() {
    auto config = ConfigHome();
    if (!config.ok()) return config.take_error();
    return *config + "/systemd/user/" + kUnitName;
  }

  static Result<ProgramRun> RunSystemctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"systemctl", "--user"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto run = RunProgram(argv);
    if (!run.ok() && run.error().code == ErrorCode::kNotFound) {
      return MakeError(ErrorCode::kFailedPrecondition,
                       "systemctl was not found: this system does not run systemd");
    }
    return run;
  }

  // Runs `systemctl --user ARGS`; fails with its first line of stderr.
  static Status Systemctl(const std::vector<std::string>& args) {
    auto run = RunSystemctl(args);
    if (!run.ok()) return run.take_error();
    if (run->exit_code == 0) return OkStatus();
    std::string command = "systemctl --user";
    for (const auto& a : args) command += " " + a;
    return MakeError(ErrorCode::kUnavailable, command + " failed: " + FirstLine(run->err));
  }

  // The first word systemctl prints for a query (is-enabled, is-active), whatever its exit code.
  static std::string Answer(const std::vector<std::string>& args) {
    auto run = RunSystemctl(args);
    if (!run.ok()) return "";
    std::string out = run->out;
    return out.substr(0, out.find_first_of(" \t\n"));
  }

  // Whether a systemd user instance answers for this user; the reason when not.
  static Status ManagerRunning() {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    if (runtime == nullptr || runtime[0] != '/') {
      return MakeError(ErrorCode::kFailedPrecondition, "XDG_RUNTIME_DIR is not set");
    }
    auto run = RunSystemctl({"show", "--property=Version", "--value"});
    if (!run.ok()) return run.take_error();
    if (run->exit_code != 0) {
      return MakeError(ErrorCode::kFailedPrecondition, "systemctl --user: " + FirstLine(run->err));
    }
    return OkStatus();
  }
};

}  // namespace

std::unique_ptr<ServiceManager> NewServiceManager() { return std::make_unique<SystemdUserManager>(); }

Result<std::string> DaemonBesideThisProgram() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return MakeError(ErrorCode::kInternal, "cannot tell where this program is: " + ec.message());
  std::string daemon = (self.parent_path() / "kintsugid").string();
  struct stat st {};
  if (::stat(daemon.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ::access(daemon.c_str(), X_OK) != 0) {
    return MakeError(ErrorCode::kNotFound, "there is no kintsugid beside this kintsugictl (looked for " +
                                               daemon + "): use the kintsugictl installed with kintsugid");
  }
  return daemon;
}

Result<std::string> RenderSystemdUnit(std::string_view unit_template, std::string_view daemon_path) {
  if (daemon_path.empty() || daemon_path.front() != '/') {
    return MakeError(ErrorCode::kInvalidArgument,
                     "the daemon's path must be absolute, not '" + std::string(daemon_path) + "'");
  }
  std::string command;
  bool has_space = false;
  for (char c : daemon_path) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '"' || c == '\'' || c == '\\' || c == '$') {
      return MakeError(ErrorCode::kInvalidArgument,
                       "a systemd unit cannot name '" + std::string(daemon_path) +
                           "': it holds a quote, backslash, $ or control character");
    }
    has_space = has_space || c == ' ';
    command += c;
    if (c == '%') command += '%';  // % starts a specifier; %% is a literal %
  }
  if (has_space) command = "\"" + command + "\"";

  std::string unit(unit_template);
  std::size_t at = unit.find(kDaemonPlaceholder);
  if (at == std::string::npos) {
    return MakeError(ErrorCode::kInvalidArgument, "the unit template does not name the daemon");
  }
  for (; at != std::string::npos; at = unit.find(kDaemonPlaceholder, at + command.size())) {
    unit.replace(at, kDaemonPlaceholder.size(), command);
  }
  return unit;
}

std::string SystemdUnitExecStart(std::string_view unit_text) {
  constexpr std::string_view kKey = "ExecStart=";
  for (std::size_t begin = 0; begin < unit_text.size();) {
    std::size_t end = unit_text.find('\n', begin);
    if (end == std::string_view::npos) end = unit_text.size();
    std::string_view line = unit_text.substr(begin, end - begin);
    begin = end + 1;
    if (line.substr(0, kKey.size()) != kKey) continue;
    std::string_view value = line.substr(kKey.size());
    if (!value.empty() && value.front() == '"') {
      value.remove_prefix(1);
      value = value.substr(0, value.find('"'));
    } else {
      value = value.substr(0, value.find_first_of(" \t"));
    }
    std::string path;
    for (std::size_t i = 0; i < value.size(); ++i) {
      path += value[i];
      if (value[i] == '%' && i + 1 < value.size() && value[i + 1] == '%') ++i;
    }
    return path;
  }
  return "";
}

}  // namespace kintsugi::ctl
