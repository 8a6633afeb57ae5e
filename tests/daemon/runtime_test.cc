// The daemon's file-system footprint outside the store: private data and
// runtime directories, and the single-instance lock.
#include "daemon/runtime.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "protocol/layout.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using testing::Exists;
using testing::TempDir;

// A layout whose directories all live under `root`.
protocol::Layout LayoutUnder(const TempDir& root) {
  protocol::LayoutInputs in;
  in.data_dir_flag = root.File("data");
  in.xdg_runtime_dir = root.File("run");
  in.uid = static_cast<unsigned>(::geteuid());
  auto layout = protocol::ResolveLayout(in);
  EXPECT_TRUE(layout.ok());
  return layout.ok() ? *layout : protocol::Layout{};
}

mode_t ModeOf(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(Runtime, PrepareDataDirCreatesAPrivateDirectory) {
  TempDir root;
  protocol::Layout layout = LayoutUnder(root);
  ASSERT_TRUE(PrepareDataDir(layout).ok());
  EXPECT_EQ(ModeOf(layout.data_dir), 0700u);
  ASSERT_TRUE(PrepareDataDir(layout).ok());  // idempotent
}

TEST(Runtime, PrepareDataDirClosesADirectoryOpenToOthers) {
  TempDir root;
  protocol::Layout layout = LayoutUnder(root);
  ASSERT_EQ(::mkdir(layout.data_dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(layout.data_dir.c_str(), 0755), 0);
  ASSERT_TRUE(PrepareDataDir(layout).ok());
  EXPECT_EQ(ModeOf(layout.data_dir), 0700u);
}

TEST(Runtime, PrepareDataDirRefusesAFileInItsPlace) {
  TempDir root;
  protocol::Layout layout = LayoutUnder(root);
  testing::WriteFileBytes(layout.data_dir, AsBytes("not a dir"));
  Status s = PrepareDataDir(layout);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
}

TEST(Runtime, PrepareRuntimeDirCreatesItAndItsParentPrivate) {
  TempDir root;
  protocol::Layout layout = LayoutUnder(root);
  ASSERT_TRUE(PrepareRuntimeDir(layout).ok());
  EXPECT_EQ(ModeOf(layout.runtime_dir), 0700u);
  EXPECT_EQ(ModeOf(root.File("run/kintsugi")), 0700u);
}

TEST(Runtime, PrepareRuntimeDirRefusesASymlinkedParent) {
  TempDir root;
  TempDir elsewhere;
  protocol::Layout layout = LayoutUnder(root);
  ASSERT_EQ(::mkdir(root.File("run").c_str(), 0700), 0);
  ASSERT_EQ(::symlink(elsewhere.path().c_str(), root.File("run/kintsugi").c_str()), 0);
  Status s = PrepareRuntimeDir(layout);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(Exists(elsewhere.File(std::filesystem::path(layout.runtime_dir).filename().string())));
}

// A runtime folder another user made first (as anyone can under /tmp) is
// refused with its owner named, and nothing is made inside it.
TEST(Runtime, PrepareRuntimeDirRefusesAParentAnotherUserMadeAndNamesThem) {
  TempDir root;
  protocol::Layout layout = LayoutUnder(root);
  ASSERT_EQ(::mkdir(root.File("run").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(root.File("run/kintsugi").c_str(), 0777), 0);
  // Another user's folder: as root, one handed to nobody (65534); otherwise
  // root's own /tmp stands in for it.
  std::string theirs = root.File("run/kintsugi");
  if (::geteuid() == 0) {
    ASSERT_EQ(::chown(theirs.c_str(), 65534, 65534), 0);
  } else {
    theirs = "/tmp";
    layout.runtime_dir = "/tmp/kintsugi-test-not-made";
  }
  Status s = PrepareRuntimeDir(layout);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(s.error().message.find(theirs + " belongs to another user, "), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("(uid "), std::string::npos) << s.error().message;
  EXPECT_NE(s.error().message.find("XDG_RUNTIME_DIR"), std::string::npos) << s.error().message;
  EXPECT_FALSE(Exists(layout.runtime_dir));
}

TEST(Runtime, SecondInstanceLockIsBusyAndNamesTheHolder) {
  TempDir root;
  protocol::Layout layout = LayoutUnder(root);
  ASSERT_TRUE(PrepareDataDir(layout).ok());
  auto first = InstanceLock::Acquire(layout);
  ASSERT_TRUE(first.ok()) << first.error().message;
  const Bytes lock_file = testing::ReadFileBytes(layout.lock_path);
  EXPECT_EQ(std::string(lock_file.begin(), lock_file.end()), std::to_string(::getpid()) + "\n");

  auto second = InstanceLock::Acquire(layout);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kBusy);
  EXPECT_NE(second.error().message.find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.error().message;
}

TEST(Runtime, InstanceLockIsReleasedWhenDestroyed) {
  TempDir root;
  protocol::Layout layout = LayoutUnder(root);
  ASSERT_TRUE(PrepareDataDir(layout).ok());
  {
    auto first = InstanceLock::Acquire(layout);
    ASSERT_TRUE(first.ok());
    InstanceLock moved(std::move(first).value());  // the moved-from lock must not release it
    EXPECT_FALSE(InstanceLock::Acquire(layout).ok());
  }
  EXPECT_TRUE(InstanceLock::Acquire(layout).ok());
}

}  // namespace
}  // namespace kintsugi::daemon
