// Writing a file only its owner may read, all at once: the export for a
// counsellor (kintsugictl, the window) and the daemon's sealed backups. The
// file appears complete or not at all (a temporary file in the same folder,
// flushed, then linked or renamed into place, and the folder flushed), with
// mode 0600.
//
// Thread-safety: any thread; two writers of one path race as the file system
// decides (one of them wins whole).
#pragma once

#include <string>
#include <string_view>

#include "crypto/result.h"

namespace kintsugi::client {

enum class Replace { kNever, kExisting };

// Writes `content` to `path`. With Replace::kNever fails with kAlreadyExists
// when `path` exists (checked atomically, at the moment the file appears);
// fails with kIo, saying why, when the folder is missing or not writable.
Status WritePrivateFile(const std::string& path, std::string_view content, Replace replace);

// Flushes the folder that holds `path`, so that a file just created or
// renamed there keeps its name after a crash. Best effort: errors are ignored.
void SyncFolderOf(const std::string& path);

}  // namespace kintsugi::client
