// A SQLite VFS for tests that passes every call to the system's own ("unix")
// and fails the ones it is told to, as SQLite's own tests inject faults: a
// failing fsync, a read error, a write error, each on the ledger's file or
// its write-ahead log, at once or after a count of calls. It stands between
// the store and the disk without the store knowing: FaultVfs::Install()
// makes it the process's default VFS, and every database opened after that
// goes through it.
//
// Thread-safety: the switches are atomics; arm and clear them from the test
// thread while nothing else opens a database.
#pragma once

#include <atomic>
#include <cstdint>

namespace kintsugi::daemon::testing {

class FaultVfs {
 public:
  enum Op : std::uint8_t { kRead, kWrite, kSync, kOpCount };

  // Makes the fault VFS the default one (once per process; again after
  // Uninstall()). Databases open before keep the VFS they had.
  static void Install();
  // The system's VFS is the default again; all faults cleared.
  static void Uninstall();

  // From now on, calls of `op` on a database file or its log fail, after
  // `after` more of them succeed.
  static void Fail(Op op, int after = 0);
  static void ClearAll();
  // How many calls of `op` failed since the last ClearAll().
  static int failed(Op op);
};

}  // namespace kintsugi::daemon::testing
