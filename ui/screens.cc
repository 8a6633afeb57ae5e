// The window's screens (see screens.h): the widgets they share (declared in
// screens_internal.h), Today, Agreements, Timeline and Together, and the
// window that shows one of them. The first run, pairing and unlock are in
// screens_start.cc; Progress and its charts in screens_progress.cc; Settings
// in screens_settings.cc.
#include "ui/screens.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/kinds.h"
#include "ui/fonts.h"
#include "ui/screens_internal.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;

}  // namespace

// --- Widgets shared by the screens ------------------------------------------

std::string ShortTime(const std::string& iso) {
  std::tm tm{};
  if (iso.size() < 19 || strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) == nullptr) return iso;
  const std::time_t t = timegm(&tm);
  std::tm local{};
  localtime_r(&t, &local);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M", &local);
  return out;
}

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


namespace {

// --- Today -----------------------------------------------------------------

void DrawAwaiting(ViewModel& vm, ScreenState& state) {
  const json& pending = vm.pending();
  bool any = false;
  for (const auto& p : pending.value("proposals", json::array())) {
    any = true;
    ImGui::PushID(Str(p, "id").c_str());
    const std::string kind = Str(p, "kind");
    std::string what = kind == "propose"  ? "proposes: " + Str(p, "title")
                       : kind == "amend"  ? "proposes new words for \"" + Str(p, "agreement_title") + "\""
                       : kind == "retire" ? "proposes to retire \"" + Str(p, "agreement_title") + "\""
                                          : "thinks you are in the phase: " + Str(p, "phase");
    WrappedF("%s %s", vm.NameOf(Str(p, "author")).c_str(), what.c_str());
    if (!Str(p, "text").empty()) Hint(Str(p, "text"));
    if (Button(("Accept##" + Str(p, "id").substr(0, 8)).c_str())) {
      vm.NoticeBeside("awaiting");
      vm.Accept(Str(p, "id"));
    }
    Probe::Get().Mark("accept:" + Str(p, "title"));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(220);
    EditTextWithHint("##reason", "a reason (optional)", &state.decline_reason);
    ImGui::SameLine();
    if (Button("Decline")) {
      vm.NoticeBeside("awaiting");
      vm.Decline(Str(p, "id"), state.decline_reason);
      state.decline_reason.clear();
    }
    ImGui::Separator();
    ImGui::PopID();
  }
  for (const auto& r : pending.value("reviews_due", json::array())) {
    any = true;
    WrappedF("Time to review together: %s", Str(r, "title").c_str());
  }
  if (!any) Hint("Nothing awaits your answer.");
  NoticeAt(vm, "awaiting");
}

// The three answers to a talk request, as buttons, with an optional note.
void TalkAnswerButtons(ViewModel& vm, const std::string& talk_id) {
  ImGui::PushID(talk_id.c_str());
  ImGui::SetNextItemWidth(std::min(420.0f, WidthBeside("")));
  EditTextWithHint("##answer note", "a word with your answer (optional)", &vm.talk_answer_note);
  bool first = true;
  for (std::string_view answer : protocol::kTalkAnswers) {
    const std::string words(protocol::TalkAnswerWords(answer));
    if (!first) SameLineIfFits(words.c_str());
    first = false;
    if (Button(words.c_str())) {
      vm.NoticeBeside("talk");
      vm.AnswerTalk(talk_id, answer);
    }
    Probe::Get().Mark("answer:" + words);
  }
  ImGui::PopID();
}

// "From Sam today": what the partner said and asked, first on Today.
void DrawPartnerDay(ViewModel& vm) {
  const std::string name = vm.partner_name();
  const PartnerToday day = vm.PartnerDay();
  Heading(("From " + name + " today").c_str(), Card::kPartner);
  if (day.pause_minutes_left > 0) {
    WrappedF("%s is taking a pause: %lld min left. Breathe; you will come back to it then.",
                       name.c_str(), static_cast<long long>(day.pause_minutes_left));
    Probe::Get().Mark("partner:pause");
    if (!day.pause_note.empty()) Hint("\"" + day.pause_note + "\"");
  }
  if (day.status) {
    WrappedF("%s: \"%s\"%s", day.status->time.c_str(), day.status->text.c_str(),
                       day.status->until.empty() ? "" : ("  (until " + day.status->until + ")").c_str());
    Probe::Get().Mark("partner:status");
  }
  for (const auto& f : day.feelings) {
    WrappedF("%s: mood %d, trust %d", f.time.c_str(), f.mood, f.trust);
    Probe::Get().Mark("partner:feelings:mood " + std::to_string(f.mood) + ", trust " + std::to_string(f.trust));
    // Their words, each under a quiet label, given a line of their own.
    ImGui::Indent();
    if (!f.appreciated.empty()) {
      Hint(name + " appreciated");
      Wrapped(f.appreciated);
      Probe::Get().Mark("partner:appreciated:" + f.appreciated);
    }
    if (!f.needed.empty()) {
      Hint(name + " needs");
      Wrapped(f.needed);
      Probe::Get().Mark("partner:needs:" + f.needed);
    }
    ImGui::Unindent();
    ImGui::Spacing();
  }
  for (const auto& a : day.answers) {
    WrappedF("You asked to talk about \"%s\". %s answered: %s", a.topic.c_str(), name.c_str(),
                       a.answer.c_str());
    if (!a.note.empty()) Hint("\"" + a.note + "\"");
    Probe::Get().Mark("partner:answer:" + a.answer);
  }
  for (const auto& t : day.asks) {
    WrappedF("%s would like to talk about: %s", name.c_str(), t.topic.c_str());
    Probe::Get().Mark("partner:asks:" + t.topic);
    TalkAnswerButtons(vm, t.id);
  }
  if (day.empty()) Hint("Nothing from " + name + " yet today.");
  NoticeAt(vm, "talk");
}

// After a leave: what happened, their last word, and what remains possible.
// Every screen that writes shows this instead of its forms.
void DrawEnded(ViewModel& vm) {
  Heading("The shared ledger has ended");
  Wrapped(vm.SharingLine());
  Probe::Get().Mark("ended");
  if (!vm.last_word().empty()) {
    ImGui::Spacing();
    WrappedF("%s's last word: \"%s\"", vm.partner_name().c_str(), vm.last_word().c_str());
    Probe::Get().Mark("ended:last word:" + vm.last_word());
  }
  ImGui::Spacing();
  Hint("Everything the two of you wrote stays here, to read on Timeline and Progress and to export for a "
       "counsellor from Settings. Nothing more can be added, by either of you. A new beginning, together or "
       "apart, starts in a new data folder.");
}

void DrawToday(ViewModel& vm, ScreenState& state) {
  if (vm.read_only()) {
    DrawEnded(vm);
    return;
  }
  if (vm.paired()) DrawPartnerDay(vm);
  if (vm.paired()) {
    Heading("The two of you");
    if (!vm.SharingLine().empty()) {
      // Paused or ended: whether the device answers says nothing of sharing.
    } else if (vm.partner_online()) {
      TextF("%s is online.", vm.partner_name().c_str());
    } else {
      std::string seen = vm.partner_last_seen();
      TextF("%s is not online%s.", vm.partner_name().c_str(), seen.empty() ? "" : (", last seen " + seen).c_str());
    }
    if (const std::string sharing = vm.SharingLine(); !sharing.empty()) Hint(sharing);
  } else {
    WrappedF("You are not paired yet.");
    Primary();
    if (Button("Pair with my partner")) vm.Show(Screen::kPair);
  }
  Heading("How are you today?");
  if (vm.CheckedInToday()) Hint("You checked in today. You can add another if things changed.");
  ImGui::SetNextItemWidth(300);
  ImGui::SliderInt("mood", &vm.feelings.mood, 1, 10);
  Probe::Get().Mark("mood");
  ImGui::SetNextItemWidth(300);
  ImGui::SliderInt("trust", &vm.feelings.trust, 1, 10);
  Probe::Get().Mark("trust");
  ImGui::SetNextItemWidth(420);
  EditTextWithHint("##appreciated", "one thing I appreciated", &vm.feelings.appreciated);
  Probe::Get().Mark("appreciated");
  ImGui::SetNextItemWidth(420);
  EditTextWithHint("##needed", "one thing I need", &vm.feelings.needed);
  Probe::Get().Mark("needed");
  Problem(vm.FeelingsProblem());
  Primary();
  if (WriteButton("Check in", true, vm.FeelingsProblem())) {
    vm.NoticeBeside("feelings");
    vm.SendFeelings();
  }
  Probe::Get().Mark("check in");
  NoticeAt(vm, "feelings");

  Heading("A word about your day");
  ImGui::SetNextItemWidth(std::min(420.0f, WidthBeside("", 70 + ImGui::GetStyle().ItemSpacing.x)));
  EditTextWithHint("##status", "plans changed, home by 21:00", &vm.status_form.text);
  Probe::Get().Mark("status");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70);
  EditTextWithHint("##until", "until", &vm.status_form.until);
  Probe::Get().Mark("until");
  if (!vm.status_form.text.empty()) Problem(vm.StatusProblem());
  Primary();
  if (Button("Tell", !vm.status_form.text.empty() && vm.StatusProblem().empty())) {
    vm.NoticeBeside("status");
    vm.SendStatus();
  }
  Probe::Get().Mark("tell");
  NoticeAt(vm, "status");
  Hint("Or more than a line: how the day went, in your own words.");
  EditMultiline("##checkin", &vm.checkin_note, ImVec2(std::min(420.0f, WidthBeside("")), 60));
  Probe::Get().Mark("checkin note");
  ImGui::SameLine();
  if (WriteButton("Write it", vm.checkin_note.find_first_not_of(" \t\r\n") != std::string::npos,
                  vm.ProblemWith({{"kind", "checkin"}, {"note", vm.checkin_note}}))) {
    vm.NoticeBeside("checkin");
    vm.SendCheckIn();
  }
  NoticeAt(vm, "checkin");

