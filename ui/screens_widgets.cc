// The widgets every screen draws with (declared in screens_internal.h):
// sections as cards, headings, hints, buttons (the panel's one primary
// action among them), notices beside their actions; the theme's colours; and
// the test probe.
#include "ui/screens.h"

#include <imgui.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

#include "base/local_time.h"
#include "ui/fonts.h"
#include "ui/screens_internal.h"

namespace kintsugi::ui {

using nlohmann::json;

// --- Widgets shared by the screens ------------------------------------------

std::string ShortTime(const std::string& iso) { return base::FormatLocalIso(iso, "%Y-%m-%d %H:%M"); }
std::string ShortTime(std::uint64_t unix_ms) { return base::FormatLocal(unix_ms, "%Y-%m-%d %H:%M"); }

// --- Sections as cards ---
// Each Heading begins a card: a rounded panel, a shade apart from the
// window, behind everything up to the next Heading or the end of the screen
// (EndSection). The panel is drawn after its content, on a channel below it.

namespace {

// The window's colours beyond ImGui's own (set in ApplyTheme): kintsugi's
// gold for headings and for the one primary action of a panel.
struct Theme {
  ImVec4 card{1, 1, 1, 0.65f};
  ImVec4 partner_card{1.0f, 0.93f, 0.80f, 0.85f};  // warm: the partner's words
  ImVec4 heading{0.60f, 0.43f, 0.10f, 1};          // kintsugi's gold
  ImVec4 primary{0.60f, 0.43f, 0.10f, 1};
  ImVec4 primary_hovered{0.68f, 0.50f, 0.15f, 1};
  ImVec4 primary_active{0.50f, 0.35f, 0.06f, 1};
  ImVec4 primary_text{1, 1, 1, 1};
};
Theme g_theme;

const Theme kDarkTheme{ImVec4(1, 1, 1, 0.05f),          ImVec4(0.88f, 0.72f, 0.40f, 0.13f),
                       ImVec4(0.88f, 0.72f, 0.40f, 1),  ImVec4(0.80f, 0.62f, 0.25f, 1),
                       ImVec4(0.88f, 0.70f, 0.32f, 1),  ImVec4(0.70f, 0.53f, 0.19f, 1),
                       ImVec4(0.10f, 0.08f, 0.05f, 1)};

struct OpenCard {
  ImDrawListSplitter splitter;
  ImDrawList* list = nullptr;
  ImVec2 start;
  float pad = 0;
  Card tone = Card::kOwn;
  int primaries = 0;  // primary actions drawn in it: one at most
};
std::optional<OpenCard> g_card;
bool g_primary_next = false;  // Primary() was called: the next Button is the panel's primary action

void BeginCard(Card tone) {
  OpenCard& card = g_card.emplace();
  card.tone = tone;
  card.list = ImGui::GetWindowDrawList();
  card.pad = ImGui::GetStyle().WindowPadding.x;
  card.splitter.Split(card.list, 2);
  card.splitter.SetCurrentChannel(card.list, 1);
  card.start = ImGui::GetCursorScreenPos();
  ImGui::SetCursorScreenPos(ImVec2(card.start.x + card.pad, card.start.y + card.pad));
  ImGui::BeginGroup();
  ImGui::PushTextWrapPos(ImGui::GetWindowContentRegionMax().x - card.pad);
}

}  // namespace

void EndSection() {
  if (!g_card) return;
  OpenCard& card = *g_card;
  ImGui::PopTextWrapPos();
  ImGui::EndGroup();
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  const ImVec2 end(std::max(right, ImGui::GetItemRectMax().x + card.pad), ImGui::GetItemRectMax().y + card.pad);
  card.splitter.SetCurrentChannel(card.list, 0);
  const ImVec4& colour = card.tone == Card::kPartner ? g_theme.partner_card : g_theme.card;
  card.list->AddRectFilled(card.start, end, ImGui::GetColorU32(colour), ImGui::GetStyle().WindowRounding);
  card.splitter.Merge(card.list);
  ImGui::SetCursorScreenPos(card.start);
  ImGui::Dummy(ImVec2(end.x - card.start.x, end.y - card.start.y));  // the card, as an item
  if (card.tone == Card::kPartner) Probe::Get().Mark("card:partner");
  if (card.primaries > 1) Probe::Get().Count("panels with more than one primary action");
  ImGui::SetCursorScreenPos(ImVec2(card.start.x, end.y));
  ImGui::Dummy(ImVec2(1, ImGui::GetStyle().ItemSpacing.y));
  g_card.reset();
  g_primary_next = false;
}

void Heading(const char* text, Card tone) {
  EndSection();
  BeginCard(tone);
  ImFont* font = Fonts::Get().heading();
  if (font != nullptr) ImGui::PushFont(font);
  ImGui::PushStyleColor(ImGuiCol_Text, g_theme.heading);
  Line(text);
  Probe::Get().Mark(std::string("heading:") + text);
  ImGui::PopStyleColor();
  if (font != nullptr) ImGui::PopFont();
  ImGui::Spacing();
}

ImU32 PartnerColour() { return ImGui::GetColorU32(g_theme.partner_card); }

void LargeText(std::string_view text) {
  ImFont* font = Fonts::Get().heading();
  if (font != nullptr) ImGui::PushFont(font);
  Wrapped(text);
  if (font != nullptr) ImGui::PopFont();
}

void Primary() { g_primary_next = true; }

bool PrimaryButton(const char* label, bool enabled) {
  Primary();
  return Button(label, enabled);
}

void Hint(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  Wrapped(text);
  ImGui::PopStyleColor();
}

void Problem(const std::string& text) {
  if (text.empty()) return;
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.80f, 0.35f, 0.25f, 1.0f));
  Wrapped(text);
  ImGui::PopStyleColor();
}

