#include "tests/packaging/program_scan.h"

#include <algorithm>
#include <regex>
#include <set>

namespace kintsugi::testing {
namespace {

struct Token {
  enum class Kind { kWord, kOp, kHeredoc };
  Kind kind = Kind::kWord;
  std::string text;               // the word with expansions as "$", the operator, or a here-document's body
  bool dollar = false;            // the word holds an expansion
  bool array_expansion = false;   // the word is exactly "${name[@]}": its elements may be a program and its options
  int line = 0;
  int body_line = 0;              // kHeredoc: line of the body's first line
};
using Tokens = std::vector<Token>;

// Lexes a bash script into tokens; the contents of $(...) and `...` become
// separate token lists of their own (`subs`).
class Lexer {
 public:
  Lexer(std::string_view s, int first_line) : s_(s), line_(first_line) {}

  // Lexes until end of input, or until the ')' that closes a "$(".
  Tokens Lex(bool until_paren) {
    Tokens out;
    std::string word;
    bool in_word = false, dollar = false, array = false, only_expansion = true;
    int word_line = line_;
    auto start_word = [&] {
      if (!in_word) {
        in_word = true;
        word_line = line_;
      }
    };
    auto flush = [&] {
      if (in_word) {
        out.push_back({Token::Kind::kWord, word, dollar, array && only_expansion && word == "$", word_line, 0});
      }
      word.clear();
      in_word = dollar = array = false;
      only_expansion = true;
    };
    auto append = [&](std::string_view text) {
      start_word();
      word += text;
      only_expansion = false;
    };
    auto expansion = [&] {
      start_word();
      bool was_array = false;
      Expand(&was_array);
      word += '$';
      dollar = true;
      array = array || was_array;
    };
    int depth = 0;  // bare parentheses inside a "$(": subshells, case patterns
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\') {
        if (i_ + 1 < s_.size() && s_[i_ + 1] == '\n') {
          i_ += 2;
          ++line_;
          continue;
        }
        if (i_ + 1 < s_.size()) append(s_.substr(i_ + 1, 1));
        i_ += 2;
        continue;
      }
      if (c == '\n') {
        flush();
        out.push_back({Token::Kind::kOp, "\n", false, false, line_, 0});
        ++line_;
        ++i_;
        ReadHeredocs(&out);
        continue;
      }
      if (c == ' ' || c == '\t') {
        flush();
        ++i_;
        continue;
      }
      if (c == '#' && !in_word) {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
        continue;
      }
      if (c == '\'') {
        start_word();
        only_expansion = false;
        for (++i_; i_ < s_.size() && s_[i_] != '\''; ++i_) {
          if (s_[i_] == '\n') ++line_;
          word += s_[i_];
        }
        ++i_;
        continue;
      }
      if (c == '"') {
        start_word();
        for (++i_; i_ < s_.size() && s_[i_] != '"';) {
          const char d = s_[i_];
          if (d == '\\' && i_ + 1 < s_.size()) {
            append(s_.substr(i_ + 1, 1));
            i_ += 2;
          } else if (d == '$') {
            expansion();
          } else if (d == '`') {
            Backtick();
            word += '$';
            dollar = true;
          } else {
            if (d == '\n') ++line_;
            append(std::string_view(&s_[i_], 1));
            ++i_;
          }
        }
        ++i_;
        continue;
      }
      if (c == '`') {
        start_word();
        Backtick();
        word += '$';
        dollar = true;
        continue;
      }
      if (c == '$') {
        expansion();
        continue;
      }
      if (c == '(' && in_word && !word.empty() && word.back() == '=') {
        // name=( ... ): an array's elements are data (their substitutions still run).
        ++i_;
        (void)Lex(true);
        word += "()";
        continue;
      }
      if (std::string_view(";&|()<>").find(c) != std::string_view::npos) {
        flush();
        if (until_paren && c == ')' && depth == 0) {
          ++i_;
          return out;
        }
        if (s_.compare(i_, 2, "((") == 0) {  // arithmetic: data, but its substitutions run
          i_ += 2;
          (void)Lex(true);
          if (i_ < s_.size() && s_[i_] == ')') ++i_;
          continue;
        }
        if (s_.compare(i_, 3, "<<<") == 0) {
          out.push_back({Token::Kind::kOp, "<<<", false, false, line_, 0});
          i_ += 3;
          continue;
        }
        if (s_.compare(i_, 2, "<<") == 0) {
          i_ += 2;
          HeredocStart(&out);
          continue;
        }
        static const char* kOps[] = {";;", "&&", "||", ">>", "&>", ">&", "<&", ";", "&", "|", "(", ")", "<", ">"};
        for (const char* op : kOps) {
          if (s_.compare(i_, std::string_view(op).size(), op) == 0) {
            if (*op == '(') ++depth;
            if (*op == ')' && depth > 0) --depth;
            out.push_back({Token::Kind::kOp, op, false, false, line_, 0});
            i_ += std::string_view(op).size();
            break;
          }
        }
        continue;
      }
      append(std::string_view(&s_[i_], 1));
      ++i_;
    }
    flush();
    return out;
  }

