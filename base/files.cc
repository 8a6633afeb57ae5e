// Writing a private file atomically (see private_file.h).
#include "base/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace kintsugi::base {
namespace {

Error IoError(const std::string& what, const std::string& path, int err) {
  return MakeError(err == EEXIST ? ErrorCode::kAlreadyExists : ErrorCode::kIo,
                   what + " " + path + ": " + ::strerror(err));
}

Status WriteAll(int fd, std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return MakeError(ErrorCode::kIo, std::string("cannot write: ") + ::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return MakeError(ErrorCode::kIo, std::string("cannot flush: ") + ::strerror(errno));
  return OkStatus();
}

// The folder that holds `path`.
std::string FolderOf(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::vector<std::uint8_t>> ReadFile(const std::string& path, std::uint64_t max_bytes,
                                           std::string_view too_large_why) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return MakeError(ErrorCode::kNotFound, "no file at " + path);
    return IoError("cannot open", path, errno);
  }
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0) return IoError("cannot read", path, errno);
  if (!S_ISREG(st.st_mode)) return MakeError(ErrorCode::kInvalidArgument, path + " is not a file");
  if (static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    return MakeError(ErrorCode::kTooLarge, path + " " + std::string(too_large_why));
  }
  std::vector<std::uint8_t> out(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read", path, errno);
    if (n == 0) return MakeError(ErrorCode::kIo, "cannot read " + path + ": it shrank while being read");
    got += static_cast<std::size_t>(n);
  }
  return out;
}

void SyncFolderOf(const std::string& path) {
  const UniqueFd fd(::open(FolderOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.valid()) ::fsync(fd.get());
}

Status WritePrivateFile(const std::string& path, std::string_view content, Replace replace) {
  if (path.empty()) return MakeError(ErrorCode::kInvalidArgument, "no file name given");
  struct stat st{};
  if (replace == Replace::kNever && ::lstat(path.c_str(), &st) == 0) {
    return MakeError(ErrorCode::kAlreadyExists, path + " already exists");
  }
  const std::string dir = FolderOf(path);
  std::string pattern = dir + "/.kintsugi-XXXXXX";  // mkstemp's template
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());  // mode 0600
  if (fd < 0) return IoError("cannot create a file in", dir, errno);
  const std::string tmp(name.data());
  Status written = WriteAll(fd, content);
  if (::close(fd) != 0 && written.ok()) written = MakeError(ErrorCode::kIo, std::string("cannot close: ") + ::strerror(errno));
  if (!written.ok()) {
    ::unlink(tmp.c_str());
    return MakeError(written.error().code, written.error().message + " (" + path + ")");
  }
  if (replace == Replace::kExisting) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(tmp.c_str());
      return IoError("cannot write", path, err);
    }
    SyncFolderOf(path);
    return OkStatus();
  }
  // link() fails when the name exists, so nothing is ever replaced, even by
  // a file that appeared after the check above.
  if (::link(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    // File systems without hard links: check once more, then rename.
    if ((err == EPERM || err == EOPNOTSUPP) && ::lstat(path.c_str(), &st) != 0) {
      if (::rename(tmp.c_str(), path.c_str()) == 0) {
        SyncFolderOf(path);
        return OkStatus();
      }
      err = errno;
    }
    ::unlink(tmp.c_str());
    if (err == EEXIST) return MakeError(ErrorCode::kAlreadyExists, path + " already exists");
    return IoError("cannot write", path, err);
  }
  ::unlink(tmp.c_str());
  SyncFolderOf(path);
  return OkStatus();
}

}  // namespace kintsugi::base