bool Button(const char* label, bool enabled) {
  const bool primary = std::exchange(g_primary_next, false);
  if (primary) {
    ImGui::PushStyleColor(ImGuiCol_Button, g_theme.primary);
    ImGui::PushStyleColor(ImGuiCol_ButtonHovered, g_theme.primary_hovered);
    ImGui::PushStyleColor(ImGuiCol_ButtonActive, g_theme.primary_active);
    ImGui::PushStyleColor(ImGuiCol_Text, g_theme.primary_text);
    if (g_card) ++g_card->primaries;
  }
  if (!enabled) ImGui::BeginDisabled();
  bool pressed = ImGui::Button(label);
  Probe::Get().Mark(label);
  if (primary) Probe::Get().Mark(std::string("primary:") + label);
  if (!enabled) ImGui::EndDisabled();
  if (primary) ImGui::PopStyleColor(4);
  return pressed && enabled;
}

void NoticeAt(const ViewModel& vm, std::string_view panel) {
  if (vm.notice_about() == panel) ShowNotice(vm.last_notice());
}

void ShowNotice(const Notice& n) {
  if (n.empty()) return;
  if (n.error) {
    Problem(n.text);
  } else {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.30f, 0.60f, 0.45f, 1.0f));
    Wrapped(n.text);
    ImGui::PopStyleColor();
  }
  Probe::Get().Mark(n.error ? "notice:problem" : "notice");
}

bool ButtonWhy(const char* label, bool enabled, const char* why) {
  const bool pressed = Button(label, enabled);
  if (!enabled && why[0] != '\0') {
    ImGui::SameLine();
    Hint(why);
    Probe::Get().Mark(std::string("why:") + label + ":" + why);
  }
  return pressed;
}

bool FieldAbove(const char* label, std::string* value, float height) {
  Line(label);
  ImGui::PushID(label);
  const float width = std::min(420.0f, WidthBeside(""));
  bool changed = false;
  if (height > 0) {
    changed = EditMultiline("##field", value, ImVec2(width, height));
  } else {
    ImGui::SetNextItemWidth(width);
    changed = EditText("##field", value);
  }
  Probe::Get().Mark(std::string("field:") + label);
  ImGui::PopID();
  return changed;
}

bool WriteButton(const char* label, bool filled, const std::string& problem) {
  return ButtonWhy(label, filled && problem.empty(), filled ? problem.c_str() : "");
}

void SameLineIfFits(const char* label) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float needed = ImGui::CalcTextSize(label, nullptr, true).x + style.FramePadding.x * 2 + style.ItemSpacing.x;
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + needed <= right) ImGui::SameLine();
}

void SameLineIfRoom(float width) {
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  if (ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x + width <= right) ImGui::SameLine();
}

float WidthBeside(const char* label, float more) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float button = ImGui::CalcTextSize(label, nullptr, true).x + style.FramePadding.x * 2 + style.ItemSpacing.x;
  return std::max(80.0f, ImGui::GetContentRegionAvail().x - button - more);
}

Probe& Probe::Get() {
  static Probe probe;
  return probe;
}

void Probe::Mark(const std::string& name) {
  if (!enabled()) return;
  ImVec2 a = ImGui::GetItemRectMin();
  ImVec2 b = ImGui::GetItemRectMax();
  ImVec2 win = ImGui::GetMainViewport()->Pos;
  items_[name] = {a.x - win.x, a.y - win.y, b.x - win.x, b.y - win.y};
  if (ImGui::IsItemFocused() || ImGui::IsItemActive()) focused_ = name;
}

