// A full disk, for real: a device's data directory is a small tmpfs, filled
// to the last byte while the daemon runs. Check-ins, a batch from the
// partner, a backup, a restore and a new key file each meet ENOSPC from the
// kernel (no simulated error). Each must fail with a clear error, lose
// nothing acknowledged, leave the daemon serving, and work again, with
// `verify` clean, once there is room (docs/RELIABILITY.md, "A full disk").
//
// Mounting needs root (CI runs as root): the test process moves into a
// mount namespace of its own first, so its mounts vanish with it even if
// it dies; the daemons it starts are its children and see them.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

using nlohmann::json;

constexpr const char* kBackupPassphrase = "backup passphrase\n";

// A tmpfs mounted at `path` (made if missing), unmounted on destruction.
class SmallDisk {
 public:
  explicit SmallDisk(std::string path) : path_(std::move(path)) {
    std::filesystem::create_directories(path_);
    mounted_ = ::mount("tmpfs", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=0700") == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }

  // Takes every free byte with a file of its own; true when the kernel
  // refused even one more byte with ENOSPC.
  bool Fill() {
    const int fd = ::open(filler().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    std::vector<char> chunk(64 * 1024, 'x');
    std::size_t size = chunk.size();
    while (size > 0) {
      const ssize_t n = ::write(fd, chunk.data(), size);
      if (n >= 0) continue;
      if (errno != ENOSPC) break;
      size /= 2;  // the last pages: smaller writes, down to one byte
    }
    ::close(fd);
    return size == 0;
  }
  void Free() { std::filesystem::remove(filler()); }

 private:
  std::string filler() const { return path_ + "/filler"; }
  std::string path_;
  bool mounted_ = false;
};

class DiskFull : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(::geteuid(), 0u) << "mounting a small disk needs root: run this test as root (CI does)";
    ASSERT_EQ(::unshare(CLONE_NEWNS), 0) << "cannot make a mount namespace";
    ASSERT_EQ(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), 0);
  }
  void SetUp() override {
    ASSERT_TRUE(disk_.mounted()) << "cannot mount a tmpfs at " << sam_.data();
    ASSERT_TRUE(sam_.Start()) << sam_.Log();
    ASSERT_EQ(sam_.Ctl({"init", "--name", "Sam"}).exit_code, 0);
  }

  // Check-ins until one fails: the notes acknowledged, and the failure.
  std::vector<std::string> CheckInsUntilOneFails(CommandResult& failure, const std::string& prefix) {
    std::vector<std::string> acknowledged;
    for (int i = 0; i < 2000; ++i) {
      const std::string note = prefix + " " + std::to_string(i);
      CommandResult r = sam_.Ctl({"checkin", "--note", note});
      if (r.exit_code != 0) {
        failure = r;
        return acknowledged;
      }
      acknowledged.push_back(note);
    }
    return acknowledged;
  }

  // Every note of Sam's ledger, from `log` (one page: these ledgers hold
  // fewer than its 1,000 entries).
  std::set<std::string> Notes() {
    std::set<std::string> notes;
    json page = sam_.Json({"log", "--json", "--limit", "1000"});
    EXPECT_TRUE(page["next_before"].is_null()) << "more than one page of log";
    for (const auto& e : page["entries"]) {
      if (e.contains("body") && e["body"].contains("note")) notes.insert(e["body"]["note"].get<std::string>());
    }
    return notes;
  }

  void ExpectVerifies(LoopbackPartner& partner) {
    json verified = partner.Json({"verify"});
    EXPECT_TRUE(verified.value("ok", false)) << verified.dump();
  }

  PrivateRuntimeDir runtime_;
  TempDir dir_;
  SmallDisk disk_{dir_ / "sam"};
  LoopbackPartner sam_{dir_, "sam"};
};