  Heading("Awaiting your answer");
  DrawAwaiting(vm, state);

  Heading("Today's ritual");
  const auto rituals = vm.AgreementsIn("active");
  bool shown = false;
  for (const auto& a : rituals) {
    if (Str(a, "category") != "ritual") continue;
    Wrapped(Str(a, "title"));
    shown = true;
  }
  if (!shown) Hint("When you agree on a ritual together (a weekly meeting, an evening for two) it shows here.");
  NoticeAt(vm, "");
}

// --- Agreements --------------------------------------------------------------

void AgreementDetails(ViewModel& vm, ScreenState& state, const json& a) {
  const std::string id = Str(a, "id");
  Wrapped(Str(a, "text"));
  TextF("%s, version %d%s", Str(a, "category").c_str(), a.value("version", 0),
              a.value("signed_by", json::array()).size() == 2 ? ", signed by both" : "");
  if (a.contains("review")) TextF("Review on %s", Str(a, "review").c_str());
  const json outcomes = a.value("outcomes", json::object());  // named: items() of a temporary dangles
  for (const auto& [author, c] : outcomes.items()) {
    TextF("%s: kept %d, struggled %d, missed %d", vm.NameOf(author).c_str(), c.value("kept", 0),
                c.value("struggled", 0), c.value("missed", 0));
  }
  for (const auto& h : a.value("history", json::array())) {
    Hint(ShortTime(Str(h, "time")) + "  " + vm.NameOf(Str(h, "author")) + " " + KindAction(Str(h, "kind")) +
         (h.contains("status") ? " (" + Str(h, "status") + ")" : ""));
  }
  if (Str(a, "state") != "active" || vm.read_only()) return;
  ImGui::PushID(id.c_str());
  Line("How did it go?");
  ImGui::SetNextItemWidth(std::min(360.0f, WidthBeside("")));
  EditTextWithHint("##reflection", "a reflection (optional)", &state.reflection);
  bool first = true;
  for (const char* outcome : {"kept", "struggled", "missed"}) {
    if (!first) SameLineIfFits(outcome);
    first = false;
    if (Button(outcome)) {
      vm.NoticeBeside(id);
      vm.CheckInAgreement(id, outcome, state.reflection);
      state.reflection.clear();
    }
  }
  ImGui::SetNextItemWidth(std::min(420.0f, WidthBeside("Propose new words")));
  EditTextWithHint("##amend", "new words for this agreement", &state.amend_text);
  ImGui::SameLine();
  if (WriteButton("Propose new words", !state.amend_text.empty(),
                  vm.ProblemWith({{"kind", "amend"}, {"agreement", id}, {"text", state.amend_text}}))) {
    vm.NoticeBeside(id);
    vm.Amend(id, state.amend_text);
    state.amend_text.clear();
  }
  if (Button("Propose to retire it")) {
    vm.NoticeBeside(id);
    vm.Retire(id, "");
  }
  NoticeAt(vm, id);
  ImGui::PopID();
}

