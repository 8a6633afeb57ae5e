#include "tests/daemon/fault_vfs.h"

#include <sqlite3.h>

#include <array>
#include <cstddef>

namespace kintsugi::daemon::testing {
namespace {

// One switch per operation: armed, and how many calls pass before failing.
struct Switch {
  std::atomic<bool> armed{false};
  std::atomic<int> pass{0};
  std::atomic<int> failed{0};
};
std::array<Switch, FaultVfs::kOpCount> g_switches;

// Whether this call of `op` fails.
bool Trips(FaultVfs::Op op) {
  Switch& s = g_switches[op];
  if (!s.armed.load()) return false;
  if (s.pass.fetch_sub(1) > 0) return false;
  s.failed.fetch_add(1);
  return true;
}

sqlite3_vfs* g_system = nullptr;  // "unix", whose calls this one passes on
sqlite3_vfs g_vfs;

// A file of the fault VFS: its header, then the system's file.
struct FaultFile {
  sqlite3_file base;
  bool faulty;  // the main database or its log: the files faults are for
  sqlite3_file* inner() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

FaultFile* Of(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }
sqlite3_file* Inner(sqlite3_file* f) { return Of(f)->inner(); }

int Close(sqlite3_file* f) { return Inner(f)->pMethods->xClose(Inner(f)); }
int Read(sqlite3_file* f, void* out, int n, sqlite3_int64 at) {
  if (Of(f)->faulty && Trips(FaultVfs::kRead)) return SQLITE_IOERR_READ;
  return Inner(f)->pMethods->xRead(Inner(f), out, n, at);
}
int Write(sqlite3_file* f, const void* in, int n, sqlite3_int64 at) {
  if (Of(f)->faulty && Trips(FaultVfs::kWrite)) return SQLITE_IOERR_WRITE;
  return Inner(f)->pMethods->xWrite(Inner(f), in, n, at);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) { return Inner(f)->pMethods->xTruncate(Inner(f), size); }
int Sync(sqlite3_file* f, int flags) {
  if (Of(f)->faulty && Trips(FaultVfs::kSync)) return SQLITE_IOERR_FSYNC;
  return Inner(f)->pMethods->xSync(Inner(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) { return Inner(f)->pMethods->xFileSize(Inner(f), size); }
int Lock(sqlite3_file* f, int level) { return Inner(f)->pMethods->xLock(Inner(f), level); }
int Unlock(sqlite3_file* f, int level) { return Inner(f)->pMethods->xUnlock(Inner(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) { return Inner(f)->pMethods->xCheckReservedLock(Inner(f), out); }
int FileControl(sqlite3_file* f, int op, void* arg) { return Inner(f)->pMethods->xFileControl(Inner(f), op, arg); }
int SectorSize(sqlite3_file* f) { return Inner(f)->pMethods->xSectorSize(Inner(f)); }
int DeviceCharacteristics(sqlite3_file* f) { return Inner(f)->pMethods->xDeviceCharacteristics(Inner(f)); }
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Inner(f)->pMethods->xShmMap(Inner(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Inner(f)->pMethods->xShmLock(Inner(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Inner(f)->pMethods->xShmBarrier(Inner(f)); }
int ShmUnmap(sqlite3_file* f, int remove) { return Inner(f)->pMethods->xShmUnmap(Inner(f), remove); }
// No memory-mapped reads: every page read goes through Read, where faults are.
int Fetch(sqlite3_file*, sqlite3_int64, int, void** out) {
  *out = nullptr;
  return SQLITE_OK;
}
int Unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods kMethods = {
    .iVersion = 3,
    .xClose = Close,
    .xRead = Read,
    .xWrite = Write,
    .xTruncate = Truncate,
    .xSync = Sync,
    .xFileSize = FileSize,
    .xLock = Lock,
    .xUnlock = Unlock,
    .xCheckReservedLock = CheckReservedLock,
    .xFileControl = FileControl,
    .xSectorSize = SectorSize,
    .xDeviceCharacteristics = DeviceCharacteristics,
    .xShmMap = ShmMap,
    .xShmLock = ShmLock,
    .xShmBarrier = ShmBarrier,
    .xShmUnmap = ShmUnmap,
    .xFetch = Fetch,
    .xUnfetch = Unfetch,
};

int Open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  FaultFile* file = Of(f);
  file->base.pMethods = nullptr;
  file->faulty = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0;
  const int rc = g_system->xOpen(g_system, name, file->inner(), flags, out_flags);
  if (file->inner()->pMethods != nullptr) file->base.pMethods = &kMethods;
  return rc;
}

}  // namespace

void FaultVfs::Install() {
  if (g_system == nullptr) {
    g_system = sqlite3_vfs_find("unix");
    g_vfs = *g_system;  // every call but opening a file is the system's own
    g_vfs.pNext = nullptr;
    g_vfs.zName = "kintsugi-faults";
    g_vfs.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_system->szOsFile;
    g_vfs.xOpen = Open;
  }
  sqlite3_vfs_register(&g_vfs, 1);
}

void FaultVfs::Uninstall() {
  ClearAll();
  if (g_system != nullptr) sqlite3_vfs_register(g_system, 1);
}

void FaultVfs::Fail(Op op, int after) {
  g_switches[op].pass.store(after);
  g_switches[op].armed.store(true);
}

void FaultVfs::ClearAll() {
  for (Switch& s : g_switches) {
    s.armed.store(false);
    s.pass.store(0);
    s.failed.store(0);
  }
}

int FaultVfs::failed(Op op) { return g_switches[op].failed.load(); }

}  // namespace kintsugi::daemon::testing
