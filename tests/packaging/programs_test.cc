// Every program that the Makefile, .ci/run, the scripts, the CMake files and
// the tests run must come from Debian's base system or from a package that
// packaging/debian-deps.sh installs: on a fresh machine `make test` has only
// what the project installs. The table of programs lives in debian-deps.sh;
// this test finds the programs the files run (tests/packaging/program_scan.h)
// and holds them, and the table itself, against what Debian says (dpkg -S).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/packaging/program_scan.h"

namespace kintsugi::testing {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = KINTSUGI_SOURCE_DIR;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> Words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// One of debian-deps.sh's lists ("build", "base", "programs", ...).
std::vector<std::string> DepsList(const std::string& set) {
  auto r = Run({"bash", (kSource / "packaging/debian-deps.sh").string(), "--list", set});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return Words(r.out);
}

// The table: program -> package ("-" for a program used only when present).
std::map<std::string, std::string> ProgramTable() {
  std::map<std::string, std::string> table;
  for (const auto& entry : DepsList("programs")) {
    const auto colon = entry.find(':');
    EXPECT_NE(colon, std::string::npos) << "malformed entry " << entry;
    if (colon != std::string::npos) table[entry.substr(0, colon)] = entry.substr(colon + 1);
  }
  return table;
}

// Where Debian's own PATH finds `program`, or "" (a PATH of this shell may
// put other installs first, such as a language's version manager).
std::string Which(const std::string& program) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    const std::string candidate = std::string(dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// The package that owns `path`. Follows links (/usr/bin/awk is an
// alternative), and tries /bin for /usr/bin: with merged /usr, dpkg knows
// many files by their old place.
std::string OwnerOf(const std::string& path) {
  std::vector<std::string> candidates;
  for (const std::string& p : {path, fs::weakly_canonical(path).string()}) {
    candidates.push_back(p);
    if (p.starts_with("/usr/")) candidates.push_back(p.substr(4));
  }
  for (const auto& p : candidates) {
    auto r = Run({"dpkg", "-S", p});
    if (r.exit_code == 0) return r.out.substr(0, r.out.find(':'));
  }
  return "";
}

// The package set (beside build and the base system) that a file's programs
// may come from, by what runs the file: make fuzz, make bench-peers, make
// bench, make fresh-check.
std::string SetOf(const fs::path& relative) {
  const std::string r = relative.string();
  if (r == "tests/fuzz/run.sh") return "fuzz";
  if (r.starts_with("bench/peers/")) return "peers";
  if (r.starts_with("bench/")) return "bench";
  if (r == "packaging/fresh-check.sh") return "fresh";
  return "build";
}

struct Scanned {
  fs::path file;  // relative to the source dir
  std::vector<ProgramUse> uses;
};

std::vector<Scanned> ScanTree() {
  std::vector<Scanned> scanned;
  auto add = [&](const fs::path& path) {
    const fs::path relative = fs::relative(path, kSource);
    const std::string name = path.filename().string();
    const std::string text = ReadText(path);
    std::vector<ProgramUse> uses;
    if (name == "Makefile") {
      uses = MakefilePrograms(text);
    } else if (name == "CMakeLists.txt" || path.extension() == ".cmake") {
      uses = CMakePrograms(text);
    } else if (path.extension() == ".sh" || relative == ".ci/run") {
      uses = ShellPrograms(text);
    } else if ((path.extension() == ".cc" || path.extension() == ".h") &&
               (relative.string().starts_with("tests/") || relative.string().starts_with("bench/"))) {
      uses = CxxPrograms(text);
    } else {
      return;
    }
    scanned.push_back({relative, std::move(uses)});
  };
  // The examples in this test's own sources are not programs it runs.
  const fs::path own = kSource / "tests" / "packaging";
  for (auto it = fs::recursive_directory_iterator(kSource); it != fs::recursive_directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && (name == ".git" || name.starts_with("build") || name == "corpus" ||
                               name == "corpus-work" || name == "docs" || it->path() == own)) {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file()) add(it->path());
  }
  return scanned;
}

TEST(ProgramScan, FindsTheProgramsOfAScript) {
  const std::string script = R"sh(#!/usr/bin/env bash
set -euo pipefail
build=(cmake make)            # an array is data
free_port() { python3 -c 'import socket'; }
x=$(mktemp -d) y="$(seq 3)"
case "$1" in
  fuzz|bench) echo "no program here" ;;
  *) exit 2 ;;
esac
[[ -n "$x" ]] && XDG_RUNTIME_DIR=/tmp pgrep -f "a b" >/dev/null
"$build/kintsugid" --data-dir "$x" &
"${sudo[@]}" apt-get install -y thing
command -v sudo >/dev/null && sudo -n true
xvfb-run -a -s "-screen 0 1x1x24" bash -s <<'INNER'
for s in a b; do
  awk '{print $1}' /proc/1/stat
done
INNER
cat <<EOF
ignored words in text
EOF
(( $(getconf CLK_TCK) > 1 ))
)sh";
  std::set<std::string> found;
  for (const auto& use : ShellPrograms(script)) found.insert(use.program);
  EXPECT_EQ(found, (std::set<std::string>{"python3", "mktemp", "seq", "pgrep", "apt-get", "sudo", "xvfb-run",
                                          "bash", "awk", "cat", "getconf"}));
}

