// Finds the external programs that a shell script, a Makefile, a CMake file
// or a C++ test runs, without running anything: what tests/packaging's
// programs test holds against packaging/debian-deps.sh's table.
//
// The shell reader is a small lexer, not a shell: it knows quotes, comments,
// command substitution, arithmetic, here-documents (a body fed to bash or sh
// is read as a script), case patterns, function definitions, array
// assignments and the wrappers that run another program (env, sudo, exec,
// timeout, nohup, xvfb-run). It errs towards reporting a word as a program:
// a false report names the file and line, and is fixed by listing the
// program or rewording the script. Words built from variables ("$build/x")
// are the project's own programs and are not reported.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kintsugi::testing {

struct ProgramUse {
  std::string program;  // a program name as PATH would find it ("xdotool"), or a relative path
  int line = 0;         // 1-based line in the file
};

// Programs run by a bash script.
std::vector<ProgramUse> ShellPrograms(std::string_view script);

// Programs run by a Makefile's recipes.
std::vector<ProgramUse> MakefilePrograms(std::string_view makefile);

// Programs named after COMMAND in a CMake file (add_test, execute_process,
// add_custom_command), with the wrappers' programs behind them.
std::vector<ProgramUse> CMakePrograms(std::string_view cmake);

// Programs a C++ test runs: the first string of a brace list handed to
// Run/Sh/Exec, built into argv/args, or returned as a command, and the
// program of exec*/posix_spawn* with a literal path.
std::vector<ProgramUse> CxxPrograms(std::string_view source);

}  // namespace kintsugi::testing