void AgreementList(ViewModel& vm, ScreenState& state, const char* heading, const std::vector<json>& list) {
  Heading(heading);
  if (list.empty()) Hint("None.");
  for (const auto& a : list) {
    const std::string id = Str(a, "id");
    ImGui::PushID(id.c_str());
    const bool open = state.open_agreement == id;
    if (ImGui::Selectable(Shown(Str(a, "title")).c_str(), open)) state.open_agreement = open ? "" : id;
    Probe::Get().Mark(std::string("agreement:") + heading + ":" + Str(a, "title"));
    if (!a.value("open_changes", json::array()).empty()) {
      ImGui::SameLine();
      Hint("(a change awaits an answer)");
    }
    if (open) {
      ImGui::Indent();
      AgreementDetails(vm, state, a);
      ImGui::Unindent();
    }
    ImGui::PopID();
  }
}

void DrawAgreements(ViewModel& vm, ScreenState& state) {
  if (vm.read_only()) {
    DrawEnded(vm);
    AgreementList(vm, state, "Active when it ended", vm.AgreementsIn("active"));
    AgreementList(vm, state, "Retired and declined", [&] {
      auto list = vm.AgreementsIn("retired");
      for (auto& d : vm.AgreementsIn("declined")) list.push_back(d);
      return list;
    }());
    return;
  }
  Heading("Awaiting your answer");
  DrawAwaiting(vm, state);
  AgreementList(vm, state, "Awaiting your partner", vm.AwaitingPartner());
  AgreementList(vm, state, "Active", vm.AgreementsIn("active"));
  AgreementList(vm, state, "Retired and declined", [&] {
    auto list = vm.AgreementsIn("retired");
    for (auto& d : vm.AgreementsIn("declined")) list.push_back(d);
    return list;
  }());

  Heading("Propose an agreement");
  bool first = true;
  for (const auto& t : AgreementTemplates()) {
    if (!first) SameLineIfFits(t.label.c_str());
    first = false;
    if (Button(t.label.c_str())) vm.UseTemplate(t);
  }
  ImGui::SetNextItemWidth(420);
  EditTextWithHint("##title", "title", &vm.propose.title);
  Probe::Get().Mark("propose title");
  EditMultiline("##text", &vm.propose.text, ImVec2(420, 80));
  Probe::Get().Mark("propose text");
  const char* categories[] = {"commitment", "need", "boundary", "ritual"};
  ImGui::SetNextItemWidth(200);
  ImGui::Combo("kind of agreement", &vm.propose.category, categories, 4);
  ImGui::SetNextItemWidth(200);
  EditTextWithHint("##review", "review on (YYYY-MM-DD)", &vm.propose.review);
  const std::string problem = vm.ProposeProblem();
  if (!vm.propose.title.empty() || !vm.propose.text.empty()) Problem(problem);
  Primary();
  if (Button("Propose", problem.empty())) {
    vm.NoticeBeside("propose");
    vm.Propose();
  }
  NoticeAt(vm, "propose");
  NoticeAt(vm, "");
}

