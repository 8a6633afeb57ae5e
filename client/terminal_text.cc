#include "client/terminal_text.h"

#include <cstdint>
#include <cstdio>

#include "protocol/utf8.h"

namespace kintsugi::client {
namespace {

using protocol::AppendUtf8;
using protocol::NextCodePoint;

bool ReordersText(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F ||
         c == 0x061C;
}

bool Wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) || (c >= 0x3041 && c <= 0x33FF) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
         (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
}

bool Zero(char32_t c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0x200B && c <= 0x200F) ||
         c == 0xFEFF;
}

}  // namespace

std::string Visible(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto [c, len] = NextCodePoint(text, i);
    i += len;
    if (c == '\n' || c == '\t') {
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      AppendUtf8(out, 0x2400 + c);  // the control pictures: ␀ .. ␟
    } else if (c == 0x7F) {
      AppendUtf8(out, 0x2421);      // ␡
    } else if ((c >= 0x80 && c <= 0x9F) || ReordersText(c)) {
      char name[16];
      std::snprintf(name, sizeof name, "<U+%04X>", static_cast<unsigned>(c));
      out += name;
    } else {
      AppendUtf8(out, c);
    }
  }
  return out;
}

std::size_t Columns(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto [c, len] = NextCodePoint(text, i);
    i += len;
    n += Zero(c) ? 0 : Wide(c) ? 2 : 1;
  }
  return n;
}

std::string PadRight(std::string_view text, std::size_t columns) {
  std::string out(text);
  for (std::size_t used = Columns(text); used < columns; ++used) out += ' ';
  return out;
}

VisibleOutput::VisibleOutput(std::ostream& out) : out_(out), target_(out.rdbuf(this)) {}

VisibleOutput::~VisibleOutput() {
  Emit(true);
  target_->pubsync();
  out_.rdbuf(target_);
}

VisibleOutput::int_type VisibleOutput::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  pending_ += traits_type::to_char_type(c);
  if (c == '\n') Emit(true);
  return c;
}

std::streamsize VisibleOutput::xsputn(const char* s, std::streamsize n) {
  pending_.append(s, static_cast<std::size_t>(n));
  if (pending_.find('\n') != std::string::npos) Emit(false);  // else at the next line break or flush
  return n;
}

int VisibleOutput::sync() {
  Emit(false);
  return target_->pubsync();
}

void VisibleOutput::Emit(bool all) {
  // Everything, or all but a character cut by the end of the buffer, which
  // waits for its last bytes.
  std::size_t end = pending_.size();
  for (std::size_t back = 1; !all && back <= 3 && back <= pending_.size(); ++back) {
    const auto b = static_cast<unsigned char>(pending_[pending_.size() - back]);
    if ((b & 0xC0) == 0x80) continue;
    const std::size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    if (len > back) end = pending_.size() - back;
    break;
  }
  const std::string shown = Visible(std::string_view(pending_).substr(0, end));
  target_->sputn(shown.data(), static_cast<std::streamsize>(shown.size()));
  pending_.erase(0, end);
}

}  // namespace kintsugi::client