  std::vector<Tokens> subs;  // the bodies of $(...) and `...`, in the order met

 private:
  // At a '$': consumes one expansion. Sets *array for "${name[@]}".
  void Expand(bool* array) {
    ++i_;
    if (i_ >= s_.size()) return;
    if (s_.compare(i_, 2, "((") == 0) {
      i_ += 2;
      (void)Lex(true);
      if (i_ < s_.size() && s_[i_] == ')') ++i_;
      return;
    }
    if (s_[i_] == '(') {
      ++i_;
      subs.push_back(Lex(true));
      return;
    }
    if (s_[i_] == '{') {
      const std::size_t start = i_;
      int depth = 0;
      for (; i_ < s_.size(); ++i_) {
        if (s_[i_] == '{') ++depth;
        if (s_[i_] == '}' && --depth == 0) break;
      }
      const std::string_view inside = s_.substr(start, i_ - start + 1);
      *array = inside.size() > 5 && inside.substr(inside.size() - 4) == "[@]}";
      ++i_;
      return;
    }
    if (s_[i_] == '\'') {  // $'...'
      for (++i_; i_ < s_.size() && s_[i_] != '\''; ++i_) {
        if (s_[i_] == '\\') ++i_;
      }
      ++i_;
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_') {
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
      return;
    }
    if (std::string_view("0123456789@*#?$!-").find(s_[i_]) != std::string_view::npos) ++i_;
  }

  void Backtick() {
    const std::size_t start = ++i_;
    while (i_ < s_.size() && s_[i_] != '`') {
      if (s_[i_] == '\\') ++i_;
      ++i_;
    }
    Lexer inner(s_.substr(start, i_ - start), line_);
    subs.push_back(inner.Lex(false));
    for (auto& t : inner.subs) subs.push_back(std::move(t));
    ++i_;
  }

  struct Pending {
    std::size_t token;
    std::string delimiter;
    bool strip_tabs;
  };

  // After "<<": reads the delimiter; the body follows the end of the line.
  void HeredocStart(Tokens* out) {
    bool strip = false;
    if (i_ < s_.size() && s_[i_] == '-') {
      strip = true;
      ++i_;
    }
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    std::string delimiter;
    while (i_ < s_.size() && std::string_view(" \t\n;&|<>()").find(s_[i_]) == std::string_view::npos) {
      if (s_[i_] != '\'' && s_[i_] != '"' && s_[i_] != '\\') delimiter += s_[i_];
      ++i_;
    }
    out->push_back({Token::Kind::kHeredoc, "", false, false, line_, 0});
    pending_.push_back({out->size() - 1, delimiter, strip});
  }

