// kintsugictl's human output on a terminal. A partner's words may hold
// terminal escape sequences (clear the screen, move the cursor, rewrite the
// lines already shown) or bidi controls that reorder what a line shows: the
// human output prints every such character visibly instead, so what is on
// the screen is what was written. --json prints the words exactly (JSON
// escapes the C0 controls itself).
//
// Thread-safety: Visible and Columns are pure; a VisibleOutput is one thread's.
#pragma once

#include <cstddef>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace kintsugi::client {

// `text` with every control character shown: C0 controls but line feed and
// tab as their Unicode pictures (ESC as U+241B "␛", CR as "␍"), DEL as "␡",
// C1 controls and bidi embeddings, overrides and isolates as "<U+202E>", and
// a byte that is not UTF-8 as U+FFFD.
std::string Visible(std::string_view text);

// How many terminal columns `text` takes: East Asian wide characters and
// emoji two, combining marks and invisible characters none, others one.
std::size_t Columns(std::string_view text);

// `text` padded with spaces to `columns` columns (as Columns counts them).
std::string PadRight(std::string_view text, std::size_t columns);

// While alive, everything written to `out` goes through Visible, a line at
// a time (or at a flush, up to the last whole character).
class VisibleOutput : private std::streambuf {
 public:
  explicit VisibleOutput(std::ostream& out);
  ~VisibleOutput() override;
  VisibleOutput(const VisibleOutput&) = delete;
  VisibleOutput& operator=(const VisibleOutput&) = delete;

 private:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;
  void Emit(bool all);

  std::ostream& out_;
  std::streambuf* target_;
  std::string pending_;
};

}  // namespace kintsugi::client
