#include "client/cli_manual.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <set>
#include <sstream>
#include <string_view>

namespace kintsugi::cli {
namespace {

// Text as roff reads it: backslashes and hyphens escaped, and no line that
// begins with a control character ('.' or '\'').
std::string Roff(std::string_view text) {
  std::string out;
  bool line_start = true;
  for (char c : text) {
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
    line_start = c == '\n';
  }
  return out;
}

// Named subcommands that are not hidden (a hidden one has no group).
std::vector<const CLI::App*> Subcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App* sub) { return !sub->get_name().empty() && !sub->get_group().empty(); });
}

bool Hidden(const CLI::Option* o) { return o->get_group().empty(); }
// As CLI11's own help has it: an option that names no type takes no value.
bool IsFlag(const CLI::Option* o) { return o->get_type_name().empty(); }

std::vector<const CLI::Option*> Named(const CLI::App& app) {
  return app.get_options([](const CLI::Option* o) { return !o->get_positional() && !Hidden(o); });
}
std::vector<const CLI::Option*> Positionals(const CLI::App& app) {
  return app.get_options([](const CLI::Option* o) { return o->get_positional() && !Hidden(o); });
}

// "--mood N", "-h, --help": how an option is written.
std::string Spelling(const CLI::Option* o) {
  std::string names;
  for (const std::string& s : o->get_snames()) names += (names.empty() ? "-" : ", -") + s;
  for (const std::string& l : o->get_lnames()) names += (names.empty() ? "--" : ", --") + l;
  return names;
}

void Options(std::ostringstream& out, const std::vector<const CLI::Option*>& options) {
  for (const CLI::Option* o : options) {
    out << ".TP\n\\fB" << Roff(Spelling(o)) << "\\fR";
    if (!IsFlag(o)) out << " \\fI" << Roff(o->get_type_name()) << "\\fR";
    out << "\n" << Roff(o->get_description());
    if (o->get_required()) out << " (required)";
    out << "\n";
  }
}

// A subcommand's options, less those every command takes (said once).
std::vector<const CLI::Option*> OwnOptions(const CLI::App& app, const ManualInfo& info) {
  std::vector<const CLI::Option*> own;
  for (const CLI::Option* o : Named(app)) {
    const bool common = std::any_of(o->get_lnames().begin(), o->get_lnames().end(), [&](const std::string& l) {
      return std::find(info.every_command.begin(), info.every_command.end(), "--" + l) != info.every_command.end();
    });
    if (!common && o != app.get_help_ptr()) own.push_back(o);
  }
  return own;
}

void Commands(std::ostringstream& out, const CLI::App& app, const std::string& path, const ManualInfo& info) {
  for (const CLI::App* sub : Subcommands(app)) {
    const std::string here = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    std::string usage = here;
    if (!OwnOptions(*sub, info).empty()) usage += " [options]";
    for (const CLI::Option* p : Positionals(*sub)) usage += " " + p->get_name(true);
    if (!Subcommands(*sub).empty()) usage += " COMMAND";
    out << ".SS " << Roff(usage) << "\n" << Roff(sub->get_description()) << "\n";
    const auto positionals = Positionals(*sub);
    for (const CLI::Option* p : positionals) {
      out << ".TP\n\\fI" << Roff(p->get_name(true)) << "\\fR\n" << Roff(p->get_description()) << "\n";
    }
    Options(out, OwnOptions(*sub, info));
    Commands(out, *sub, here, info);
  }
}

void Paths(const CLI::App& app, const std::string& path, std::vector<std::string>& out) {
  for (const CLI::App* sub : Subcommands(app)) {
    const std::string here = path.empty() ? sub->get_name() : path + " " + sub->get_name();
    out.push_back(here);
    Paths(*sub, here, out);
  }
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A bash identifier for a command path: "agree propose" -> "agree_propose".
std::string Key(std::string path) {
  for (char& c : path) {
    if (c == ' ' || c == '-') c = '_';
  }
  return path.empty() ? "_" : path;
}

void CompletionCases(std::ostringstream& out, const CLI::App& app, const std::string& path,
                     const ValuesCommand& values) {
  std::string words;
  for (const CLI::App* sub : Subcommands(app)) words += (words.empty() ? "" : " ") + sub->get_name();
  std::string flags;
  for (const CLI::Option* o : Named(app)) {
    for (const std::string& l : o->get_lnames()) flags += (flags.empty() ? "--" : " --") + l;
  }
  out << "    " << Key(path) << ") words='" << words << "'; flags='" << flags << "'";
  // Values of the first positional, when it has a command that lists them.
  if (const auto positionals = Positionals(app); !positionals.empty()) {
    if (const std::string command = values(*positionals.front()); !command.empty()) {
      out << "; positional='" << command << "'";
    }
  }
  out << " ;;\n";
  for (const CLI::App* sub : Subcommands(app)) {
    CompletionCases(out, *sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), values);
  }
}

// A `case $prev` arm for each option that takes a value, at every depth;
// an option spelled the same in two commands gets one arm (`seen`).
void OptionValueCases(std::ostringstream& out, const CLI::App& app, const ValuesCommand& values,
                      const std::string& fn, std::set<std::string>& seen) {
  for (const CLI::Option* o : Named(app)) {
    if (IsFlag(o)) continue;
    const std::string command = values(*o);
    for (const std::string& l : o->get_lnames()) {
      if (!seen.insert(l).second) continue;
      out << "    --" << l << ") ";
      if (command.empty()) {
        out << "return 0 ;;\n";  // a value of the person's own: nothing to offer
      } else {
        out << "COMPREPLY=($(compgen -W \"$(" << fn << "_ask " << command << ")\" -- \"$cur\")); return 0 ;;\n";
      }
    }
  }
  for (const CLI::App* sub : Subcommands(app)) OptionValueCases(out, *sub, values, fn, seen);
}

}  // namespace