  void ReadHeredocs(Tokens* out) {
    for (const auto& p : pending_) {
      std::string body;
      (*out)[p.token].body_line = line_;
      while (i_ < s_.size()) {
        std::size_t end = s_.find('\n', i_);
        if (end == std::string_view::npos) end = s_.size();
        std::string_view l = s_.substr(i_, end - i_);
        i_ = std::min(end + 1, s_.size());
        ++line_;
        if (p.strip_tabs) l.remove_prefix(std::min(l.find_first_not_of('\t'), l.size()));
        if (l == p.delimiter) break;
        body.append(l);
        body += '\n';
      }
      (*out)[p.token].text = std::move(body);
    }
    pending_.clear();
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int line_;
  std::vector<Pending> pending_;
};

bool IsAssignment(const std::string& w) {
  static const std::regex kAssignment(R"(^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=.*)");
  return std::regex_match(w, kAssignment);
}

const std::set<std::string>& Builtins() {
  static const std::set<std::string> kBuiltins{
      "echo", "printf", "cd", "pwd", "exit", "return", "local", "export", "set", "unset", "shift", "trap",
      "wait", "kill", "read", "source", ".", "eval", "true", "false", "test", "[", "[[", "]]", "declare",
      "typeset", "let", "break", "continue", "type", "hash", "getopts", "readonly", "shopt", "ulimit",
      "umask", "alias", "jobs", "fg", "bg", "disown", "mapfile", "readarray", ":"};
  return kBuiltins;
}

const std::set<std::string>& Keywords() {
  static const std::set<std::string> kKeywords{"if", "then", "else", "elif", "fi", "do", "done", "while",
                                               "until", "!", "time", "{", "}", "esac", "function"};
  return kKeywords;
}

// Options of the wrappers that take a value ("-s ARGS" for xvfb-run).
bool TakesValue(const std::string& wrapper, const std::string& option) {
  if (wrapper == "xvfb-run") return option == "-s" || option == "-n" || option == "-e" || option == "-f" ||
                                    option == "-p" || option == "-w";
  if (wrapper == "env") return option == "-u" || option == "-C";
  if (wrapper == "sudo") return option == "-u" || option == "-g";
  if (wrapper == "nice") return option == "-n";
  if (wrapper == "timeout") return option == "-s" || option == "-k";
  return false;
}

struct Scope {
  std::set<std::string> functions;
  std::vector<ProgramUse>* out;
};

void AnalyzeTokens(const Tokens& tokens, Scope& scope);

void AnalyzeScript(std::string_view script, int first_line, Scope& scope) {
  Lexer lexer(script, first_line);
  Tokens main = lexer.Lex(false);
  // Functions are known before their callers are read: a script may call a
  // function defined further down.
  for (std::size_t k = 0; k + 2 < main.size(); ++k) {
    if (main[k].kind == Token::Kind::kWord && main[k + 1].text == "(" && main[k + 2].text == ")") {
      scope.functions.insert(main[k].text);
    }
  }
  AnalyzeTokens(main, scope);
  for (const auto& sub : lexer.subs) AnalyzeTokens(sub, scope);
}

// The program(s) one simple command runs, from its words.
void CommandPrograms(const std::vector<const Token*>& words, const Tokens& all, std::size_t first, std::size_t last,
                     Scope& scope) {
  std::size_t k = 0;
  while (k < words.size() && !words[k]->dollar && IsAssignment(words[k]->text)) ++k;
  while (k < words.size()) {
    const Token& w = *words[k];
    if (w.dollar) {
      if (w.array_expansion) {  // "${sudo[@]}" apt-get ...: the array may be a wrapper, or empty
        ++k;
        continue;
      }
      return;  // "$build/x": the project's own program, or a variable's
    }
    const std::string& name = w.text;
    if (name.empty() || name[0] == '-' || name.back() == ')') return;
    if (name == "exec" || name == "time") {
      ++k;
      continue;
    }
    if (name == "command") {
      if (k + 1 < words.size() && (words[k + 1]->text == "-v" || words[k + 1]->text == "-V")) return;
      ++k;
      continue;
    }
    if (Builtins().count(name) != 0 || scope.functions.count(name) != 0) return;
    const std::string program = name[0] == '/' ? name.substr(name.rfind('/') + 1) : name;
    scope.out->push_back({program, w.line});
    static const std::set<std::string> kWrappers{"env", "sudo", "xvfb-run", "timeout", "nohup", "nice", "setsid"};
    if (kWrappers.count(program) != 0) {
      ++k;
      while (k < words.size() && !words[k]->dollar &&
             (words[k]->text.starts_with("-") || (program == "env" && IsAssignment(words[k]->text)))) {
        if (TakesValue(program, words[k]->text)) ++k;
        ++k;
      }
      if (program == "timeout" && k < words.size()) ++k;  // the duration
      continue;
    }
    if (program == "ip" && k + 3 < words.size() && words[k + 1]->text == "netns" && words[k + 2]->text == "exec") {
      k += 4;
      continue;
    }
    if (program == "bash" || program == "sh") {
      for (std::size_t t = first; t < last; ++t) {
        if (all[t].kind == Token::Kind::kHeredoc) AnalyzeScript(all[t].text, all[t].body_line, scope);
      }
      for (std::size_t j = k + 1; j + 1 < words.size(); ++j) {
        if (words[j]->text == "-c" && !words[j + 1]->dollar) AnalyzeScript(words[j + 1]->text, words[j + 1]->line, scope);
      }
    }
    return;
  }
}

void AnalyzeTokens(const Tokens& tokens, Scope& scope) {
  static const std::set<std::string> kSeparators{"\n", ";", ";;", "&", "&&", "||", "|", "(", ")"};
  static const std::set<std::string> kRedirects{"<", ">", ">>", "&>", ">&", "<&", "<<<"};
  std::size_t k = 0;
  bool case_patterns = false;  // between "in" or ";;" and the pattern's ")"
  while (k < tokens.size()) {
    // One simple command: from here to the next separator.
    if (case_patterns) {
      // Past the pattern's ")" (or the "esac" that ends the case).
      while (k < tokens.size() && tokens[k].text != ")" && tokens[k].text != "esac") ++k;
      ++k;
      case_patterns = false;
      continue;
    }
    const std::size_t first = k;
    std::vector<const Token*> words;
    bool in_test = false;  // [[ ... ]]: && and || inside do not end the command
    bool case_head = false;
    bool for_head = false;
    for (; k < tokens.size(); ++k) {
      const Token& t = tokens[k];
      if (t.kind == Token::Kind::kOp && kSeparators.count(t.text) != 0 && !(in_test && t.text != "\n")) break;
      if (t.kind == Token::Kind::kOp && kRedirects.count(t.text) != 0) {
        ++k;  // the redirection's target is not a word of the command
        continue;
      }
      if (t.kind != Token::Kind::kWord) continue;
      if (words.empty() && !t.dollar && Keywords().count(t.text) != 0) continue;
      if (words.empty() && !t.dollar && (t.text == "case" || t.text == "for" || t.text == "select")) {
        case_head = t.text == "case";
        for_head = !case_head;
      }
      if (!t.dollar && t.text == "[[") in_test = true;
      if (!t.dollar && t.text == "]]") in_test = false;
      words.push_back(&t);
    }
    const std::size_t last = k;
    if (k < tokens.size() && tokens[k].text == ";;") case_patterns = true;
    ++k;
    if (words.empty()) continue;
    if (case_head) {
      case_patterns = true;
      continue;
    }
    if (for_head) continue;
    // name() { ...: a function definition, not a command.
    if (last + 1 < tokens.size() && tokens[last].text == "(" && tokens[last + 1].text == ")") {
      scope.functions.insert(words[0]->text);
      ++k;
      continue;
    }
    CommandPrograms(words, tokens, first, last, scope);
  }
}

int LineAt(std::string_view text, std::size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

}  // namespace

std::vector<ProgramUse> ShellPrograms(std::string_view script) {
  std::vector<ProgramUse> out;
  Scope scope{{}, &out};
  AnalyzeScript(script, 1, scope);
  return out;
}

std::vector<ProgramUse> MakefilePrograms(std::string_view makefile) {
  std::vector<ProgramUse> out;
  std::size_t pos = 0;
  int line = 1;
  while (pos < makefile.size()) {
    std::size_t end = makefile.find('\n', pos);
    if (end == std::string_view::npos) end = makefile.size();
    std::string recipe(makefile.substr(pos, end - pos));
    const int recipe_line = line;
    pos = std::min(end + 1, makefile.size());
    ++line;
    if (recipe.empty() || recipe[0] != '\t') continue;
    while (!recipe.empty() && recipe.back() == '\\' && pos < makefile.size()) {
      end = makefile.find('\n', pos);
      if (end == std::string_view::npos) end = makefile.size();
      recipe.pop_back();
      recipe += ' ';
      recipe += makefile.substr(pos, end - pos);
      pos = std::min(end + 1, makefile.size());
      ++line;
    }
    std::size_t start = recipe.find_first_not_of("\t @+-");
    if (start == std::string::npos) continue;
    // make's own expansions become shell variables; "$$" is the shell's "$".
    std::string shell;
    for (std::size_t i = start; i < recipe.size(); ++i) {
      if (recipe[i] == '$' && i + 1 < recipe.size() && recipe[i + 1] == '$') {
        shell += '$';
        ++i;
      } else if (recipe[i] == '$' && i + 1 < recipe.size() && recipe[i + 1] == '(') {
        const std::size_t close = recipe.find(')', i);
        shell += "${" + recipe.substr(i + 2, close - i - 2) + "}";
        i = close;
      } else {
        shell += recipe[i];
      }
    }
    for (auto use : ShellPrograms(shell)) {
      use.line = recipe_line;
      out.push_back(use);
    }
  }
  return out;
}

std::vector<ProgramUse> CMakePrograms(std::string_view cmake) {
  std::vector<ProgramUse> out;
  static const std::regex kCommand(R"(\bCOMMAND\s+)");
  const std::string text(cmake);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kCommand); it != std::sregex_iterator(); ++it) {
    std::size_t i = static_cast<std::size_t>(it->position() + it->length());
    Tokens tokens;
    while (i < text.size() && text[i] != ')') {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      if (i >= text.size() || text[i] == ')') break;
      Token t;
      t.line = LineAt(text, i);
      if (text[i] == '"') {
        const std::size_t close = text.find('"', i + 1);
        t.text = text.substr(i + 1, close - i - 1);
        i = close + 1;
      } else {
        const std::size_t start = i;
        int depth = 0;
        while (i < text.size() && (depth > 0 || (!std::isspace(static_cast<unsigned char>(text[i])) && text[i] != ')'))) {
          if (text[i] == '<' || text[i] == '{') ++depth;
          if ((text[i] == '>' || text[i] == '}') && depth > 0) --depth;
          ++i;
        }
        t.text = text.substr(start, i - start);
      }
      // An upper-case keyword (OUTPUT_VARIABLE, WORKING_DIRECTORY) ends the command.
      if (std::regex_match(t.text, std::regex("[A-Z_]+"))) break;
      t.dollar = t.text.find('$') != std::string::npos;
      tokens.push_back(t);
    }
    std::vector<const Token*> words;
    for (const auto& t : tokens) words.push_back(&t);
    Scope scope{{}, &out};
    CommandPrograms(words, tokens, 0, 0, scope);
  }
  return out;
}