// The error a person reads when the disk is full: the store's words ("the
// disk is full: free some space and try again") or the system's ("No space
// left on device").
void ExpectSaysFull(const CommandResult& r) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.err.find("disk is full") != std::string::npos ||
              r.err.find("No space left on device") != std::string::npos)
      << "unclear: " << r.err;
}

TEST_F(DiskFull, CheckInsFailClearlyAndEveryAcknowledgedOneIsKept) {
  std::vector<std::string> acknowledged;
  for (int i = 0; i < 50; ++i) {
    acknowledged.push_back("before " + std::to_string(i));
    ASSERT_EQ(sam_.Ctl({"checkin", "--note", acknowledged.back()}).exit_code, 0);
  }
  ASSERT_TRUE(disk_.Fill());
  CommandResult failure;
  for (auto& note : CheckInsUntilOneFails(failure, "on a full disk")) acknowledged.push_back(std::move(note));
  ASSERT_NE(failure.exit_code, -1) << "2,000 check-ins fit on a full disk";
  ExpectSaysFull(failure);
  // Still serving: it answers, and reads what it has.
  EXPECT_EQ(sam_.Ctl({"status"}).exit_code, 0) << sam_.Log();
  std::set<std::string> notes = Notes();
  for (const auto& note : acknowledged) EXPECT_TRUE(notes.contains(note)) << note << " was acknowledged, then lost";

  disk_.Free();
  ASSERT_EQ(sam_.Ctl({"checkin", "--note", "room again"}).exit_code, 0);
  ExpectVerifies(sam_);
  // And after a restart, the same.
  ASSERT_EQ(sam_.Stop(SIGTERM), 0);
  ASSERT_TRUE(sam_.Start()) << sam_.Log();
  notes = Notes();
  for (const auto& note : acknowledged) EXPECT_TRUE(notes.contains(note)) << note << " lost over a restart";
  EXPECT_TRUE(notes.contains("room again"));
  ExpectVerifies(sam_);
}

TEST_F(DiskFull, WhatThePartnerSendsIsTakenInFullOnceThereIsRoom) {
  LoopbackPartner alex(dir_, "alex");
  ASSERT_TRUE(alex.Start()) << alex.Log();
  ASSERT_EQ(alex.Ctl({"init", "--name", "Alex"}).exit_code, 0);
  std::string code = alex.Json({"pair", "invite"})["code"];
  auto joined = sam_.Ctl({"pair", "join", code, "--address", alex.address()});
  ASSERT_EQ(joined.exit_code, 0) << joined.err;
  ASSERT_TRUE(WaitFor([&] { return alex.Entries() == 2 && sam_.Entries() == 2; }, std::chrono::seconds(20)));

  // Sam's disk fills; Alex writes on. What Sam cannot store it does not
  // acknowledge, and it keeps serving.
  ASSERT_TRUE(disk_.Fill());
  for (int i = 0; i < 400; ++i) {
    ASSERT_EQ(alex.Ctl({"checkin", "--note", "while Sam's disk is full " + std::to_string(i)}).exit_code, 0);
  }
  const std::int64_t total = alex.Entries();
  ASSERT_TRUE(WaitFor([&] { return sam_.Log().find("full") != std::string::npos; }, std::chrono::seconds(20)))
      << "Sam's daemon never said its disk is full\n" << sam_.Log();
  EXPECT_LT(sam_.Entries(), total) << "400 entries fit on a full disk";
  EXPECT_EQ(sam_.Ctl({"status"}).exit_code, 0);
  // Each push meets the full disk; the log says so at a bounded rate.
  const std::string log = sam_.Log();
  std::size_t lines = 0;
  for (auto at = log.find("sync.store_failed"); at != std::string::npos; at = log.find("sync.store_failed", at + 1)) {
    ++lines;
  }
  EXPECT_LE(lines, 10u) << "one line per refused push floods the log";

  disk_.Free();
  ASSERT_TRUE(WaitFor([&] { return sam_.Entries() == total; }, std::chrono::seconds(60)))
      << sam_.Entries() << " of " << total << "\n" << sam_.Log();
  EXPECT_EQ(sam_.Ids(), alex.Ids());
  EXPECT_EQ(sam_.Status().value("forks", -1), 0);
  ExpectVerifies(sam_);
}