// --- Timeline ----------------------------------------------------------------

void DrawTimeline(ViewModel& vm, ScreenState& state) {
  // Every kind of the kinds table, then the withdrawn entries: one list, never
  // a second; shown in words, filtered by name.
  static const std::vector<std::string> kKindNames = [] {
    std::vector<std::string> kinds{"all"};
    for (const auto& spec : protocol::Kinds()) kinds.emplace_back(spec.name);
    kinds.emplace_back("withdrawn");
    return kinds;
  }();
  static const std::vector<std::string> kKindLabels = [] {
    std::vector<std::string> labels{"Everything"};
    for (std::size_t i = 1; i < kKindNames.size(); ++i) labels.push_back(KindWords(kKindNames[i]));
    return labels;
  }();
  static const std::vector<const char*> kKinds = [] {
    std::vector<const char*> items;
    for (const auto& label : kKindLabels) items.push_back(label.c_str());
    return items;
  }();
  static const char* kAuthors[] = {"both of us", "me", "my partner"};
  ImGui::SetNextItemWidth(180);
  bool changed = ImGui::Combo("kind", &state.timeline_kind, kKinds.data(), static_cast<int>(kKinds.size()));
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  changed |= ImGui::Combo("who", &state.timeline_author, kAuthors, IM_ARRAYSIZE(kAuthors));
  if (changed) {
    vm.SetTimelineFilter(state.timeline_kind == 0 ? "" : kKindNames[static_cast<std::size_t>(state.timeline_kind)],
                         state.timeline_author == 0 ? "" : state.timeline_author == 1 ? "me" : "partner");
  }
  // The days and Show stay together, on this line when they fit (the
  // demo's 760 px do not), else on the next.
  const ImGuiStyle& style = ImGui::GetStyle();
  SameLineIfRoom(2 * 110 + ImGui::CalcTextSize("Show").x + style.FramePadding.x * 2 + 2 * style.ItemSpacing.x);
  ImGui::SetNextItemWidth(110);
  bool enter = EditTextWithHint("##from", "from day", &vm.timeline_from_input,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  enter |= EditTextWithHint("##to", "to day", &vm.timeline_to_input, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (Button("Show") || enter) vm.ApplyTimelineDays();
  NoticeAt(vm, "");
  Hint("Right-click one of your own entries to correct or withdraw it.");
  if (vm.paired() && !vm.read_only()) {
    ImGui::SameLine();
    Primary();
    if (Button("I have read these", !vm.timeline().empty())) {
      vm.NoticeBeside("read");
      vm.MarkRead();
    }
    NoticeAt(vm, "read");
  }
  ImGui::BeginChild("entries", ImVec2(0, 0), false);
  const auto& entries = vm.timeline();
  // Rows grow to hold their words (wrapped, in reading order). Only the rows
  // in view are drawn; the others take the height they had when last drawn.
  const float width = ImGui::GetContentRegionAvail().x;
  const float spacing = ImGui::GetStyle().ItemSpacing.y;
  const float one_line = ImGui::GetTextLineHeight() + spacing;
  if (state.rows_generation != vm.timeline_generation() || state.rows_width != width) {
    state.rows_generation = vm.timeline_generation();
    state.rows_width = width;
    state.row_heights.assign(entries.size(), one_line);
  }
  state.row_heights.resize(entries.size(), one_line);
  const float view_top = ImGui::GetScrollY();
  const float view_bottom = view_top + ImGui::GetWindowHeight();
  const float start_y = ImGui::GetCursorPosY();
  float y = start_y;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    float& height = state.row_heights[i];
    if (y + height < view_top || y > view_bottom) {
      y += height;
      continue;
    }
    {
      const json& e = entries[i];
      std::string line = ShortTime(Str(e, "time")) + "  " + Str(e, "name") + " " + vm.DescribeEntry(e);
      if (e.contains("corrections")) line += "  (corrected)";
      if (!e.value("verified", false)) line += "  (does not verify!)";
      if (!e.value("applied", true) && !e.value("withdrawn", false)) line += "  (no effect: " + Str(e, "reason") + ")";
      ImGui::PushID(static_cast<int>(i));
      // A row-sized selectable (for the pointer and the right-click menu),
      // then the words over it; the row takes the words' height from the
      // next frame on.
      ImGui::SetCursorPosY(y);
      if (Str(e, "author") != vm.me()) {
        // The partner's words on their own warm colour, as on Today.
        const ImVec2 at = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(at.x - 4, at.y - spacing / 2 + 1),
                                                  ImVec2(at.x + width, at.y + height - spacing / 2 - 1),
                                                  ImGui::GetColorU32(g_theme.partner_card), 3);
      }
      ImGui::Selectable("##row", false, ImGuiSelectableFlags_AllowItemOverlap, ImVec2(0, height - spacing));
      Probe::Get().Mark("entry:" + line);
      const bool mine = Str(e, "author") == vm.me() && !e.value("withdrawn", false) && !vm.read_only();
      if (mine && ImGui::IsItemHovered() && ImGui::IsMouseReleased(ImGuiMouseButton_Right)) ImGui::OpenPopup("entry");
      ImGui::SetCursorPosY(y);
      ImGui::PushTextWrapPos(0.0f);
      ImGui::BeginGroup();
      Wrapped(line);
      NoticeAt(vm, "entry:" + Str(e, "id"));  // what its correction or withdrawal did, under it
      ImGui::EndGroup();
      ImGui::PopTextWrapPos();
      height = ImGui::GetItemRectSize().y + spacing;
      y += height;
      if (mine && ImGui::BeginPopup("entry")) {
        Line("Your entry");
        ImGui::SetNextItemWidth(360);
        EditTextWithHint("##correction", "the correction", &vm.correction_input);
        Probe::Get().Mark("field:the correction");
        if (WriteButton("Correct it", !vm.correction_input.empty(),
                        vm.ProblemWith({{"kind", "correct"}, {"ref", Str(e, "id")}, {"text", vm.correction_input}}))) {
          vm.NoticeBeside("entry:" + Str(e, "id"));
          vm.Correct(Str(e, "id"));
          ImGui::CloseCurrentPopup();
        }
        Hint("Withdrawing destroys the words on both devices; the timeline keeps a mark.");
        if (state.confirm_withdraw != Str(e, "id")) {
          if (Button("Withdraw it")) state.confirm_withdraw = Str(e, "id");
        } else {
          WrappedF("Withdraw it for good? Its words cannot be brought back.");
          if (Button("Yes, withdraw it")) {
            vm.NoticeBeside("entry:" + Str(e, "id"));
            vm.Withdraw(Str(e, "id"));
            state.confirm_withdraw.clear();
            ImGui::CloseCurrentPopup();
          }
          ImGui::SameLine();
          if (Button("Keep it")) state.confirm_withdraw.clear();
        }
        ImGui::EndPopup();
      }
      ImGui::PopID();
    }
  }
  // The room the rows take, those out of view included, so the scroll bar
  // measures them all.
  ImGui::SetCursorPosY(y);
  ImGui::Dummy(ImVec2(1, 0));
  if (state.scroll_step > 0) ImGui::SetScrollY(ImGui::GetScrollY() + state.scroll_step);
  if (vm.timeline_has_more() && ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 50) vm.LoadMoreTimeline();
  ImGui::EndChild();
}

