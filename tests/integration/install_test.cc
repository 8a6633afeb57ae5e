// Start at login, and what `cmake --install` puts into a prefix: the systemd
// user unit as kintsugictl renders it and as systemd-analyze reads it; the
// installed daemon and CLI working from the prefix; `kintsugictl service`
// where no systemd user instance runs, and against a stand-in systemctl that
// records what it is asked.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/service.h"
#include "kintsugi/systemd_unit_template.h"
#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

namespace fs = std::filesystem;
using ctl::kSystemdUnitTemplate;
using ctl::RenderSystemdUnit;
using ctl::SystemdUnitExecStart;
using nlohmann::json;

void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& line : Lines(text)) {
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
  }
  return found;
}

// `systemd-analyze --user verify UNIT` offline: a fresh runtime dir and no
// bus, so it reads the file alone. It exits 0 even for unknown keys or bad
// values and only warns, so callers check that stderr is empty too.
CommandResult VerifyUnit(const std::string& unit_path) {
  TempDir runtime;
  ::chmod(runtime.path().c_str(), 0700);
  return Run({"env", "XDG_RUNTIME_DIR=" + runtime.path(), "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent",
              "systemd-analyze", "--user", "verify", unit_path});
}

TEST(SystemdUnit, NamesTheDaemonByAbsolutePathInExecStart) {
  auto unit = RenderSystemdUnit(kSystemdUnitTemplate, "/opt/kintsugi/bin/kintsugid");
  ASSERT_TRUE(unit.ok()) << unit.error().message;
  EXPECT_EQ(LinesStartingWith(*unit, "ExecStart="),
            std::vector<std::string>{"ExecStart=/opt/kintsugi/bin/kintsugid"});
  EXPECT_EQ(unit->find(std::string(ctl::kDaemonPlaceholder)), std::string::npos);
  EXPECT_EQ(LinesStartingWith(*unit, "Restart="), std::vector<std::string>{"Restart=on-failure"});
  EXPECT_EQ(LinesStartingWith(*unit, "Type="), std::vector<std::string>{"Type=simple"});
  EXPECT_EQ(LinesStartingWith(*unit, "WantedBy="), std::vector<std::string>{"WantedBy=default.target"});
  EXPECT_EQ(SystemdUnitExecStart(*unit), "/opt/kintsugi/bin/kintsugid");
}

TEST(SystemdUnit, QuotesSpacesAndDoublesPercentSigns) {
  auto unit = RenderSystemdUnit(kSystemdUnitTemplate, "/home/robin/my apps/100%/kintsugid");
  ASSERT_TRUE(unit.ok()) << unit.error().message;
  EXPECT_EQ(LinesStartingWith(*unit, "ExecStart="),
            std::vector<std::string>{"ExecStart=\"/home/robin/my apps/100%%/kintsugid\""});
  EXPECT_EQ(SystemdUnitExecStart(*unit), "/home/robin/my apps/100%/kintsugid");
}

