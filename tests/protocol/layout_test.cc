#include "protocol/layout.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace kintsugi::protocol {
namespace {

LayoutInputs Inputs() {
  LayoutInputs in;
  in.home = "/home/ada";
  in.cwd = "/srv/here";
  in.uid = 1000;
  return in;
}

Layout MustResolve(const LayoutInputs& in) {
  auto layout = ResolveLayout(in);
  EXPECT_TRUE(layout.ok()) << (layout.ok() ? "" : layout.error().message);
  return layout.ok() ? *layout : Layout{};
}

// Sets an environment variable for one test and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, /*overwrite=*/1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

TEST(Layout, AbsoluteDataDirFlagIsUsedAsIs) {
  LayoutInputs in = Inputs();
  in.data_dir_flag = "/srv/ledger";
  in.xdg_data_home = "/xdg/data";
  EXPECT_EQ(MustResolve(in).data_dir, "/srv/ledger");
}

TEST(Layout, RelativeDataDirResolvesAgainstTheWorkingDirectory) {
  LayoutInputs in = Inputs();
  in.data_dir_flag = "ledgers/ours";
  EXPECT_EQ(MustResolve(in).data_dir, "/srv/here/ledgers/ours");
  in.data_dir_flag = "../ours";
  EXPECT_EQ(MustResolve(in).data_dir, "/srv/ours");
  in.data_dir_flag = ".";
  EXPECT_EQ(MustResolve(in).data_dir, "/srv/here");
}

TEST(Layout, DataDirIsNormalised) {
  LayoutInputs in = Inputs();
  in.data_dir_flag = "/srv//a/./b/../c/";
  EXPECT_EQ(MustResolve(in).data_dir, "/srv/a/c");
}

TEST(Layout, FallsBackToXdgDataHome) {
  LayoutInputs in = Inputs();
  in.xdg_data_home = "/xdg/data";
  EXPECT_EQ(MustResolve(in).data_dir, "/xdg/data/kintsugi");
}

TEST(Layout, FallsBackToHomeWithoutXdgDataHome) {
  LayoutInputs in = Inputs();
  EXPECT_EQ(MustResolve(in).data_dir, "/home/ada/.local/share/kintsugi");
}

TEST(Layout, FailsWithoutAnyDataDirSource) {
  LayoutInputs in = Inputs();
  in.home.clear();
  auto layout = ResolveLayout(in);
  ASSERT_FALSE(layout.ok());
  EXPECT_EQ(layout.error().code, ErrorCode::kInvalidArgument);
}

TEST(Layout, FilesLiveInTheDataDir) {
  LayoutInputs in = Inputs();
  in.data_dir_flag = "/srv/ledger";
  Layout l = MustResolve(in);
  EXPECT_EQ(l.db_path, "/srv/ledger/ledger.db");
  EXPECT_EQ(l.key_path, "/srv/ledger/identity.key");
  EXPECT_EQ(l.lock_path, "/srv/ledger/kintsugid.lock");
}

TEST(Layout, RuntimeDirIsUnderXdgRuntimeDir) {
  LayoutInputs in = Inputs();
  in.xdg_runtime_dir = "/run/user/1000";
  Layout l = MustResolve(in);
  ASSERT_TRUE(StartsWith(l.runtime_dir, "/run/user/1000/kintsugi/")) << l.runtime_dir;
  std::string tag = l.runtime_dir.substr(std::string("/run/user/1000/kintsugi/").size());
  EXPECT_EQ(tag.size(), 16u);
  EXPECT_EQ(tag.find_first_not_of("0123456789abcdef"), std::string::npos) << tag;
}

TEST(Layout, RuntimeDirFallsBackToTmpWithTheUid) {
  LayoutInputs in = Inputs();
  in.uid = 4242;
  Layout l = MustResolve(in);
  EXPECT_TRUE(StartsWith(l.runtime_dir, "/tmp/kintsugi-4242/")) << l.runtime_dir;
  EXPECT_EQ(l.runtime_dir.size(), std::string("/tmp/kintsugi-4242/").size() + 16);
}

// Without XDG_RUNTIME_DIR, the login's /run/user/UID (when it is this
// user's alone) comes before a name under /tmp that anyone could take first.
TEST(Layout, WithoutXdgRuntimeDirTheLoginsRunUserFolderComesBeforeTmp) {
  LayoutInputs in = Inputs();
  in.run_user_dir = "/run/user/1000";
  EXPECT_EQ(MustResolve(in).runtime_dir.rfind("/run/user/1000/kintsugi/", 0), 0u);
  in.xdg_runtime_dir = "/run/elsewhere";
  EXPECT_EQ(MustResolve(in).runtime_dir.rfind("/run/elsewhere/kintsugi/", 0), 0u) << "XDG_RUNTIME_DIR first";
  in.xdg_runtime_dir.clear();
  in.run_user_dir.clear();
  EXPECT_EQ(MustResolve(in).runtime_dir.rfind("/tmp/kintsugi-1000/", 0), 0u);
}

TEST(Layout, EndpointsAreSocketsInTheRuntimeDir) {
  Layout l = MustResolve(Inputs());
  EXPECT_EQ(l.control_endpoint, "ipc://" + l.runtime_dir + "/control");
  EXPECT_EQ(l.events_endpoint, "ipc://" + l.runtime_dir + "/events");
}

TEST(Layout, TrailingSlashGivesTheSameRuntimeDir) {
  LayoutInputs a = Inputs();
  a.data_dir_flag = "/srv/ledger";
  LayoutInputs b = a;
  b.data_dir_flag = "/srv/ledger/";
  LayoutInputs c = a;
  c.data_dir_flag = "/srv/ledger//";
  Layout la = MustResolve(a);
  EXPECT_EQ(MustResolve(b).runtime_dir, la.runtime_dir);
  EXPECT_EQ(MustResolve(c).runtime_dir, la.runtime_dir);
  EXPECT_EQ(MustResolve(b).data_dir, la.data_dir);
}

TEST(Layout, RelativeAndAbsoluteSpellingsGiveTheSameRuntimeDir) {
  LayoutInputs a = Inputs();
  a.data_dir_flag = "/srv/here/ledger";
  LayoutInputs b = Inputs();
  b.data_dir_flag = "ledger";
  EXPECT_EQ(MustResolve(a).runtime_dir, MustResolve(b).runtime_dir);
}

TEST(Layout, DifferentDataDirsGiveDifferentRuntimeDirs) {
  LayoutInputs a = Inputs();
  a.data_dir_flag = "/srv/ledger-a";
  LayoutInputs b = Inputs();
  b.data_dir_flag = "/srv/ledger-b";
  EXPECT_NE(MustResolve(a).runtime_dir, MustResolve(b).runtime_dir);
}

TEST(Layout, RuntimeDirDoesNotDependOnHowTheDataDirWasChosen) {
  LayoutInputs flag = Inputs();
  flag.data_dir_flag = "/xdg/data/kintsugi";
  LayoutInputs xdg = Inputs();
  xdg.xdg_data_home = "/xdg/data";
  EXPECT_EQ(MustResolve(flag).runtime_dir, MustResolve(xdg).runtime_dir);
}

TEST(Layout, OverlongRuntimeDirFails) {
  LayoutInputs in = Inputs();
  in.xdg_runtime_dir = "/" + std::string(100, 'r');
  auto layout = ResolveLayout(in);
  ASSERT_FALSE(layout.ok());
  EXPECT_EQ(layout.error().code, ErrorCode::kInvalidArgument);
}

TEST(Layout, SocketPathsThatFitAreAccepted) {
  // runtime dir = base + "/kintsugi/" + 16 hex; keep the control socket path
  // comfortably inside the 108-byte sun_path.
  LayoutInputs in = Inputs();
  in.xdg_runtime_dir = "/" + std::string(60, 'r');
  Layout l = MustResolve(in);
  EXPECT_LT(l.runtime_dir.size() + std::string("/control").size(), 108u);
}

TEST(Layout, LongestAcceptedControlSocketPathFitsInSunPath) {
  // Grow the runtime dir one byte at a time: every accepted layout's control
  // socket path (plus its NUL) must fit in sun_path's 108 bytes.
  bool saw_failure = false;
  for (std::size_t n = 1; n < 120; ++n) {
    LayoutInputs in = Inputs();
    in.xdg_runtime_dir = "/" + std::string(n, 'r');
    auto layout = ResolveLayout(in);
    if (!layout.ok()) {
      saw_failure = true;
      continue;
    }
    EXPECT_FALSE(saw_failure) << "accepted a longer path after rejecting a shorter one, n=" << n;
    std::string socket = layout->runtime_dir + "/control";
    EXPECT_LE(socket.size() + 1, 108u) << socket;
  }
  EXPECT_TRUE(saw_failure);
}

TEST(Layout, RelativeXdgValuesAreIgnored) {
  LayoutInputs in = Inputs();
  in.xdg_data_home = "data";
  in.xdg_runtime_dir = "run";
  Layout l = MustResolve(in);
  EXPECT_EQ(l.data_dir, "/home/ada/.local/share/kintsugi");
  EXPECT_EQ(l.runtime_dir.rfind("/tmp/kintsugi-1000/", 0), 0u) << l.runtime_dir;
}

TEST(Layout, RelativeDataDirWithoutAWorkingDirectoryFails) {
  LayoutInputs in = Inputs();
  in.cwd.clear();
  in.data_dir_flag = "ours";
  auto layout = ResolveLayout(in);
  ASSERT_FALSE(layout.ok());
  EXPECT_EQ(layout.error().code, ErrorCode::kInvalidArgument);
}

TEST(Layout, ControlSocketPathOf107BytesIsAccepted) {
  // runtime dir = base + "/kintsugi/" + 16 hex digits; "/control" follows.
  const std::size_t fixed = std::string("/kintsugi/").size() + 16 + std::string("/control").size();
  LayoutInputs in = Inputs();
  in.xdg_runtime_dir = "/" + std::string(107 - fixed - 1, 'r');
  Layout l = MustResolve(in);
  EXPECT_EQ(l.control_endpoint.size() - std::string("ipc://").size(), 107u);
  in.xdg_runtime_dir += "r";
  EXPECT_FALSE(ResolveLayout(in).ok());
}

TEST(Layout, InputsFromEnvironmentReadTheXdgVariablesHomeAndUid) {
  ScopedEnv data("XDG_DATA_HOME", "/env/data");
  ScopedEnv runtime("XDG_RUNTIME_DIR", "/env/run");
  ScopedEnv home("HOME", "/env/home");
  LayoutInputs in = LayoutInputsFromEnvironment("flagged");
  EXPECT_EQ(in.data_dir_flag, "flagged");
  EXPECT_EQ(in.xdg_data_home, "/env/data");
  EXPECT_EQ(in.xdg_runtime_dir, "/env/run");
  EXPECT_EQ(in.home, "/env/home");
  EXPECT_EQ(in.uid, static_cast<unsigned>(::geteuid()));
  EXPECT_FALSE(in.cwd.empty());
  EXPECT_EQ(in.cwd.front(), '/');
}

}  // namespace
}  // namespace kintsugi::protocol