TEST_F(DiskFull, ABackupFailsClearlyAndLeavesNoPartOfItself) {
  ASSERT_EQ(sam_.Ctl({"checkin", "--note", "worth keeping"}).exit_code, 0);
  ASSERT_TRUE(disk_.Fill());
  const std::string file = sam_.data() + "/sam.kbak";
  auto backup = sam_.Ctl({"backup", file}, kBackupPassphrase);
  ExpectSaysFull(backup);
  EXPECT_FALSE(std::filesystem::exists(file)) << "a part of a backup was left";
  for (const auto& entry : std::filesystem::directory_iterator(sam_.data())) {
    EXPECT_EQ(entry.path().filename().string().find(".kbak"), std::string::npos) << entry.path();
  }
  EXPECT_EQ(sam_.Ctl({"status"}).exit_code, 0);

  disk_.Free();
  auto again = sam_.Ctl({"backup", file}, kBackupPassphrase);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(std::filesystem::exists(file));
}

TEST_F(DiskFull, ARestoreFailsClearlyAndKeepsTheLedgerItHad) {
  // A backup from another device, kept off the full disk.
  LoopbackPartner alex(dir_, "alex");
  ASSERT_TRUE(alex.Start()) << alex.Log();
  ASSERT_EQ(alex.Ctl({"init", "--name", "Alex"}).exit_code, 0);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(alex.Ctl({"checkin", "--note", "Alex " + std::to_string(i)}).exit_code, 0);
  const std::string file = dir_ / "alex.kbak";
  ASSERT_EQ(alex.Ctl({"backup", file}, kBackupPassphrase).exit_code, 0);

  ASSERT_EQ(sam_.Ctl({"checkin", "--note", "Sam's own"}).exit_code, 0);
  const std::string author = sam_.Status().value("author", "");
  ASSERT_TRUE(disk_.Fill());
  auto restore = sam_.Ctl({"restore", file, "--force"}, kBackupPassphrase);
  ExpectSaysFull(restore);
  // The ledger it had, still served.
  EXPECT_EQ(sam_.Status().value("author", ""), author);
  EXPECT_TRUE(Notes().contains("Sam's own"));
  ExpectVerifies(sam_);

  disk_.Free();
  auto again = sam_.Ctl({"restore", file, "--force"}, kBackupPassphrase);
  ASSERT_EQ(again.exit_code, 0) << again.err << sam_.Log();
  EXPECT_EQ(sam_.Status().value("author", ""), alex.Status().value("author", ""));
  EXPECT_TRUE(Notes().contains("Alex 199"));
  ExpectVerifies(sam_);
}

TEST_F(DiskFull, APassphraseThatCannotBeWrittenLeavesTheKeyFileAsItWas) {
  ASSERT_EQ(sam_.Ctl({"checkin", "--note", "before"}).exit_code, 0);
  ASSERT_TRUE(disk_.Fill());
  auto set = sam_.Ctl({"passphrase", "set"}, "the kettle is singing\n");
  ExpectSaysFull(set);
  // The old key file, whole: no passphrase asked for after a restart.
  ASSERT_EQ(sam_.Stop(SIGTERM), 0);
  disk_.Free();
  ASSERT_TRUE(sam_.Start()) << sam_.Log();
  json status = sam_.Status();
  EXPECT_FALSE(status.value("passphrase", true));
  EXPECT_FALSE(status.value("locked", true));
  EXPECT_TRUE(Notes().contains("before"));
  auto again = sam_.Ctl({"passphrase", "set"}, "the kettle is singing\n");
  EXPECT_EQ(again.exit_code, 0) << again.err;
}

}  // namespace
}  // namespace kintsugi::testing
