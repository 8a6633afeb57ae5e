// Text as the screens draw it and fields as they edit it: every script in
// reading order, every character with a glyph (ui/text.h, ui/fonts.h).
#include <imgui.h>
#include <imgui_internal.h>
#include <imgui_stdlib.h>

#include <cstdarg>
#include <cstdio>
#include <string>
#include <vector>

#include "ui/fonts.h"
#include "ui/screens_internal.h"
#include "ui/text.h"

namespace kintsugi::ui {
namespace {

std::string Format(const char* fmt, va_list args) {
  va_list copy;
  va_copy(copy, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return {};
  std::string out(static_cast<std::size_t>(n), '\0');
  std::vsnprintf(out.data(), out.size() + 1, fmt, args);
  return out;
}

// One paragraph (no line break inside), wrapped where TextWrapped would wrap.
void WrappedParagraph(std::string_view s) {
  const text::Paragraph p(s);
  const std::string& t = p.shaped();
  Fonts::Get().Note(t);
  if (!p.reorders()) {
    ImGui::TextWrapped("%s", t.c_str());
    return;
  }
  // Lines are broken in reading order, then each is put in visual order; a
  // right-to-left paragraph is aligned to the right.
  const ImGuiWindow* window = ImGui::GetCurrentWindow();
  const float wrap_pos = window->DC.TextWrapPos < 0 ? 0.0f : window->DC.TextWrapPos;
  const float width = std::max(1.0f, ImGui::CalcWrapWidthForPos(ImGui::GetCursorScreenPos(), wrap_pos));
  ImFont* font = ImGui::GetFont();
  const float scale = ImGui::GetFontSize() / font->FontSize;
  const float x0 = ImGui::GetCursorPosX();
  const char* begin = t.data();
  const char* end = begin + t.size();
  std::vector<std::string> lines;
  for (const char* b = begin; b < end;) {
    const char* e = font->CalcWordWrapPositionA(scale, b, end, width);
    if (e <= b) {
      e = b + 1;  // one character at least, whole
      while (e < end && (static_cast<unsigned char>(*e) & 0xC0) == 0x80) ++e;
    }
    lines.push_back(p.Line(static_cast<std::size_t>(b - begin), static_cast<std::size_t>(e - begin)));
    b = e;
    while (b < end && *b == ' ') ++b;
  }
  // Spaced as TextWrapped spaces its lines: no item spacing inside the paragraph.
  const ImVec2 spacing = ImGui::GetStyle().ItemSpacing;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (p.right_to_left()) {
      const float used = ImGui::CalcTextSize(lines[i].c_str()).x;
      ImGui::SetCursorPosX(x0 + std::max(0.0f, width - used));
    }
    const bool last = i + 1 == lines.size();
    if (!last) ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(spacing.x, 0));
    ImGui::TextUnformatted(lines[i].c_str());
    if (!last) ImGui::PopStyleVar();
  }
}

template <class Draw>
bool Edited(std::string* value, Draw&& draw) {
  std::string shown = text::ForField(*value);
  Fonts::Get().Note(shown);
  const bool changed = draw(&shown);
  if (changed) *value = text::FromField(shown);
  return changed;
}

}  // namespace

std::string Shown(std::string_view text) {
  std::string drawn = text::Drawn(text);
  Fonts::Get().Note(drawn);
  return drawn;
}

void Line(std::string_view text) { ImGui::TextUnformatted(Shown(text).c_str()); }

void TextF(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  const std::string s = Format(fmt, args);
  va_end(args);
  Line(s);
}

void Wrapped(std::string_view text) {
  if (text.empty()) {
    ImGui::TextUnformatted("");
    return;
  }
  for (std::size_t start = 0;;) {
    const std::size_t nl = text.find('\n', start);
    WrappedParagraph(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

void WrappedF(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  const std::string s = Format(fmt, args);
  va_end(args);
  Wrapped(s);
}

bool EditText(const char* label, std::string* value, ImGuiInputTextFlags flags) {
  return Edited(value, [&](std::string* s) { return ImGui::InputText(label, s, flags); });
}

bool EditTextWithHint(const char* label, const char* hint, std::string* value, ImGuiInputTextFlags flags) {
  return Edited(value, [&](std::string* s) { return ImGui::InputTextWithHint(label, hint, s, flags); });
}

bool EditMultiline(const char* label, std::string* value, const ImVec2& size, ImGuiInputTextFlags flags) {
  return Edited(value, [&](std::string* s) { return ImGui::InputTextMultiline(label, s, size, flags); });
}

}  // namespace kintsugi::ui