// --- Together ----------------------------------------------------------------

void DrawTogether(ViewModel& vm) {
  const json& together = vm.together();
  if (vm.read_only()) {
    DrawEnded(vm);
    Heading("Talks");
    for (const auto& t : together.value("talks", json::array())) {
      WrappedF("%s: %s", vm.NameOf(Str(t, "author")).c_str(), Str(t, "topic").c_str());
    }
    Heading("Time together");
    for (const auto& p : together.value("plans", json::array())) {
      WrappedF("%s (%s)", Str(p, "what").c_str(), ShortTime(Str(p, "until")).c_str());
    }
    return;
  }
  std::vector<std::string> open_talks;
  Heading("Talks");
  for (const auto& t : together.value("talks", json::array())) {
    const bool open = !t.contains("closed_by");
    if (open) open_talks.push_back(Str(t, "id"));
    WrappedF("%s%s: %s", open ? "" : "(talked) ", vm.NameOf(Str(t, "author")).c_str(), Str(t, "topic").c_str());
    if (const json answer = t.value("answer", json::object()); !answer.empty()) {
      Hint((Str(t, "author") == vm.me() ? vm.partner_name() : std::string("You")) + " answered: " + std::string(protocol::TalkAnswerWords(Str(answer, "answer"))) +
           (Str(answer, "note").empty() ? "" : " (" + Str(answer, "note") + ")"));
    }
    if (open && Str(t, "author") != vm.me()) TalkAnswerButtons(vm, Str(t, "id"));
  }
  ImGui::SetNextItemWidth(std::min(420.0f, WidthBeside("Ask to talk")));
  EditTextWithHint("##talk", "I need to talk about ...", &vm.talk_input);
  Probe::Get().Mark("talk");
  ImGui::SameLine();
  Primary();
  if (WriteButton("Ask to talk", !vm.talk_input.empty(),
                  vm.ProblemWith({{"kind", "talk.request"}, {"topic", vm.talk_input}}))) {
    vm.NoticeBeside("talk");
    vm.RequestTalk();
  }
  NoticeAt(vm, "talk");

  Heading("The weekly meeting");
  Hint("Start with appreciations. Then what went well, one issue, and what each of you will try next week.");
  FieldAbove("appreciations", &vm.meeting.appreciations, 50);
  FieldAbove("what went well", &vm.meeting.went_well, 40);
  FieldAbove("one issue", &vm.meeting.issue, 40);
  FieldAbove("I will try", &vm.meeting.i_will_try);
  FieldAbove("my partner will try", &vm.meeting.partner_will_try);
  Primary();
  if (vm.meeting.appreciations.empty() ? ButtonWhy("Record the meeting", false, "It begins with appreciations.")
                                       : WriteButton("Record the meeting", true, vm.MeetingProblem())) {
    vm.NoticeBeside("meeting");
    vm.RecordMeeting(open_talks);
  }
  NoticeAt(vm, "meeting");

  Heading("After a fight: repair");
  Hint("Each of you: what you felt, how you saw it, what set you off, what you take responsibility for. "
       "Then one plan.");
  FieldAbove("what I felt", &vm.repair.feelings);
  FieldAbove("how I saw it", &vm.repair.my_view);
  FieldAbove("how you saw it", &vm.repair.partner_view);
  FieldAbove("what set us off", &vm.repair.triggers);
  FieldAbove("my part", &vm.repair.my_part);
  FieldAbove("one plan", &vm.repair.plan);
  Primary();
  if (vm.repair.plan.empty() ? ButtonWhy("Record the repair", false, "It needs the one plan you agree on.")
                             : WriteButton("Record the repair", true, vm.RepairProblem())) {
    vm.NoticeBeside("repair");
    vm.RecordRepair(open_talks);
  }
  NoticeAt(vm, "repair");

  Heading("A moment that hurt");
  Hint("What happened, how strong it was, and what helped. Naming it lets the two of you see patterns "
       "and take care; it is not a charge against anyone.");
  EditMultiline("##hurt", &vm.trigger.what, ImVec2(std::min(420.0f, WidthBeside("")), 50));
  Probe::Get().Mark("trigger what");
  ImGui::SetNextItemWidth(200);
  ImGui::SliderInt("how strong", &vm.trigger.intensity, 1, 10);
  ImGui::SetNextItemWidth(std::min(420.0f, WidthBeside("")));
  EditTextWithHint("##helped", "what helped (optional)", &vm.trigger.helped);
  if (!vm.trigger.what.empty()) Problem(vm.TriggerProblem());
  Primary();
  if (Button("Record what hurt", !vm.trigger.what.empty() && vm.TriggerProblem().empty())) {
    vm.NoticeBeside("trigger");
    vm.RecordTrigger();
  }
  NoticeAt(vm, "trigger");

  Heading("A pause");
  for (const auto& p : together.value("pauses", json::array())) {
    WrappedF("%s is taking a pause until %s. Breathe; come back then.",
                       vm.NameOf(Str(p, "author")).c_str(), ShortTime(Str(p, "until")).c_str());
  }
  ImGui::SetNextItemWidth(200);
  ImGui::SliderInt("minutes", &vm.pause_minutes, 20, 24 * 60);
  Primary();
  if (Button("Start a pause")) {
    vm.NoticeBeside("pause");
    vm.StartPause();
  }
  NoticeAt(vm, "pause");

  Heading("Time together");
  for (const auto& p : together.value("plans", json::array())) {
    ImGui::PushID(Str(p, "id").c_str());
    WrappedF("%s%s (%s)", p.contains("closed_by") ? "(done) " : "", Str(p, "what").c_str(),
                       ShortTime(Str(p, "until")).c_str());
    if (!p.contains("closed_by")) {
      ImGui::SameLine();
      if (Button("We did it")) {
        vm.NoticeBeside("plan");
        vm.MarkTimeDone(Str(p, "id"), Str(p, "what"));
      }
    }
    ImGui::PopID();
  }
  ImGui::SetNextItemWidth(std::min(300.0f, WidthBeside("Plan it", 170 + ImGui::GetStyle().ItemSpacing.x)));
  EditTextWithHint("##plan", "dinner by the river", &vm.plan_what);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(170);
  EditTextWithHint("##when", "YYYY-MM-DD HH:MM", &vm.plan_when);
  if (!vm.plan_what.empty() && !vm.plan_when.empty()) Problem(vm.PlanProblem());
  ImGui::SameLine();
  Primary();
  if (Button("Plan it", !vm.plan_what.empty() && vm.PlanProblem().empty())) {
    vm.NoticeBeside("plan");
    vm.PlanTime();
  }
  NoticeAt(vm, "plan");

  Heading("Something I appreciate about you");
  ImGui::SetNextItemWidth(std::min(420.0f, WidthBeside("Appreciate")));
  EditTextWithHint("##appreciate", "a word, a moment, a way you are", &vm.appreciation_input);
  ImGui::SameLine();
  Primary();
  if (WriteButton("Appreciate", !vm.appreciation_input.empty(),
                  vm.ProblemWith({{"kind", "appreciation"}, {"text", vm.appreciation_input}}))) {
    vm.NoticeBeside("appreciation");
    vm.Appreciate();
  }
  NoticeAt(vm, "appreciation");
  NoticeAt(vm, "");
}

}  // namespace

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
  json j{{"screen", screen}, {"items", json::object()}, {"focused", focused_}, {"glyphs", glyphs_},
         {"counts", counts_}};
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

