#include "daemon/runtime.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

namespace kintsugi::daemon {
namespace {

Error Errno(const std::string& what) {
  return MakeError(ErrorCode::kIo, what + ": " + std::strerror(errno));
}

// mkdir -m 0700 when absent; then insist that it is a real directory of ours
// that nobody else can enter.
Status EnsurePrivateDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return Errno("create " + path);
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return Errno("stat " + path);
  if (!S_ISDIR(st.st_mode)) {
    return MakeError(ErrorCode::kFailedPrecondition, path + " is not a directory");
  }
  if (st.st_uid != ::geteuid()) {
    // Someone made it first (a name under /tmp can be taken by anyone): say
    // who, and how to get a place nobody else can take.
    const passwd* owner = ::getpwuid(st.st_uid);
    return MakeError(ErrorCode::kFailedPrecondition,
                     path + " belongs to another user, " + (owner != nullptr ? owner->pw_name : "unknown") +
                         " (uid " + std::to_string(st.st_uid) + "), so it is not safe to use. Set XDG_RUNTIME_DIR "
                         "to a folder only you can enter (your login's /run/user/" + std::to_string(::geteuid()) +
                         "), or have that user remove it");
  }
  if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0700) != 0) {
    return Errno("chmod 0700 " + path);
  }
  return OkStatus();
}

}  // namespace

Status PrepareDataDir(const protocol::Layout& layout) {
  std::error_code ec;
  std::filesystem::path dir(layout.data_dir);
  if (dir.has_parent_path()) std::filesystem::create_directories(dir.parent_path(), ec);
  return EnsurePrivateDir(layout.data_dir);
}

Status PrepareRuntimeDir(const protocol::Layout& layout) {
  std::filesystem::path dir(layout.runtime_dir);
  std::string parent = dir.parent_path().string();
  std::error_code ec;
  std::filesystem::create_directories(dir.parent_path().parent_path(), ec);
  KINTSUGI_RETURN_IF_ERROR(EnsurePrivateDir(parent));
  return EnsurePrivateDir(layout.runtime_dir);
}

void RemoveRuntimeDir(const protocol::Layout& layout) {
  for (const std::string& endpoint : {layout.control_endpoint, layout.events_endpoint}) {
    ::unlink(endpoint.substr(std::string_view("ipc://").size()).c_str());
  }
  ::rmdir(layout.runtime_dir.c_str());
}

Result<InstanceLock> InstanceLock::Acquire(const protocol::Layout& layout) {
  base::UniqueFd fd(::open(layout.lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) return Errno("open " + layout.lock_path);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {};
    ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
    if (err == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      return MakeError(ErrorCode::kBusy, "another kintsugid (pid " + pid +
                                             ") is already running with data dir " +
                                             layout.data_dir);
    }
    errno = err;
    return Errno("lock " + layout.lock_path);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), pid.data(), pid.size(), 0) < 0) {
    return Errno("write " + layout.lock_path);
  }
  return InstanceLock(std::move(fd));
}

}  // namespace kintsugi::daemon