TEST(ProgramScan, FindsTheProgramsOfMakeCMakeAndCxx) {
  std::set<std::string> found;
  for (const auto& use : MakefilePrograms("test: build\n\tcd $(BUILD) && ctest -j$(JOBS)\n\t@X=$${Y:-1} $(B)/t\n")) {
    found.insert(use.program);
  }
  EXPECT_EQ(found, (std::set<std::string>{"ctest"}));
  found.clear();
  for (const auto& use : CMakePrograms("add_test(NAME w\n  COMMAND xvfb-run -a -s \"-screen 0\" $<TARGET_FILE:w>)\n"
                                       "execute_process(COMMAND id -u OUTPUT_VARIABLE U)\n")) {
    found.insert(use.program);
  }
  EXPECT_EQ(found, (std::set<std::string>{"xvfb-run", "id"}));
  found.clear();
  for (const auto& use : CxxPrograms(R"cc(auto r = Run({"identify", "-format", "%k", png});
    Exec(ns_a_, {"ip", "link", "set", "lo", "up"});
    Run({"env", "XDG_RUNTIME_DIR=" + dir, "systemd-analyze", "--user", "verify", unit});
    Ctl({"status", "--json"});
    Run({KINTSUGI_PATH, "--data-dir", data});
    ::execl(bin("kintsugid").c_str(), "kintsugid", nullptr);)cc")) {
    found.insert(use.program);
  }
  EXPECT_EQ(found, (std::set<std::string>{"identify", "ip", "env", "systemd-analyze"}));
}

TEST(Programs, EveryProgramThatMakeAndTheTestsRunIsInstalledByTheProject) {
  const auto table = ProgramTable();
  std::map<std::string, std::set<std::string>> sets;
  for (const char* set : {"build", "fuzz", "bench", "peers", "fresh", "base"}) {
    for (const auto& pkg : DepsList(set)) sets[set].insert(pkg);
  }
  const auto scanned = ScanTree();
  // CMake runs its own targets by name (add_test(... COMMAND crash_test)).
  std::set<std::string> targets{"kintsugid", "kintsugictl", "kintsugi"};
  static const std::regex kTarget(R"(add_executable\(\s*([A-Za-z0-9_-]+))");
  for (const auto& [file, uses] : scanned) {
    if (file.filename() != "CMakeLists.txt") continue;
    const std::string text = ReadText(kSource / file);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kTarget); it != std::sregex_iterator(); ++it) {
      targets.insert((*it)[1].str());
    }
  }
  std::vector<std::string> problems;
  std::set<std::string> seen;
  for (const auto& [file, uses] : scanned) {
    const std::string set = SetOf(file);
    for (const auto& use : uses) {
      const std::string where = file.string() + ":" + std::to_string(use.line);
      seen.insert(use.program);
      if (use.program.find('/') != std::string::npos) {
        if (!fs::exists(kSource / use.program) && !fs::exists(kSource / file.parent_path() / use.program)) {
          problems.push_back(where + " runs " + use.program + ", which is not in the source tree");
        }
        continue;
      }
      if (targets.count(use.program) != 0) continue;
      auto entry = table.find(use.program);
      if (entry == table.end()) {
        problems.push_back(where + " runs " + use.program +
                           ", which packaging/debian-deps.sh's program table does not list");
        continue;
      }
      const std::string& pkg = entry->second;
      if (pkg == "-" || sets["base"].count(pkg) != 0 || sets["build"].count(pkg) != 0 ||
          sets[set].count(pkg) != 0) {
        continue;
      }
      problems.push_back(where + " runs " + use.program + " from " + pkg + ", which debian-deps.sh installs in no set" +
                         " that " + file.string() + " has (base, build" + (set == "build" ? "" : ", " + set) + ")");
    }
  }
  std::string report;
  for (const auto& p : problems) report += "\n  " + p;
  EXPECT_TRUE(problems.empty()) << report;
  // The scanner itself must see what the suite is known to run.
  for (const char* program : {"xvfb-run", "xdotool", "ip", "systemd-analyze", "desktop-file-validate", "ctest",
                              "python3", "pgrep", "apt-get"}) {
    EXPECT_EQ(seen.count(program), 1u) << "the scan no longer sees " << program;
  }
}

TEST(Programs, TheTableNamesThePackageEachProgramComesFrom) {
  std::set<std::string> installed_sets;
  for (const char* set : {"build", "base"}) {
    for (const auto& pkg : DepsList(set)) installed_sets.insert(pkg);
  }
  int checked = 0;
  std::vector<std::string> absent;
  for (const auto& [program, pkg] : ProgramTable()) {
    if (pkg == "-") continue;
    const std::string path = Which(program);
    if (path.empty()) {
      // make test installs build and base: those programs must be here.
      EXPECT_EQ(installed_sets.count(pkg), 0u) << program << " (from " << pkg << ") is not on PATH";
      absent.push_back(program);
      continue;
    }
    const std::string owner = OwnerOf(path);
    if (owner != pkg) {
      // python3 is a package that depends on the one owning the program.
      auto deps = testing::Run({"dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends},", pkg});
      EXPECT_NE(deps.out.find(" " + owner + " "), std::string::npos)
          << program << " at " << path << " belongs to " << (owner.empty() ? "no package" : owner)
          << ", which " << pkg << " does not depend on";
    }
    ++checked;
  }
  EXPECT_GE(checked, 25);
  std::string names;
  for (const auto& a : absent) names += " " + a;
  std::cout << "checked " << checked << " programs against dpkg; not installed here (only make fuzz, bench or"
            << " fresh-check install them):" << (names.empty() ? " none" : names) << "\n";
}

TEST(Programs, TheBaseSystemIsDebiansRequiredPriority) {
  for (const auto& pkg : DepsList("base")) {
    auto r = testing::Run({"dpkg-query", "-W", "-f=${Priority}", pkg});
    EXPECT_EQ(r.exit_code, 0) << pkg << ": " << r.err;
    EXPECT_EQ(r.out, "required") << pkg;
  }
}

}  // namespace
}  // namespace kintsugi::testing