std::vector<ProgramUse> CxxPrograms(std::string_view source) {
  std::vector<ProgramUse> out;
  const std::string text(source);
  static const std::regex kBraceCommand(
      R"((\b(Run|Sh|Exec)\s*\(\s*([A-Za-z_][\w.]*\s*,\s*)?\{)|(\b(argv|args)\s*(\{|=\s*\{|\.insert\(\s*[^,{}]+,\s*\{))|(\breturn\s*\{))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kBraceCommand); it != std::sregex_iterator(); ++it) {
    std::size_t i = static_cast<std::size_t>(it->position() + it->length());
    // The list's elements, split at top-level commas: a string literal is a
    // word; a literal followed by more ("X=" + path) is that literal and "$";
    // anything else is "$".
    Tokens tokens;
    int depth = 0;
    std::string element;
    auto flush = [&] {
      Token t;
      t.line = LineAt(text, i);
      static const std::regex kLiteral(R"re(^\s*"((?:[^"\\]|\\.)*)"\s*(.*)$)re");
      std::smatch m;
      if (std::regex_match(element, m, kLiteral)) {
        t.text = m[1].str();
        if (!m[2].str().empty()) {
          t.text += "$";
          t.dollar = t.text.find('=') == std::string::npos || !IsAssignment(t.text);
        }
      } else {
        t.text = "$";
        t.dollar = true;
      }
      tokens.push_back(t);
      element.clear();
    };
    for (; i < text.size(); ++i) {
      const char c = text[i];
      if (c == '"') {
        const std::size_t start = i;
        for (++i; i < text.size() && text[i] != '"'; ++i) {
          if (text[i] == '\\') ++i;
        }
        element += text.substr(start, i - start + 1);
        continue;
      }
      if ((c == '}' || c == ')') && depth == 0) break;
      if (c == '{' || c == '(') ++depth;
      if (c == '}' || c == ')') --depth;
      if (c == ',' && depth == 0) {
        flush();
        continue;
      }
      element += c;
    }
    if (!element.empty()) flush();
    std::vector<const Token*> words;
    for (const auto& t : tokens) words.push_back(&t);
    Scope scope{{}, &out};
    CommandPrograms(words, tokens, 0, 0, scope);
  }
  // exec*'s first argument, posix_spawn*'s second, when it is a literal.
  static const std::regex kExec(
      R"re(\b(?:(?:execl|execlp|execle|execv|execvp|execve)\s*\(\s*|posix_spawnp?\s*\([^,]*,\s*)"([^"]+)")re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kExec); it != std::sregex_iterator(); ++it) {
    const std::string path = (*it)[1].str();
    out.push_back({path[0] == '/' ? path.substr(path.rfind('/') + 1) : path,
                   LineAt(text, static_cast<std::size_t>(it->position()))});
  }
  return out;
}

}  // namespace kintsugi::testing
