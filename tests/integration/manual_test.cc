// The manual pages and kintsugictl's bash completion are made from the
// programs' own command tables (client/cli_manual.h). These tests hold them
// to what the programs accept, found independently: by walking each
// program's --help, as a person would, command by command.
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"

namespace kintsugi::testing {
namespace {

// What `--help` lists under `section` ("Subcommands:", "Options:"): the
// first word of each of its lines.
std::vector<std::string> HelpSection(const std::string& help, const std::string& section) {
  std::vector<std::string> words;
  std::istringstream in(help);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(section, 0) == 0) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.empty() || line[0] != ' ') break;
    std::istringstream first(line);
    std::string word;
    first >> word;
    if (!word.empty()) words.push_back(word);
  }
  return words;
}

// The long option names ("--mood") a command's --help lists.
std::vector<std::string> HelpOptions(const std::string& help) {
  std::vector<std::string> names;
  for (const std::string& word : HelpSection(help, "Options:")) {
    std::istringstream parts(word);
    for (std::string name; std::getline(parts, name, ',');) {
      if (name.rfind("--", 0) == 0) names.push_back(name);
    }
  }
  return names;
}

// As the page spells it: roff escapes each '-'.
std::string Roff(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

std::string Help(const std::string& program, const std::string& path) {
  std::vector<std::string> args{program};
  std::istringstream words(path);
  for (std::string w; words >> w;) args.push_back(w);
  args.push_back("--help");
  auto r = Run(args);
  EXPECT_EQ(r.exit_code, 0) << path << ": " << r.err;
  return r.out;
}

// Every command path below `program`, found through --help alone.
std::vector<std::string> WalkCommands(const std::string& program) {
  std::vector<std::string> paths, queue{""};
  while (!queue.empty()) {
    const std::string path = queue.back();
    queue.pop_back();
    for (const std::string& sub : HelpSection(Help(program, path), "Subcommands:")) {
      const std::string child = path.empty() ? sub : path + " " + sub;
      paths.push_back(child);
      queue.push_back(child);
    }
  }
  return paths;
}

std::string Manual(const std::string& program) {
  auto r = Run({program, "--manual"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

TEST(Manual, EveryCommandOfKintsugictlAndEachOfItsOptionsIsOnItsPage) {
  const std::string page = Manual(KINTSUGICTL_PATH);
  const std::vector<std::string> paths = WalkCommands(KINTSUGICTL_PATH);
  ASSERT_GT(paths.size(), 40u) << "the walk found too few commands";
  for (const std::string& path : paths) {
    EXPECT_NE(page.find("\n.SS " + Roff(path)), std::string::npos) << "no section for '" << path << "'";
    for (const std::string& option : HelpOptions(Help(KINTSUGICTL_PATH, path))) {
      if (option == "--help" || option == "--json") continue;  // said once, for every command
      EXPECT_NE(page.find("\\fB" + Roff(option)), std::string::npos) << path << " " << option;
    }
  }
  EXPECT_NE(page.find(".SH EXIT STATUS"), std::string::npos);
  EXPECT_EQ(page.find("__ids"), std::string::npos) << "the completion's helper is not for people";
}

TEST(Manual, TheDaemonAndTheWindowPagesNameEveryOption) {
  for (const char* program : {KINTSUGID_PATH, KINTSUGI_PATH}) {
    const std::string page = Manual(program);
    EXPECT_EQ(page.rfind(".TH ", 0), 0u) << program;
    const auto options = HelpOptions(Help(program, ""));
    EXPECT_GT(options.size(), 4u) << program;
    for (const std::string& option : options) {
      if (option == "--help") continue;  // "-h, --help"
      EXPECT_NE(page.find("\\fB" + Roff(option)), std::string::npos) << program << " " << option;
    }
  }
}

class Completion : public ::testing::Test {
 protected:
  // What bash completes for the words typed so far (the last one is being typed).
  std::set<std::string> Complete(const std::vector<std::string>& typed) {
    auto script = testing::Run({KINTSUGICTL_PATH, "--bash-completion"});
    EXPECT_EQ(script.exit_code, 0) << script.err;
    std::string words = "kintsugictl";
    for (const std::string& w : typed) words += " '" + w + "'";
    const std::string program = std::string(KINTSUGICTL_PATH);
    const std::string dir = program.substr(0, program.rfind('/'));
    // kintsugictl found on the PATH, as installed.
    auto r = testing::Run({"env", "PATH=" + dir + ":/usr/bin:/bin", "bash", "-c",
                  script.out + "\nCOMP_WORDS=(" + words + ")\nCOMP_CWORD=" + std::to_string(typed.size()) +
                      "\n_kintsugictl\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"},
                 std::chrono::seconds(20));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) out.insert(line);
    }
    return out;
  }
};

TEST_F(Completion, OffersEveryCommandAndEachCommandsOwnOptions) {
  const auto top = HelpSection(Help(KINTSUGICTL_PATH, ""), "Subcommands:");
  EXPECT_EQ(Complete({""}), std::set<std::string>(top.begin(), top.end()));
  EXPECT_EQ(Complete({"agree", ""}), (std::set<std::string>{"propose", "accept", "decline", "amend", "retire"}));
  EXPECT_EQ(Complete({"checkin", "feelings", "--"}),
            (std::set<std::string>{"--help", "--mood", "--trust", "--appreciated", "--needed", "--json"}));
  EXPECT_EQ(Complete({"notify", "s"}), (std::set<std::string>{"status", "show"}));
  EXPECT_EQ(Complete({"--data-dir", "/nowhere", "sharing", ""}), (std::set<std::string>{"pause", "resume"}));
}

TEST_F(Completion, AnArgumentThatTakesAnIdIsOfferedTheIdsTheDaemonHolds) {
  PrivateRuntimeDir runtime;
  TempDir dir;
  const std::string data = dir / "data";
  Daemon daemon(data);
  ASSERT_TRUE(daemon.Start()) << daemon.Log();
  ASSERT_EQ(Ctl(data, {"init", "--name", "Robin"}).exit_code, 0);
  auto written = Ctl(data, {"checkin", "--note", "one to withdraw", "--json"});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  const std::string id = nlohmann::json::parse(written.out).value("id", "");
  ASSERT_EQ(id.size(), 64u) << written.out;
  // Robin's own entries: joining the ledger, and the check-in.
  const auto own = Complete({"--data-dir", data, "withdraw", ""});
  EXPECT_EQ(own.size(), 2u);
  EXPECT_EQ(own.count(id.substr(0, 12)), 1u);
  EXPECT_EQ(Complete({"--data-dir", data, "withdraw", id.substr(0, 8)}), std::set<std::string>{id.substr(0, 12)});
  // No daemon there: nothing offered, and no error printed into the line.
  EXPECT_EQ(Complete({"--data-dir", dir / "none", "withdraw", ""}), std::set<std::string>{});
}

}  // namespace
}  // namespace kintsugi::testing