void Probe::EndFrame(const std::string& screen) {
  if (!enabled()) return;
  // What this frame read as held (mouse buttons and keys): a test presses,
  // waits to see it held, releases, and waits to see it let go, so a slow
  // frame never reads a press and its release as one (no click at all).
  const ImGuiIO& io = ImGui::GetIO();
  int held = 0;
  for (bool down : io.MouseDown) held += down;
  for (bool down : io.KeysDown) held += down;
  json j{{"screen", screen}, {"items", json::object()}, {"focused", focused_}, {"glyphs", glyphs_},
         {"counts", counts_}, {"waiting", waiting_}, {"held", held}};
  for (const auto& [name, r] : items_) j["items"][name] = r;
  items_.clear();
  focused_.clear();
  std::string text = j.dump();
  if (text == last_written_) return;
  const std::string tmp = path_ + ".tmp";
  std::ofstream(tmp) << text;
  std::rename(tmp.c_str(), path_.c_str());
  last_written_ = std::move(text);
}

void ApplyTheme(bool dark, float scale) {
  ImGuiStyle style;
  ImVec4* c = style.Colors;
  if (dark) {
    ImGui::StyleColorsDark(&style);
    g_theme = kDarkTheme;
    c[ImGuiCol_FrameBg] = ImVec4(1, 1, 1, 0.07f);
    c[ImGuiCol_FrameBgHovered] = ImVec4(1, 1, 1, 0.11f);
    c[ImGuiCol_FrameBgActive] = ImVec4(1, 1, 1, 0.15f);
    c[ImGuiCol_Button] = ImVec4(1, 1, 1, 0.10f);
    c[ImGuiCol_ButtonHovered] = ImVec4(1, 1, 1, 0.16f);
    c[ImGuiCol_ButtonActive] = ImVec4(1, 1, 1, 0.22f);
  } else {
    ImGui::StyleColorsLight(&style);
    g_theme = Theme{};
    c[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.96f, 0.94f, 1.0f);
    // Fields a shade darker than the cards they sit on.
    c[ImGuiCol_FrameBg] = ImVec4(0.93f, 0.91f, 0.88f, 1.0f);
    c[ImGuiCol_FrameBgHovered] = ImVec4(0.90f, 0.88f, 0.84f, 1.0f);
    c[ImGuiCol_FrameBgActive] = ImVec4(0.87f, 0.85f, 0.80f, 1.0f);
    // Other buttons quiet and warm, so that the primary one stands out.
    c[ImGuiCol_Button] = ImVec4(0.88f, 0.85f, 0.80f, 1.0f);
    c[ImGuiCol_ButtonHovered] = ImVec4(0.84f, 0.80f, 0.73f, 1.0f);
    c[ImGuiCol_ButtonActive] = ImVec4(0.79f, 0.74f, 0.66f, 1.0f);
  }
  // ImGui's blue accents in kintsugi's gold: the chosen screen, sliders,
  // ticks, selected text and the keyboard's highlight.
  const ImVec4 gold = g_theme.primary;
  auto with_alpha = [&](float a) { return ImVec4(gold.x, gold.y, gold.z, a); };
  c[ImGuiCol_Header] = with_alpha(0.28f);
  c[ImGuiCol_HeaderHovered] = with_alpha(0.18f);
  c[ImGuiCol_HeaderActive] = with_alpha(0.36f);
  c[ImGuiCol_SliderGrab] = with_alpha(0.85f);
  c[ImGuiCol_SliderGrabActive] = g_theme.primary_active;
  c[ImGuiCol_CheckMark] = gold;
  c[ImGuiCol_TextSelectedBg] = with_alpha(0.30f);
  c[ImGuiCol_NavHighlight] = with_alpha(0.90f);
  c[ImGuiCol_SeparatorHovered] = with_alpha(0.60f);
  c[ImGuiCol_SeparatorActive] = gold;
  c[ImGuiCol_ResizeGripHovered] = with_alpha(0.60f);
  c[ImGuiCol_ResizeGripActive] = gold;
  c[ImGuiCol_TableHeaderBg] = with_alpha(dark ? 0.20f : 0.16f);
  style.WindowRounding = 6;
  style.FrameRounding = 4;
  style.GrabRounding = 4;
  style.FramePadding = ImVec2(8, 5);
  style.ItemSpacing = ImVec2(10, 8);
  style.ScaleAllSizes(scale);
  ImGui::GetStyle() = style;
}

}  // namespace kintsugi::ui
