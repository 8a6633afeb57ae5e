// The daemon and kintsugictl as a user runs them: real processes, a real
// SQLite file, real ZeroMQ sockets.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

using nlohmann::json;

class Cli : public ::testing::Test {
 protected:
  std::string data() const { return dir_ / "data"; }
  json CtlJson(const std::vector<std::string>& args) {
    auto r = Ctl(data(), args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  PrivateRuntimeDir runtime_;
  TempDir dir_;
};

TEST_F(Cli, InitCheckInLogVerifyAndRestartKeepEverything) {
  Daemon daemon(data());
  ASSERT_TRUE(daemon.Start()) << daemon.Log();

  EXPECT_FALSE(CtlJson({"status", "--json"})["initialized"].get<bool>());
  auto init = Ctl(data(), {"init", "--name", "Robin"});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  auto checkin = Ctl(data(), {"checkin", "--note", "plans changed, home by 21:00", "--mood", "6",
                              "--trust", "4"});
  ASSERT_EQ(checkin.exit_code, 0) << checkin.err;
  ASSERT_EQ(Ctl(data(), {"checkin", "--note", "dinner was good"}).exit_code, 0);

  json log = CtlJson({"log", "--json"});
  ASSERT_EQ(log["entries"].size(), 3u);
  const json& newest = log["entries"][0];
  EXPECT_EQ(newest["seq"], 3);
  EXPECT_TRUE(newest["verified"].get<bool>());
  EXPECT_EQ(newest["body"]["note"], "dinner was good");
  const json& first_checkin = log["entries"][1];
  EXPECT_EQ(first_checkin["body"]["kind"], "checkin");
  EXPECT_EQ(first_checkin["body"]["mood"], 6);
  EXPECT_EQ(first_checkin["body"]["trust"], 4);
  EXPECT_EQ(log["entries"][2]["body"]["name"], "Robin");

  auto human = Ctl(data(), {"log"});
  EXPECT_NE(human.out.find("plans changed, home by 21:00"), std::string::npos);
  auto verify = Ctl(data(), {"verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_NE(verify.out.find("verified 3 entries"), std::string::npos);

  EXPECT_EQ(daemon.Stop(SIGTERM), 0);
  ASSERT_TRUE(daemon.Start()) << daemon.Log();
  json status = CtlJson({"status", "--json"});
  EXPECT_TRUE(status["initialized"].get<bool>());
  EXPECT_EQ(status["name"], "Robin");
  EXPECT_EQ(status["entries"], 3);
  ASSERT_EQ(Ctl(data(), {"checkin", "--note", "after restart"}).exit_code, 0);
  EXPECT_EQ(CtlJson({"log", "--json", "--limit", "1"})["entries"][0]["seq"], 4);
  EXPECT_EQ(Ctl(data(), {"verify"}).exit_code, 0);
}

TEST_F(Cli, SocketFolderAndFilesArePrivate) {
  Daemon daemon(data());
  ASSERT_TRUE(daemon.Start()) << daemon.Log();
  ASSERT_EQ(Ctl(data(), {"init", "--name", "Sam"}).exit_code, 0);

  const char* runtime = std::getenv("XDG_RUNTIME_DIR");
  ASSERT_NE(runtime, nullptr);
  std::string base = std::string(runtime) + "/kintsugi";
  struct stat st{};
  ASSERT_EQ(::stat(base.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  int sockets_dirs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(base)) {
    ASSERT_EQ(::stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u) << entry.path();
    if (std::filesystem::exists(entry.path() / "control")) ++sockets_dirs;
  }
  EXPECT_EQ(sockets_dirs, 1);
  for (const char* name : {"", "/ledger.db", "/identity.key"}) {
    std::string path = data() + name;
    ASSERT_EQ(::stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 077, 0u) << path << " is open to other users";
  }
}

TEST_F(Cli, DatabaseNeverHoldsNotesOrNamesInPlaintext) {
  Daemon daemon(data());
  ASSERT_TRUE(daemon.Start()) << daemon.Log();
  const std::string name = "Quillon-Marchbanks";
  const std::string note = "marmalade-sunrise-7781 I felt unheard today";
  ASSERT_EQ(Ctl(data(), {"init", "--name", name}).exit_code, 0);
  ASSERT_EQ(Ctl(data(), {"checkin", "--note", note, "--mood", "3"}).exit_code, 0);
  ASSERT_EQ(Ctl(data(), {"log"}).out.find(note) != std::string::npos, true);

  auto check_files = [&] {
    for (const auto& entry : std::filesystem::directory_iterator(data())) {
      EXPECT_FALSE(FileContains(entry.path(), "marmalade-sunrise")) << entry.path();
      EXPECT_FALSE(FileContains(entry.path(), name)) << entry.path();
    }
  };
  check_files();  // while running: the WAL holds the newest pages
  EXPECT_EQ(daemon.Stop(SIGTERM), 0);
  check_files();  // after the checkpoint on close
  EXPECT_FALSE(daemon.Log().find("marmalade") != std::string::npos) << "note leaked into the log";
}

TEST_F(Cli, OutOfRangeMoodIsRefusedAndNothingIsWritten) {
  Daemon daemon(data());
  ASSERT_TRUE(daemon.Start()) << daemon.Log();
  ASSERT_EQ(Ctl(data(), {"init", "--name", "Sam"}).exit_code, 0);

  auto r = Ctl(data(), {"checkin", "--note", "x", "--mood", "11"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("mood must be a whole number from 1 to 10"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line on stderr: " << r.err;
  EXPECT_NE(Ctl(data(), {"checkin", "--note", "x", "--trust", "0"}).exit_code, 0);
  EXPECT_NE(Ctl(data(), {"checkin", "--note", "   "}).exit_code, 0);
  EXPECT_EQ(CtlJson({"status", "--json"})["entries"], 1);
}

TEST_F(Cli, CommandsBeforeInitSayWhatToDo) {
  Daemon daemon(data());
  ASSERT_TRUE(daemon.Start()) << daemon.Log();
  for (auto args : std::vector<std::vector<std::string>>{
           {"checkin", "--note", "x"}, {"log"}, {"verify"}}) {
    auto r = Ctl(data(), args);
    EXPECT_EQ(r.exit_code, 1) << args[0];
    EXPECT_NE(r.err.find("kintsugictl init --name"), std::string::npos) << r.err;
  }
  ASSERT_EQ(Ctl(data(), {"init", "--name", "Sam"}).exit_code, 0);
  auto again = Ctl(data(), {"init", "--name", "Sam"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already"), std::string::npos) << again.err;
}

TEST_F(Cli, WithoutADaemonCtlSaysSoOnOneLine) {
  auto r = Ctl(data(), {"status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no kintsugid is running"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST_F(Cli, UsageErrorsExitWithTwo) {
  EXPECT_EQ(Ctl(data(), {"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Ctl(data(), {"checkin", "--mood", "seven", "--note", "x"}).exit_code, 2);
  EXPECT_EQ(Ctl(data(), {"init"}).exit_code, 2);
}

TEST_F(Cli, EventStreamAnnouncesEachAppendedEntry) {
  Daemon daemon(data());
  ASSERT_TRUE(daemon.Start()) << daemon.Log();
  ASSERT_EQ(Ctl(data(), {"init", "--name", "Sam"}).exit_code, 0);
  // A watcher in the background, then enough check-ins that it sees one even
  // if it subscribed a moment late (ZeroMQ's slow joiner).
  CommandResult watched;
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    watched = kintsugi::testing::Run({KINTSUGICTL_PATH, "--data-dir", data(), "watch", "--count", "1"},
                  std::chrono::seconds(15));
    done = true;
  });
  for (int i = 0; i < 50 && !done; ++i) {
    ASSERT_EQ(Ctl(data(), {"checkin", "--note", "ping"}).exit_code, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  watcher.join();
  ASSERT_EQ(watched.exit_code, 0) << watched.err;
  json event = json::parse(watched.out);
  EXPECT_EQ(event["type"], "entry.appended");
  EXPECT_EQ(event["kind"], "checkin");
  EXPECT_GE(event["seq"].get<int>(), 2);
  EXPECT_EQ(event["id"].get<std::string>().size(), 64u);
  EXPECT_FALSE(event.contains("note")) << "events carry no entry text";
}

TEST_F(Cli, DaemonStopsCleanlyOnSigintAndSigterm) {
  for (int sig : {SIGINT, SIGTERM}) {
    Daemon daemon(data());
    ASSERT_TRUE(daemon.Start()) << daemon.Log();
    EXPECT_EQ(daemon.Stop(sig), 0) << daemon.Log();
    EXPECT_NE(daemon.Log().find("daemon.stopped"), std::string::npos);
    EXPECT_EQ(Ctl(data(), {"status"}).exit_code, 1) << "socket left behind after a clean stop";
  }
}

// kintsugid is a background service: it and every thread it makes run ten
// steps nicer than the program that started it, so that a catch-up's work on
// every core leaves the CPU to the window first (docs/PERFORMANCE.md).
TEST_F(Cli, DaemonAndEachOfItsThreadsRunAtABackgroundPriority) {
  errno = 0;
  const int started_at = ::getpriority(PRIO_PROCESS, 0);
  ASSERT_EQ(errno, 0);
  Daemon daemon(data());
  ASSERT_TRUE(daemon.Start()) << daemon.Log();
  ASSERT_EQ(Ctl(data(), {"init", "--name", "Alex"}).exit_code, 0);
  std::vector<int> nices;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(daemon.pid()) + "/task")) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // After "(comm)": state is field 3, nice field 19.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= 19 && fields >> field; ++i) {
    }
    nices.push_back(std::stoi(field));
  }
  ASSERT_GE(nices.size(), 2u) << "the loop and ZeroMQ's threads";
  for (int nice : nices) EXPECT_EQ(nice, std::min(19, started_at + 10));
}

}  // namespace
}  // namespace kintsugi::testing