std::string ManPage(const CLI::App& app, const ManualInfo& info) {
  std::ostringstream out;
  out << ".TH " << Upper(info.name) << " 1 \"\" \"" << Roff(info.name + " " + info.version) << "\" \"User Commands\"\n";
  out << ".SH NAME\n" << Roff(info.name) << " \\- " << Roff(info.summary) << "\n";
  out << ".SH SYNOPSIS\n.B " << Roff(info.name) << "\n";
  if (!Named(app).empty()) out << "[\\fIoptions\\fR]\n";
  if (!Subcommands(app).empty()) out << "\\fICOMMAND\\fR [\\fIargs\\fR]\n";
  out << ".SH DESCRIPTION\n";
  for (std::size_t i = 0; i < info.description.size(); ++i) {
    if (i > 0) out << ".PP\n";
    out << Roff(info.description[i]) << "\n";
  }
  out << ".SH OPTIONS\n";
  Options(out, Named(app));
  if (!Subcommands(app).empty()) {
    out << ".SH COMMANDS\nEach command takes \\fB\\-\\-help\\fR, which says what this page does of it";
    for (const std::string& o : info.every_command) out << ", and \\fB" << Roff(o) << "\\fR";
    out << ".\n";
    for (const std::string& p : info.every_command_says) out << ".PP\n" << Roff(p) << "\n";
    Commands(out, app, "", info);
  }
  for (const auto& [title, paragraphs] : info.sections) {
    out << ".SH " << Roff(Upper(title)) << "\n";
    for (std::size_t i = 0; i < paragraphs.size(); ++i) {
      const std::string& p = paragraphs[i];
      if (const auto tab = p.find('\t'); tab != std::string::npos) {
        out << ".TP\n\\fB" << Roff(p.substr(0, tab)) << "\\fR\n" << Roff(p.substr(tab + 1)) << "\n";
      } else {
        if (i > 0) out << ".PP\n";
        out << Roff(p) << "\n";
      }
    }
  }
  if (!info.see_also.empty()) {
    out << ".SH SEE ALSO\n";
    for (std::size_t i = 0; i < info.see_also.size(); ++i) {
      const std::string& ref = info.see_also[i];
      const auto paren = ref.find('(');
      out << ".BR " << Roff(ref.substr(0, paren)) << " " << ref.substr(paren) << (i + 1 < info.see_also.size() ? "," : "")
          << "\n";
    }
  }
  return out.str();
}

std::vector<std::string> CommandPaths(const CLI::App& app) {
  std::vector<std::string> paths;
  Paths(app, "", paths);
  return paths;
}

std::string BashCompletion(const CLI::App& app, const std::string& program, const ValuesCommand& values) {
  const std::string fn = "_" + Key(program);
  std::ostringstream out;
  out << "# bash completion for " << program << ", made from its own command table (" << program
      << " --bash-completion).\n"
      << fn << "() {\n"
      << "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
      << "  COMPREPLY=()\n"
      << "  # The command path typed so far (the words that name subcommands), and\n"
      << "  # the data directory, for asking the daemon for values.\n"
      << "  local path='' word i words flags positional data_dir=''\n"
      << "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
      << "    word=${COMP_WORDS[i]}\n"
      << "    if [[ $word == --data-dir ]]; then data_dir=${COMP_WORDS[i+1]}; ((i++)); continue; fi\n"
      << "    [[ $word == -* ]] && continue\n"
      << "    " << fn << "_node \"$path\"\n"
      << "    [[ \" $words \" == *\" $word \"* ]] && path=${path:+$path }$word\n"
      << "  done\n"
      << "  case $prev in\n";
  std::set<std::string> seen;
  OptionValueCases(out, app, values, fn, seen);
  out << "  esac\n"
      << "  " << fn << "_node \"$path\"\n"
      << "  if [[ $cur == -* ]]; then\n"
      << "    COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n"
      << "  elif [[ -n $words ]]; then\n"
      << "    COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
      << "  elif [[ -n $positional ]]; then\n"
      << "    COMPREPLY=($(compgen -W \"$(" << fn << "_ask $positional)\" -- \"$cur\"))\n"
      << "  fi\n"
      << "}\n"
      << "# Asks the program (quickly, quietly) for the values of an argument.\n"
      << fn << "_ask() {\n"
      << "  \"${COMP_WORDS[0]}\" ${data_dir:+--data-dir \"$data_dir\"} --timeout 1000 \"$@\" 2>/dev/null\n"
      << "}\n"
      << "# What may follow the command path $1: its subcommands, its flags, and\n"
      << "# the arguments that ask the program for its first argument's values.\n"
      << fn << "_node() {\n"
      << "  words='' flags='' positional=''\n"
      << "  local key=${1// /_}\n"
      << "  key=${key//-/_}\n"
      << "  case ${key:-_} in\n";
  CompletionCases(out, app, "", values);
  out << "  esac\n"
      << "}\n"
      << "complete -F " << fn << " " << program << "\n";
  return out.str();
}

bool PrintIfAsked(const CLI::App& app, const ManualInfo& info, int argc, char** argv, const ValuesCommand* values) {
  if (argc != 2) return false;
  const std::string_view arg = argv[1];
  if (arg == "--manual") {
    std::cout << ManPage(app, info);
    return true;
  }
  if (arg == "--bash-completion" && values != nullptr) {
    std::cout << BashCompletion(app, info.name, *values);
    return true;
  }
  return false;
}

}  // namespace kintsugi::cli