TEST(SystemdUnit, RefusesPathsItCannotName) {
  for (std::string path : {"", "kintsugid", "bin/kintsugid", "/opt/a\nb/kintsugid", "/opt/\"x\"/kintsugid",
                           "/opt/$HOME/kintsugid", "/opt/a\\b/kintsugid", "/opt/a\tb/kintsugid"}) {
    auto unit = RenderSystemdUnit(kSystemdUnitTemplate, path);
    ASSERT_FALSE(unit.ok()) << "accepted '" << path << "'";
    EXPECT_EQ(unit.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_FALSE(RenderSystemdUnit("[Service]\nExecStart=/bin/true\n", "/opt/kintsugid").ok());
}

TEST(SystemdUnit, PassesSystemdAnalyzeVerify) {
  TempDir dir;
  // Once for the daemon as built, once through a folder whose name needs quoting.
  std::string odd = dir / "my apps 100%";
  fs::create_directories(odd);
  fs::copy_file(KINTSUGID_PATH, odd + "/kintsugid");
  for (const std::string& daemon : {std::string(KINTSUGID_PATH), odd + "/kintsugid"}) {
    auto unit = RenderSystemdUnit(kSystemdUnitTemplate, daemon);
    ASSERT_TRUE(unit.ok()) << unit.error().message;
    WriteFile(dir / "kintsugid.service", *unit);
    auto verify = VerifyUnit(dir / "kintsugid.service");
    EXPECT_EQ(verify.exit_code, 0) << verify.err;
    EXPECT_EQ(verify.err, "") << "for " << daemon;
  }
  // The check is real: a unit systemd would read only in part does not pass.
  auto unit = RenderSystemdUnit(kSystemdUnitTemplate, KINTSUGID_PATH);
  ASSERT_TRUE(unit.ok());
  WriteFile(dir / "kintsugid.service", *unit + "\n[Service]\nRestart=sometimes\n");
  EXPECT_NE(VerifyUnit(dir / "kintsugid.service").err, "");
}

// A prefix that `cmake --install` filled from this build.
class Installed : public ::testing::Test {
 protected:
  void SetUp() override {
    auto install = kintsugi::testing::Run(
        {CMAKE_COMMAND_PATH, "--install", KINTSUGI_BUILD_DIR, "--prefix", prefix_.path()},
        std::chrono::seconds(120));
    ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  }

  std::string bin(const std::string& program) const { return prefix_ / ("bin/" + program); }
  std::string config() const { return home_ / "config"; }
  std::string user_unit() const { return config() + "/systemd/user/kintsugid.service"; }

  // kintsugictl ARGS... (`ctl`, else the installed one) with HOME and
  // XDG_CONFIG_HOME in this test's home and `env_args` (-u VAR, then VAR=value).
  CommandResult InstalledCtl(const std::vector<std::string>& env_args, const std::vector<std::string>& args,
                             const std::string& ctl = "") {
    // env's options (-u VAR) must come before its VAR=value arguments.
    std::vector<std::string> argv{"env"};
    argv.insert(argv.end(), env_args.begin(), env_args.end());
    argv.push_back("HOME=" + home_.path());
    argv.push_back("XDG_CONFIG_HOME=" + config());
    argv.push_back(ctl.empty() ? bin("kintsugictl") : ctl);
    argv.insert(argv.end(), args.begin(), args.end());
    return kintsugi::testing::Run(argv);
  }

  // Where no systemd user instance can be reached: an empty runtime dir and no bus.
  std::vector<std::string> NoSystemd() const {
    return {"XDG_RUNTIME_DIR=" + empty_runtime_.path(),
            "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus"};
  }

  // A stand-in systemctl, first in PATH: logs its arguments, answers
  // is-enabled/is-active from a state file, and fails `enable` with
  // `enable_error` on stderr when that is not empty.
  std::vector<std::string> FakeSystemd(const std::string& enable_error = "") {
    std::string script = "#!/bin/sh\n";
    script += "echo \"$*\" >> '" + (fake_ / "log") + "'\n";
    script += "state='" + (fake_ / "enabled") + "'\n";
    script += R"(case "$*" in
  '--user show --property=Version --value') echo 252 ;;
  '--user is-enabled kintsugid.service')
    if [ -e "$state" ]; then echo enabled; else echo disabled; exit 1; fi ;;
  '--user is-active kintsugid.service')
    if [ -e "$state" ]; then echo active; else echo inactive; exit 3; fi ;;
  '--user disable --now kintsugid.service') rm -f "$state" ;;
  '--user enable --now kintsugid.service')
)";
    script += enable_error.empty() ? "    touch \"$state\" ;;\n"
                                   : "    echo '" + enable_error + "' >&2; exit 1 ;;\n";
    script += "esac\nexit 0\n";
    WriteFile(fake_ / "bin/systemctl", script);
    ::chmod((fake_ / "bin/systemctl").c_str(), 0755);
    const char* path = std::getenv("PATH");
    return {"PATH=" + (fake_ / "bin") + ":" + (path != nullptr ? path : "/usr/bin:/bin"),
            "XDG_RUNTIME_DIR=" + empty_runtime_.path()};
  }
  std::vector<std::string> SystemctlCalls() const { return Lines(ReadFile(fake_ / "log")); }

  TempDir prefix_;
  TempDir home_;
  TempDir empty_runtime_;
  TempDir fake_;
};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST_F(Installed, PutsTheProgramsTheUnitTheDesktopEntryTheIconAndTheManualsIntoThePrefix) {
  for (const char* program : {"kintsugid", "kintsugictl", "kintsugi"}) {
    EXPECT_EQ(::access(bin(program).c_str(), X_OK), 0) << program;
  }
  std::string unit_path = prefix_ / "lib/systemd/user/kintsugid.service";
  std::string unit = ReadFile(unit_path);
  EXPECT_EQ(SystemdUnitExecStart(unit), bin("kintsugid"));
  // The file CMake configured is the one kintsugictl renders: one template, two writers.
  auto rendered = RenderSystemdUnit(kSystemdUnitTemplate, bin("kintsugid"));
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(unit, *rendered);
  auto verify = VerifyUnit(unit_path);
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(verify.err, "");

  std::string entry_path = prefix_ / "share/applications/kintsugi.desktop";
  std::string entry = ReadFile(entry_path);
  EXPECT_EQ(LinesStartingWith(entry, "Exec="), std::vector<std::string>{"Exec=" + bin("kintsugi")});
  EXPECT_EQ(LinesStartingWith(entry, "Icon="), std::vector<std::string>{"Icon=kintsugi"});
  auto validate = kintsugi::testing::Run({"desktop-file-validate", entry_path});
  EXPECT_EQ(validate.exit_code, 0) << validate.out << validate.err;
  EXPECT_EQ(validate.out + validate.err, "");

  // The manual pages, compressed, and kintsugictl's bash completion.
  for (const char* program : {"kintsugid", "kintsugictl", "kintsugi"}) {
    auto page = kintsugi::testing::Run({"gzip", "-dc", prefix_ / (std::string("share/man/man1/") + program + ".1.gz")});
    EXPECT_EQ(page.exit_code, 0) << program << ": " << page.err;
    EXPECT_EQ(page.out.rfind(".TH " + Upper(program) + " 1 ", 0), 0u) << program;
  }
  EXPECT_NE(ReadFile(prefix_ / "share/bash-completion/completions/kintsugictl").find("complete -F _kintsugictl kintsugictl"),
            std::string::npos);

  std::string icon = ReadFile(prefix_ / "share/icons/hicolor/scalable/apps/kintsugi.svg");
  EXPECT_NE(icon.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(icon.find("</svg>"), std::string::npos);
}

TEST_F(Installed, DaemonAndCliRunFromThePrefix) {
  PrivateRuntimeDir runtime;
  std::string data = home_ / "data";
  std::string log = home_ / "kintsugid.log";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 2);
    ::execl(bin("kintsugid").c_str(), "kintsugid", "--data-dir", data.c_str(), "--no-listen",
            "--no-discovery", static_cast<char*>(nullptr));
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {bin("kintsugictl"), "--data-dir", data});
    return kintsugi::testing::Run(args);
  };
  // Ready once this very process answers through the installed CLI.
  bool ready = WaitFor([&] {
    auto r = ctl({"--timeout", "500", "status", "--json"});
    if (r.exit_code != 0) return false;
    auto doc = json::parse(r.out, nullptr, false);
    return !doc.is_discarded() && doc.value("pid", 0L) == static_cast<long>(pid);
  });
  EXPECT_TRUE(ready) << ReadFile(log);

  auto init = ctl({"init", "--name", "Robin"});
  EXPECT_EQ(init.exit_code, 0) << init.err;
  auto status = ctl({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json doc = json::parse(status.out);
  EXPECT_TRUE(doc["initialized"].get<bool>());
  EXPECT_EQ(doc.value("name", ""), "Robin");

  ::kill(pid, SIGTERM);
  int wait_status = 0;
  ASSERT_EQ(::waitpid(pid, &wait_status, 0), pid);
  EXPECT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) << ReadFile(log);
}

