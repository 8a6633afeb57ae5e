// Files, the way every program of Kintsugi touches them: a descriptor that
// closes itself, a whole file read with a bound, and a private file written
// all at once (the export for a counsellor, the daemon's sealed backups).
//
// WritePrivateFile: the file appears complete or not at all (a temporary
// file in the same folder, flushed, then linked or renamed into place, and
// the folder flushed), with mode 0600.
//
// Thread-safety: any thread; two writers of one path race as the file system
// decides (one of them wins whole).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace kintsugi::base {

// Owns a file descriptor: closes it when destroyed (a negative one is none).
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives the descriptor up without closing it.
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

// The whole of the regular file at `path`. kNotFound when there is none,
// kInvalidArgument when it is not a regular file, kTooLarge (saying
// `too_large_why`) when it holds more than `max_bytes`, kIo on any other
// failure, naming the path.
Result<std::vector<std::uint8_t>> ReadFile(const std::string& path, std::uint64_t max_bytes,
                                           std::string_view too_large_why);

enum class Replace { kNever, kExisting };

// Writes `content` to `path`. With Replace::kNever fails with kAlreadyExists
// when `path` exists (checked atomically, at the moment the file appears);
// fails with kIo, saying why, when the folder is missing or not writable.
Status WritePrivateFile(const std::string& path, std::string_view content, Replace replace);

// Flushes the folder that holds `path`, so that a file just created or
// renamed there keeps its name after a crash. Best effort: errors are ignored.
void SyncFolderOf(const std::string& path);

}  // namespace kintsugi::base