void DrawWindow(ViewModel& vm, ScreenState& state) {
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  ImGui::Begin("Kintsugi", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus);
  if (!vm.busy().empty()) Probe::Get().Count("frames while busy");  // the window draws on while it waits
  if (!vm.answered()) {
    // The first read is under way (a few milliseconds): not yet "not running".
    Wrapped("Opening Kintsugi...");
    ImGui::End();
    Probe::Get().EndFrame("Opening");
    return;
  }
  if (!vm.connected()) {
    if (vm.daemon_stopped()) {
      // It was there a moment ago: say so plainly; the screen and what was
      // typed are kept for when it is back.
      Heading("Kintsugi's background service stopped");
      Wrapped("It keeps your ledger and talks to your partner's device. Your ledger is safe on this computer; "
              "while the service is stopped, nothing is sent or received.");
      Primary();
      if (vm.can_start_daemon() && Button("Start it again")) vm.StartDaemon();
    } else {
      Heading("Kintsugi is not running");
      WrappedF("This window could not reach Kintsugi's background service on this computer (%s). "
               "It keeps your ledger and talks to your partner's device.",
               vm.connection_problem().c_str());
      Primary();
      if (vm.can_start_daemon() && Button("Start Kintsugi")) vm.StartDaemon();
    }
    ShowNotice(vm.last_notice());
    EndSection();
    ImGui::End();
    Probe::Get().EndFrame(vm.daemon_stopped() ? "Stopped" : "Not running");
    return;
  }
  if (vm.forks() > 0) {
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.75f, 0.2f, 0.15f, 1.0f));
    ImGui::BeginChild("fork", ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * 2.5f), true);
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
    WrappedF("History was rewritten: two different entries claim the same place in one chain. "
                       "Both are kept as evidence. Run 'kintsugictl verify' to see which.");
    ImGui::PopStyleColor();
    ImGui::EndChild();
    ImGui::PopStyleColor();
  }
  if (vm.locked()) {
    DrawUnlock(vm);
    EndSection();
    ImGui::End();
    Probe::Get().EndFrame("Locked");
    return;
  }
  const Screen screen = vm.screen();
  if (screen == Screen::kFirstRun) {
    DrawFirstRun(vm);
  } else {
    ImGui::BeginChild("nav", ImVec2(170 * state.scale, 0), true);
    int shortcut = 1;
    for (Screen s : kMainScreens) {
      std::string label(ScreenName(s));
      const std::size_t count = s == Screen::kAgreements ? vm.agreements_awaiting_me()
                                : s == Screen::kToday    ? vm.talks_awaiting_me()
                                                         : 0;
      if (count > 0) label += " (" + std::to_string(count) + ")";
      if (ImGui::Selectable(label.c_str(), screen == s)) vm.Show(s);
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("Ctrl+%d", shortcut);  // the keys are read in app.cc
      Probe::Get().Mark(std::string("nav:") + std::string(ScreenName(s)));
      ++shortcut;
    }
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("screen", ImVec2(0, 0), false);
    switch (screen) {
      case Screen::kFirstRun: break;
      case Screen::kPair: DrawPair(vm); break;
      case Screen::kToday: DrawToday(vm, state); break;
      case Screen::kAgreements: DrawAgreements(vm, state); break;
      case Screen::kTimeline: DrawTimeline(vm, state); break;
      case Screen::kProgress: DrawProgress(vm); break;
      case Screen::kTogether: DrawTogether(vm); break;
      case Screen::kSettings: DrawSettings(vm, state); break;
    }
    EndSection();
    ImGui::EndChild();
  }
  EndSection();
  ImGui::End();
  Probe::Get().EndFrame(std::string(ScreenName(screen)));
}

}  // namespace kintsugi::ui