TEST_F(Installed, ServiceInstallWithoutASystemdUserInstanceFailsAndWritesNothing) {
  for (const auto& env : {NoSystemd(), std::vector<std::string>{"-u", "XDG_RUNTIME_DIR"}}) {
    auto install = InstalledCtl(env, {"service", "install"});
    EXPECT_EQ(install.exit_code, 1);
    EXPECT_EQ(install.out, "");
    EXPECT_EQ(Lines(install.err).size(), 1u) << install.err;
    EXPECT_EQ(install.err.rfind("kintsugictl: no systemd user instance is running for this user (", 0), 0u)
        << install.err;
    EXPECT_NE(install.err.find("nothing was installed"), std::string::npos) << install.err;
    EXPECT_FALSE(fs::exists(config() + "/systemd")) << "a unit was written";
  }

  auto status = InstalledCtl(NoSystemd(), {"service", "status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json doc = json::parse(status.out);
  EXPECT_FALSE(doc["installed"].get<bool>());
  EXPECT_FALSE(doc["systemd_running"].get<bool>());
  EXPECT_EQ(doc["unit_path"], user_unit());
  auto human = InstalledCtl(NoSystemd(), {"service", "status"});
  EXPECT_NE(human.out.find("no user instance is running"), std::string::npos) << human.out;

  // Nothing installed: uninstall has nothing to do, with or without systemd.
  auto uninstall = InstalledCtl(NoSystemd(), {"service", "uninstall"});
  EXPECT_EQ(uninstall.exit_code, 0) << uninstall.err;
  EXPECT_NE(uninstall.out.find("nothing to remove"), std::string::npos) << uninstall.out;
}

TEST_F(Installed, ServiceInstallRefusesWithoutADaemonBesideIt) {
  TempDir alone;
  fs::copy_file(bin("kintsugictl"), alone / "kintsugictl");
  ::chmod((alone / "kintsugictl").c_str(), 0755);
  auto install = InstalledCtl(FakeSystemd(), {"service", "install"}, alone / "kintsugictl");
  EXPECT_EQ(install.exit_code, 1);
  EXPECT_NE(
      install.err.find("no kintsugid beside this kintsugictl (looked for " + (alone / "kintsugid") + ")"),
      std::string::npos)
      << install.err;
  EXPECT_FALSE(fs::exists(user_unit()));

  auto with_data_dir = InstalledCtl(FakeSystemd(), {"--data-dir", home_ / "elsewhere", "service", "install"});
  EXPECT_EQ(with_data_dir.exit_code, 1);
  EXPECT_NE(with_data_dir.err.find("drop --data-dir"), std::string::npos) << with_data_dir.err;
  EXPECT_FALSE(fs::exists(user_unit()));
  EXPECT_TRUE(SystemctlCalls().empty());
}

TEST_F(Installed, ServiceInstallStatusAndUninstallDriveSystemctl) {
  auto env = FakeSystemd();
  auto install = InstalledCtl(env, {"service", "install"});
  ASSERT_EQ(install.exit_code, 0) << install.err;
  EXPECT_NE(install.out.find("starts when you log in, and runs now"), std::string::npos) << install.out;
  // The unit for this user is the one installed into the prefix, naming the same daemon.
  EXPECT_EQ(ReadFile(user_unit()), ReadFile(prefix_ / "lib/systemd/user/kintsugid.service"));
  EXPECT_EQ(SystemdUnitExecStart(ReadFile(user_unit())), bin("kintsugid"));
  auto calls = SystemctlCalls();
  auto daemon_reload = std::find(calls.begin(), calls.end(), "--user daemon-reload");
  auto enable = std::find(calls.begin(), calls.end(), "--user enable --now kintsugid.service");
  EXPECT_TRUE(daemon_reload < enable && enable != calls.end()) << ReadFile(fake_ / "log");

  auto status = InstalledCtl(env, {"service", "status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json doc = json::parse(status.out);
  EXPECT_TRUE(doc["installed"].get<bool>());
  EXPECT_TRUE(doc["enabled"].get<bool>());
  EXPECT_TRUE(doc["active"].get<bool>());
  EXPECT_TRUE(doc["systemd_running"].get<bool>());
  EXPECT_EQ(doc["exec_start"], bin("kintsugid"));

  auto uninstall = InstalledCtl(env, {"service", "uninstall"});
  ASSERT_EQ(uninstall.exit_code, 0) << uninstall.err;
  EXPECT_NE(uninstall.out.find("no longer starts at login"), std::string::npos) << uninstall.out;
  EXPECT_FALSE(fs::exists(user_unit()));
  calls = SystemctlCalls();
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), "--user daemon-reload");
  EXPECT_NE(std::find(calls.begin(), calls.end(), "--user disable --now kintsugid.service"), calls.end());

  auto again = InstalledCtl(env, {"service", "uninstall"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to remove"), std::string::npos) << again.out;
}

TEST_F(Installed, ServiceInstallThatSystemdRefusesLeavesNoUnitBehind) {
  auto install = InstalledCtl(FakeSystemd("Failed to enable unit: Access denied"), {"service", "install"});
  EXPECT_EQ(install.exit_code, 1);
  EXPECT_NE(install.err.find("Access denied; the service was not installed"), std::string::npos)
      << install.err;
  EXPECT_FALSE(fs::exists(user_unit()));
  const auto refused_calls = SystemctlCalls();
  ASSERT_FALSE(refused_calls.empty());
  EXPECT_EQ(refused_calls.back(), "--user daemon-reload");
}

}  // namespace
}  // namespace kintsugi::testing
