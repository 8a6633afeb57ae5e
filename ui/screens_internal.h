// What the files that draw the screens share (screens.cc, screens_widgets.cc,
// screens_timeline.cc, screens_start.cc, screens_progress.cc,
// screens_settings.cc); not for anyone else. The small widgets every screen
// draws with, defined in screens_widgets.cc, and the screens that DrawWindow
// shows from the other files.
//
// Thread-safety: the window's thread, inside an ImGui frame.
#pragma once

#include <imgui.h>

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "client/json_fields.h"
#include "ui/screens.h"
#include "ui/view_model.h"

namespace kintsugi::ui {

// "2026-11-26T07:10:29.249Z" (UTC, as the daemon writes times) -> "2026-11-26 08:10" in local time.
std::string ShortTime(const std::string& iso);
std::string ShortTime(std::uint64_t unix_ms);
// Begins a section, as a card, with its heading in the larger heading font;
// the card ends at the next Heading or at EndSection(), which the window
// calls before it closes the window or child that holds the screen. The
// partner's words sit on a card of their own, warmer colour.
enum class Card { kOwn, kPartner };
// The partner's warm colour (their card, their timeline rows), in this theme.
ImU32 PartnerColour();
void Heading(const char* text, Card tone = Card::kOwn);
void EndSection();
// Wrapped text in the heading font (crisp, where scaling the text's font
// would blur it): what is read out or copied, like a safety number.
void LargeText(std::string_view text);
// Makes the next Button the panel's primary action, filled in the theme's
// gold: one per panel at most, the thing the panel is for. Choices of equal
// weight (accept or decline, the three answers to a talk) have none, so the
// window does not lean on an answer.
void Primary();
bool PrimaryButton(const char* label, bool enabled = true);  // Primary(), then Button
// Quiet wrapped text: what a control does, or that there is nothing to show.
void Hint(const std::string& text);
// What is wrong, wrapped, in a warning colour; nothing when `text` is empty.
void Problem(const std::string& text);
// A button that is greyed out and inert while `enabled` is false.
bool Button(const char* label, bool enabled = true);
// What the last action did: a Problem when it failed, else in a calm colour.
void ShowNotice(const Notice& n);
// The last notice, when it belongs to `panel` (ViewModel::notice_about): drawn
// beside the action that caused it.
void NoticeAt(const ViewModel& vm, std::string_view panel);
// The width a field may take so that a button labelled `label` (and `more`
// pixels of other widgets) still fit beside it on the line.
float WidthBeside(const char* label, float more = 0);
// SameLine() when `width` more pixels fit on the line, else nothing (the
// next item starts a new line).
void SameLineIfRoom(float width);
// A Button that, while greyed out, says why beside it.
bool ButtonWhy(const char* label, bool enabled, const char* why);
// A button that writes an entry: greyed out while its field is empty (not
// `filled`) or the entry breaks one of the daemon's rules (`problem`, said
// beside it: a text over its limit, a time that is no time).
bool WriteButton(const char* label, bool filled, const std::string& problem);
// A field with its label above it (`height` > 0: several lines), as wide as
// the window allows up to 420 px; true when edited.
bool FieldAbove(const char* label, std::string* value, float height = 0);
// Keeps the next button, labelled `label`, on this line when it fits, else
// lets it start the next one.
void SameLineIfFits(const char* label);
// j[key] without a copy (the screens are drawn every frame) and j[field] as
// a string, as kintsugictl reads them (client/json_fields.h).
using client::At;
using client::Str;

// screens_text.cc: what a person wrote, as it reads. Right-to-left text in
// visual order, Arabic joined, every character given a glyph (ui/text.h,
// ui/fonts.h); every piece of text that can hold a person's words is drawn
// with these, and edited with the Edit* fields, which keep characters beyond
// U+FFFF (most emoji) whole where ImGui's own would lose them.
std::string Shown(std::string_view text);  // one line, ready for a label
void Line(std::string_view text);          // one line, drawn
void TextF(const char* fmt, ...) IM_FMTARGS(1);
void Wrapped(std::string_view text);       // wrapped like ImGui::TextWrapped
void WrappedF(const char* fmt, ...) IM_FMTARGS(1);
bool EditText(const char* label, std::string* value, ImGuiInputTextFlags flags = 0);
bool EditTextWithHint(const char* label, const char* hint, std::string* value, ImGuiInputTextFlags flags = 0);
bool EditMultiline(const char* label, std::string* value, const ImVec2& size = ImVec2(0, 0),
                   ImGuiInputTextFlags flags = 0);

// screens_start.cc: the first run, pairing, and the only screen while locked.
void DrawFirstRun(ViewModel& vm);
void DrawPair(ViewModel& vm);
void DrawUnlock(ViewModel& vm);
// The safety question, answered alone, and where help is (first run, Settings).
void DrawSafetyQuestion(ViewModel& vm);

// screens_timeline.cc.
void DrawTimeline(ViewModel& vm, ScreenState& state);

// screens_progress.cc.
void DrawProgress(ViewModel& vm);

// screens_settings.cc.
void DrawSettings(ViewModel& vm, ScreenState& state);

}  // namespace kintsugi::ui
