#include "ui/screens.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <vector>

#include "protocol/kinds.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;

constexpr const char* kPhaseWords[][2] = {
    {"atone", "Atone: the one who broke trust takes responsibility, answers questions honestly, and "
              "shows remorse without asking for quick forgiveness."},
    {"attune", "Attune: both learn to turn toward each other again, talk about hard things safely, and "
               "rebuild the friendship."},
    {"attach", "Attach: closeness and trust return in small steps; new rituals hold you together."},
};

const char* kExpect =
    "Rebuilding trust usually takes twelve to twenty-four months, and it is rarely a straight line. "
    "Bad days after good weeks are part of it, not a sign it is failing. What helps is steady: promises "
    "kept visibly, honest check-ins, and time together.";

// "2026-11-26T07:10:29.249Z" (UTC, as the daemon writes times) -> "2026-11-26 08:10" in local time.
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

void Heading(const char* text) {
  ImGui::Spacing();
  ImGui::TextUnformatted(text);
  ImGui::Separator();
  ImGui::Spacing();
}

void Hint(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

void Problem(const std::string& text) {
  if (text.empty()) return;
  ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.80f, 0.35f, 0.25f, 1.0f));
  ImGui::TextWrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

// A button that is greyed out and inert while `enabled` is false.
bool Button(const char* label, bool enabled = true) {
  if (!enabled) ImGui::BeginDisabled();
  bool pressed = ImGui::Button(label);
  Probe::Get().Mark(label);
  if (!enabled) ImGui::EndDisabled();
  return pressed && enabled;
}

void ShowNotice(const Notice& n) {
  if (n.empty()) return;
  if (n.error) {
    Problem(n.text);
  } else {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.30f, 0.60f, 0.45f, 1.0f));
    ImGui::TextWrapped("%s", n.text.c_str());
    ImGui::PopStyleColor();
  }
}

std::string Str(const json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// --- Charts -----------------------------------------------------------------

struct Series {
  const char* label;
  std::vector<std::pair<float, float>> points;  // x in [0, 1], y in value units
  ImU32 color;
  bool dashed = false;
};

// A line chart with axes, y labels every `y_step`, x labels at the ends and
// the value under the pointer.
void LineChart(const char* id, const std::vector<Series>& series, float y_min, float y_max, float y_step,
               const std::string& x_left, const std::string& x_right, float height) {
  ImGui::PushID(id);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float width = ImGui::GetContentRegionAvail().x;
  const float pad_left = ImGui::CalcTextSize("10").x + 10;
  const float pad_bottom = ImGui::GetTextLineHeight() + 6;
  const ImVec2 a(origin.x + pad_left, origin.y);
  const ImVec2 b(origin.x + width - 8, origin.y + height - pad_bottom);
  const ImU32 axis = ImGui::GetColorU32(ImGuiCol_TextDisabled);
  const ImU32 grid = ImGui::GetColorU32(ImGuiCol_Separator, 0.5f);
  auto to_screen = [&](float x, float y) {
    return ImVec2(a.x + x * (b.x - a.x), b.y - (y - y_min) / (y_max - y_min) * (b.y - a.y));
  };
  for (float y = y_min; y <= y_max + 0.001f; y += y_step) {
    ImVec2 p = to_screen(0, y);
    draw->AddLine(ImVec2(a.x, p.y), ImVec2(b.x, p.y), grid);
    char label[16];
    std::snprintf(label, sizeof label, "%.0f", y);
    draw->AddText(ImVec2(origin.x, p.y - ImGui::GetTextLineHeight() / 2), axis, label);
  }
  draw->AddLine(ImVec2(a.x, b.y), ImVec2(b.x, b.y), axis);
  draw->AddLine(ImVec2(a.x, a.y), ImVec2(a.x, b.y), axis);
  draw->AddText(ImVec2(a.x, b.y + 3), axis, x_left.c_str());
  const float right_w = ImGui::CalcTextSize(x_right.c_str()).x;
  draw->AddText(ImVec2(b.x - right_w, b.y + 3), axis, x_right.c_str());
  for (const auto& s : series) {
    for (std::size_t i = 1; i < s.points.size(); ++i) {
      draw->AddLine(to_screen(s.points[i - 1].first, s.points[i - 1].second),
                    to_screen(s.points[i].first, s.points[i].second), s.color, s.dashed ? 1.0f : 2.0f);
    }
    for (const auto& p : s.points) {
      if (!s.dashed) draw->AddCircleFilled(to_screen(p.first, p.second), 2.5f, s.color);
    }
  }
  ImGui::InvisibleButton("chart", ImVec2(width, height));
  if (ImGui::IsItemHovered()) {
    const float mx = (ImGui::GetIO().MousePos.x - a.x) / std::max(1.0f, b.x - a.x);
    ImGui::BeginTooltip();
    for (const auto& s : series) {
      const std::pair<float, float>* best = nullptr;
      for (const auto& p : s.points) {
        if (!best || std::fabs(p.first - mx) < std::fabs(best->first - mx)) best = &p;
      }
      if (best) ImGui::Text("%s: %.1f", s.label, best->second);
    }
    ImGui::EndTooltip();
  }
  ImGui::PopID();
}

// --- First run and pairing ---------------------------------------------------

void DrawFirstRun(ViewModel& vm) {
  ImGui::TextWrapped("Welcome to Kintsugi.");
  ImGui::Spacing();
  ImGui::TextWrapped(
      "Kintsugi is a private place for the two of you to make agreements, check in, and see how trust "
      "grows back. It is not a way to watch each other: it only holds what each of you chooses to write. "
      "It is not a replacement for a counsellor, and it keeps everything on your two devices, nowhere else.");
  Heading("Your name");
  ImGui::SetNextItemWidth(280);
  ImGui::InputText("##name", &vm.name_input);
  Probe::Get().Mark("name");
  Heading("A passphrase (optional)");
  ImGui::TextWrapped("With one, your keys are sealed on this computer: whoever opens it without the passphrase "
                     "cannot read or write your ledger. Nobody can recover it for you.");
  ImGui::SetNextItemWidth(280);
  ImGui::InputTextWithHint("##pass1", "passphrase (8 characters or more)", &vm.passphrase_input,
                           ImGuiInputTextFlags_Password);
  ImGui::SetNextItemWidth(280);
  ImGui::InputTextWithHint("##pass2", "the same again", &vm.passphrase_again, ImGuiInputTextFlags_Password);
  const bool with_passphrase = !vm.passphrase_input.empty() || !vm.passphrase_again.empty();
  const std::string problem = with_passphrase ? vm.NewPassphraseProblem() : "";
  if (!problem.empty()) Problem(problem);
  if (Button("Begin", !vm.name_input.empty() && problem.empty())) vm.Init();
  if (ImGui::CollapsingHeader("I have a backup of my ledger")) {
    ImGui::SetNextItemWidth(360);
    ImGui::InputTextWithHint("##restore", "~/kintsugi-backup.kbak", &vm.restore_path);
    ImGui::SetNextItemWidth(280);
    ImGui::InputTextWithHint("##restorepass", "the backup's passphrase", &vm.passphrase_current,
                             ImGuiInputTextFlags_Password);
    if (Button("Restore", !vm.restore_path.empty() && !vm.passphrase_current.empty())) vm.Restore();
  }
  Heading("Before you start, alone");
  ImGui::TextWrapped("Do you feel safe with your partner? Your answer is not saved and not shared: it only "
                     "changes what this screen says.");
  using Safety = ViewModel::Safety;
  if (ImGui::RadioButton("Yes", vm.safety == Safety::kSafe)) vm.safety = Safety::kSafe;
  ImGui::SameLine();
  if (ImGui::RadioButton("I am not sure", vm.safety == Safety::kUnsure)) vm.safety = Safety::kUnsure;
  ImGui::SameLine();
  if (ImGui::RadioButton("No", vm.safety == Safety::kAfraid)) vm.safety = Safety::kAfraid;
  if (vm.safety == Safety::kUnsure || vm.safety == Safety::kAfraid) {
    ImGui::TextWrapped(
        "If you are afraid of your partner, or they control who you see, what you spend or where you go, "
        "a shared ledger is not what you need now, and it could be used against you. Please talk to a "
        "domestic-violence helpline in your country, or to a counsellor, alone. You can close this window "
        "with F12 at any moment.");
  }
  ShowNotice(vm.last_notice());
}

void DrawPair(ViewModel& vm) {
  const json& pair = vm.pair_status();
  if (vm.paired()) {
    Heading("You are paired");
    ImGui::TextWrapped("Compare this number with the one on your partner's screen, out loud or side by side:");
    ImGui::Spacing();
    ImGui::SetWindowFontScale(1.4f);
    ImGui::TextWrapped("%s", Str(pair, "safety_number").c_str());
    ImGui::SetWindowFontScale(1.0f);
    ImGui::Spacing();
    if (pair.value("confirmed", false)) {
      ImGui::TextWrapped("You compared it: the connection is yours alone.");
    } else if (Button("The numbers match")) {
      vm.ConfirmSafetyNumber();
    }
    ShowNotice(vm.last_notice());
    return;
  }
  Heading("Invite my partner");
  if (vm.InviteSecondsLeft() > 0 && pair.contains("invite")) {
    ImGui::SetWindowFontScale(1.8f);
    ImGui::TextUnformatted(Str(pair["invite"], "code").c_str());
    ImGui::SetWindowFontScale(1.0f);
    if (Button("Copy the code")) ImGui::SetClipboardText(Str(pair["invite"], "code").c_str());
    const auto left = vm.InviteSecondsLeft();
    ImGui::Text("Valid for %lld:%02lld more.", static_cast<long long>(left / 60), static_cast<long long>(left % 60));
  } else if (Button("Invite my partner")) {
    vm.Invite();
  }
  Heading("I have a code");
  ImGui::SetNextItemWidth(360);
  ImGui::InputTextWithHint("##code", "123-word-word-word-word", &vm.code_input);
  Probe::Get().Mark("code");
  if (!vm.code_input.empty()) Problem(vm.CodeProblem());
  ImGui::SetNextItemWidth(240);
  ImGui::InputTextWithHint("##address", "partner's address (optional)", &vm.peer_address_input);
  if (Button("Pair", !vm.code_input.empty() && vm.CodeProblem().empty())) vm.Join();
  ShowNotice(vm.last_notice());
}

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
    ImGui::TextWrapped("%s %s", vm.NameOf(Str(p, "author")).c_str(), what.c_str());
    if (!Str(p, "text").empty()) Hint(Str(p, "text"));
    if (Button(("Accept##" + Str(p, "id").substr(0, 8)).c_str())) vm.Accept(Str(p, "id"));
    Probe::Get().Mark("accept:" + Str(p, "title"));
    ImGui::SameLine();
    ImGui::SetNextItemWidth(220);
    ImGui::InputTextWithHint("##reason", "a reason (optional)", &state.decline_reason);
    ImGui::SameLine();
    if (Button("Decline")) {
      vm.Decline(Str(p, "id"), state.decline_reason);
      state.decline_reason.clear();
    }
    ImGui::Separator();
    ImGui::PopID();
  }
  for (const auto& t : pending.value("talks", json::array())) {
    any = true;
    ImGui::TextWrapped("%s would like to talk about: %s", vm.NameOf(Str(t, "author")).c_str(),
                       Str(t, "topic").c_str());
  }
  for (const auto& r : pending.value("reviews_due", json::array())) {
    any = true;
    ImGui::TextWrapped("Time to review together: %s", Str(r, "title").c_str());
  }
  if (!any) Hint("Nothing awaits your answer.");
}

void DrawToday(ViewModel& vm, ScreenState& state) {
  if (vm.paired()) {
    if (vm.partner_online()) {
      ImGui::Text("%s is online.", vm.partner_name().c_str());
    } else {
      std::string seen = vm.partner_last_seen();
      ImGui::Text("%s is not online%s.", vm.partner_name().c_str(), seen.empty() ? "" : (", last seen " + seen).c_str());
    }
    if (const std::string sharing = vm.SharingLine(); !sharing.empty()) Hint(sharing);
  } else {
    ImGui::TextWrapped("You are not paired yet.");
    if (Button("Pair with my partner")) vm.Show(Screen::kPair);
  }
  Heading("How are you today?");
  if (vm.CheckedInToday()) Hint("You checked in today. You can add another if things changed.");
  ImGui::SetNextItemWidth(300);
  ImGui::SliderInt("mood", &vm.feelings.mood, 1, 10);
  Probe::Get().Mark("mood");
  ImGui::SetNextItemWidth(300);
  ImGui::SliderInt("trust", &vm.feelings.trust, 1, 10);
  ImGui::SetNextItemWidth(420);
  ImGui::InputTextWithHint("##appreciated", "one thing I appreciated", &vm.feelings.appreciated);
  ImGui::SetNextItemWidth(420);
  ImGui::InputTextWithHint("##needed", "one thing I need", &vm.feelings.needed);
  Problem(vm.FeelingsProblem());
  if (Button("Check in")) vm.SendFeelings();

  Heading("A word about your day");
  ImGui::SetNextItemWidth(420);
  ImGui::InputTextWithHint("##status", "plans changed, home by 21:00", &vm.status_form.text);
  Probe::Get().Mark("status");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70);
  ImGui::InputTextWithHint("##until", "until", &vm.status_form.until);
  if (!vm.status_form.text.empty()) Problem(vm.StatusProblem());
  if (Button("Tell", !vm.status_form.text.empty() && vm.StatusProblem().empty())) vm.SendStatus();

  Heading("Awaiting your answer");
  DrawAwaiting(vm, state);

  Heading("Today's ritual");
  const auto rituals = vm.AgreementsIn("active");
  bool shown = false;
  for (const auto& a : rituals) {
    if (Str(a, "category") != "ritual") continue;
    ImGui::TextWrapped("%s", Str(a, "title").c_str());
    shown = true;
  }
  if (!shown) Hint("When you agree on a ritual together (a weekly meeting, an evening for two) it shows here.");
  ShowNotice(vm.last_notice());
}

// --- Agreements --------------------------------------------------------------

void AgreementDetails(ViewModel& vm, ScreenState& state, const json& a) {
  const std::string id = Str(a, "id");
  ImGui::TextWrapped("%s", Str(a, "text").c_str());
  ImGui::Text("%s, version %d%s", Str(a, "category").c_str(), a.value("version", 0),
              a.value("signed_by", json::array()).size() == 2 ? ", signed by both" : "");
  if (a.contains("review")) ImGui::Text("Review on %s", Str(a, "review").c_str());
  const json outcomes = a.value("outcomes", json::object());  // named: items() of a temporary dangles
  for (const auto& [author, c] : outcomes.items()) {
    ImGui::Text("%s: kept %d, struggled %d, missed %d", vm.NameOf(author).c_str(), c.value("kept", 0),
                c.value("struggled", 0), c.value("missed", 0));
  }
  for (const auto& h : a.value("history", json::array())) {
    Hint(ShortTime(Str(h, "time")) + "  " + vm.NameOf(Str(h, "author")) + ": " + Str(h, "kind") +
         (h.contains("status") ? " (" + Str(h, "status") + ")" : ""));
  }
  if (Str(a, "state") != "active") return;
  ImGui::PushID(id.c_str());
  ImGui::TextUnformatted("How did it go?");
  ImGui::SetNextItemWidth(360);
  ImGui::InputTextWithHint("##reflection", "a reflection (optional)", &state.reflection);
  for (const char* outcome : {"kept", "struggled", "missed"}) {
    ImGui::SameLine();
    if (Button(outcome)) {
      vm.CheckInAgreement(id, outcome, state.reflection);
      state.reflection.clear();
    }
  }
  ImGui::SetNextItemWidth(420);
  ImGui::InputTextWithHint("##amend", "new words for this agreement", &state.amend_text);
  ImGui::SameLine();
  if (Button("Propose new words", !state.amend_text.empty())) {
    vm.Amend(id, state.amend_text);
    state.amend_text.clear();
  }
  if (Button("Propose to retire it")) vm.Retire(id, "");
  ImGui::PopID();
}

void AgreementList(ViewModel& vm, ScreenState& state, const char* heading, const std::vector<json>& list) {
  Heading(heading);
  if (list.empty()) Hint("None.");
  for (const auto& a : list) {
    const std::string id = Str(a, "id");
    ImGui::PushID(id.c_str());
    const bool open = state.open_agreement == id;
    if (ImGui::Selectable(Str(a, "title").c_str(), open)) state.open_agreement = open ? "" : id;
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
  for (const auto& t : AgreementTemplates()) {
    if (Button(t.label.c_str())) vm.UseTemplate(t);
    ImGui::SameLine();
  }
  ImGui::NewLine();
  ImGui::SetNextItemWidth(420);
  ImGui::InputTextWithHint("##title", "title", &vm.propose.title);
  Probe::Get().Mark("propose title");
  ImGui::InputTextMultiline("##text", &vm.propose.text, ImVec2(420, 80));
  Probe::Get().Mark("propose text");
  const char* categories[] = {"commitment", "need", "boundary", "ritual"};
  ImGui::SetNextItemWidth(200);
  ImGui::Combo("kind of agreement", &vm.propose.category, categories, 4);
  ImGui::SetNextItemWidth(200);
  ImGui::InputTextWithHint("##review", "review on (YYYY-MM-DD)", &vm.propose.review);
  const std::string problem = vm.ProposeProblem();
  if (!vm.propose.title.empty() || !vm.propose.text.empty()) Problem(problem);
  if (Button("Propose", problem.empty())) vm.Propose();
  ShowNotice(vm.last_notice());
}

// --- Timeline ----------------------------------------------------------------

void DrawTimeline(ViewModel& vm, ScreenState& state) {
  static const char* kKinds[] = {"all", "feelings", "status", "checkin", "agreement", "propose", "accept",
                                 "decline", "amend", "retire", "appreciation", "trigger", "talk.request",
                                 "meeting", "repair", "pause", "time.plan", "time.done", "correct",
                                 "withdraw", "phase", "withdrawn"};
  static const char* kAuthors[] = {"both of us", "me", "my partner"};
  ImGui::SetNextItemWidth(180);
  bool changed = ImGui::Combo("kind", &state.timeline_kind, kKinds, IM_ARRAYSIZE(kKinds));
  ImGui::SameLine();
  ImGui::SetNextItemWidth(160);
  changed |= ImGui::Combo("who", &state.timeline_author, kAuthors, IM_ARRAYSIZE(kAuthors));
  if (changed) {
    vm.SetTimelineFilter(state.timeline_kind == 0 ? "" : kKinds[state.timeline_kind],
                         state.timeline_author == 0 ? "" : state.timeline_author == 1 ? "me" : "partner");
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  bool enter = ImGui::InputTextWithHint("##from", "from day", &vm.timeline_from_input,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  enter |= ImGui::InputTextWithHint("##to", "to day", &vm.timeline_to_input, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if (Button("Show") || enter) vm.ApplyTimelineDays();
  ShowNotice(vm.last_notice());
  Hint("Right-click one of your own entries to correct or withdraw it.");
  ImGui::BeginChild("entries", ImVec2(0, 0), false);
  const auto& entries = vm.timeline();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(entries.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const json& e = entries[static_cast<std::size_t>(i)];
      std::string line = ShortTime(Str(e, "time")) + "  " + Str(e, "name") + "  " + Str(e, "kind");
      const json body = e.value("body", json::object());
      if (body.contains("outcome")) line += ": " + Str(body, "outcome");
      for (const char* field : {"text", "note", "title", "topic", "what", "appreciations", "plan", "reflection"}) {
        if (body.contains(field) && body[field].is_string()) {
          line += ": " + body[field].get<std::string>();
          break;
        }
      }
      if (body.contains("mood")) line += "  mood " + std::to_string(body.value("mood", 0));
      if (body.contains("trust")) line += "  trust " + std::to_string(body.value("trust", 0));
      if (e.value("withdrawn", false)) line += "  (withdrawn)";
      if (e.contains("corrections")) line += "  (corrected)";
      if (!e.value("verified", false)) line += "  (does not verify!)";
      if (!e.value("applied", true) && !e.value("withdrawn", false)) line += "  (no effect: " + Str(e, "reason") + ")";
      ImGui::PushID(i);
      ImGui::Selectable(line.c_str(), false);
      const bool mine = Str(e, "author") == vm.me() && !e.value("withdrawn", false);
      if (mine && ImGui::BeginPopupContextItem("entry")) {
        ImGui::TextUnformatted("Your entry");
        ImGui::SetNextItemWidth(360);
        ImGui::InputTextWithHint("##correction", "the correction", &vm.correction_input);
        if (Button("Correct it", !vm.correction_input.empty())) {
          vm.Correct(Str(e, "id"));
          ImGui::CloseCurrentPopup();
        }
        Hint("Withdrawing destroys the words on both devices; the timeline keeps a mark.");
        if (Button("Withdraw it")) {
          vm.Withdraw(Str(e, "id"));
          ImGui::CloseCurrentPopup();
        }
        ImGui::EndPopup();
      }
      ImGui::PopID();
    }
  }
  if (state.scroll_step > 0) ImGui::SetScrollY(ImGui::GetScrollY() + state.scroll_step);
  if (vm.timeline_has_more() && ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 50) vm.LoadMoreTimeline();
  ImGui::EndChild();
}

// --- Progress ----------------------------------------------------------------

void DrawProgress(ViewModel& vm) {
  const json& trends = vm.trends();
  const json members = trends.value("members", json::object());  // named: items() of a temporary dangles
  std::string from = Str(trends, "from");
  const std::string to = Str(trends, "to");
  // The charts start where the data does, within the range asked for.
  std::string earliest = to;
  for (const auto& [author, m] : members.items()) {
    (void)author;
    const json days = m.value("days", json::array());
    if (!days.empty() && Str(days[0], "date") < earliest) earliest = Str(days[0], "date");
  }
  if (earliest > from && earliest < to) from = earliest;
  const auto first = protocol::DayFromDate(from).value_or(0);
  const auto last = protocol::DayFromDate(to).value_or(first + 1);
  const float span = static_cast<float>(std::max<std::int64_t>(1, last - first));
  static const ImU32 kColors[] = {IM_COL32(70, 130, 180, 255), IM_COL32(205, 120, 60, 255)};
  for (const char* measure : {"mood", "trust"}) {
    std::vector<Series> series;
    int n = 0;
    for (const auto& [author, m] : members.items()) {
      Series daily{Str(m, "name").c_str(), {}, kColors[n % 2]};
      Series avg{"7-day average", {}, kColors[n % 2], true};
      for (const auto& d : m.value("days", json::array())) {
        if (!d.contains(measure)) continue;
        const float x = static_cast<float>(protocol::DayFromDate(Str(d, "date")).value_or(first) - first) / span;
        daily.points.push_back({x, d.value(measure, 0.0f)});
        avg.points.push_back({x, d.value(std::string(measure) + "_avg7", 0.0f)});
      }
      static std::string labels[4];
      labels[n % 2] = Str(m, "name") + " " + measure;
      daily.label = labels[n % 2].c_str();
      series.push_back(std::move(daily));
      series.push_back(std::move(avg));
      ++n;
    }
    Heading(measure == std::string("mood") ? "Mood, each day and over seven days" : "Trust, each day and over seven days");
    LineChart(measure, series, 0, 10, 2, from, to, 180);
  }
  Heading("Each week");
  if (ImGui::BeginTable("weeks", 5, ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg)) {
    for (const char* h : {"week", "who", "appreciations", "triggers", "meetings"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const auto& [author, m] : members.items()) {
      for (const auto& w : m.value("weeks", json::array())) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(Str(w, "week").c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(Str(m, "name").c_str());
        ImGui::TableNextColumn();
        ImGui::Text("%d", w.value("appreciations", 0));
        ImGui::TableNextColumn();
        ImGui::Text("%d", w.value("triggers", 0));
        ImGui::TableNextColumn();
        ImGui::Text("%d", w.value("meetings", 0));
      }
    }
    ImGui::EndTable();
  }
  Heading("How agreements are kept");
  for (const auto& k : trends.value("agreements", json::array())) {
    const int kept = k.value("kept", 0), struggled = k.value("struggled", 0), missed = k.value("missed", 0);
    const int total = std::max(1, kept + struggled + missed);
    std::string title;
    for (const auto& a : vm.agreements().value("agreements", json::array())) {
      if (Str(a, "id") == Str(k, "agreement")) title = Str(a, "title");
    }
    ImGui::ProgressBar(static_cast<float>(kept) / total, ImVec2(200, 0));
    ImGui::SameLine();
    ImGui::Text("%s: kept %d, struggled %d, missed %d", title.c_str(), kept, struggled, missed);
  }
  Heading("Where you are");
  const json phase = trends.value("phase", json::object());
  const std::string current = Str(phase, "current");
  if (current.empty()) {
    Hint("You have not named a phase together yet.");
  } else {
    for (const auto& p : kPhaseWords) {
      if (current == p[0]) ImGui::TextWrapped("%s", p[1]);
    }
  }
  if (phase.contains("days_since_breach")) {
    ImGui::Text("%lld days since the breach was named.", phase.value("days_since_breach", 0LL));
  }
  ImGui::TextWrapped("%s", kExpect);
  ImGui::TextUnformatted("Propose a phase:");
  for (const auto& p : kPhaseWords) {
    ImGui::SameLine();
    if (Button(p[0])) vm.ProposePhase(p[0]);
  }
  ShowNotice(vm.last_notice());
}

// --- Together ----------------------------------------------------------------

void DrawTogether(ViewModel& vm) {
  const json& together = vm.together();
  std::vector<std::string> open_talks;
  Heading("Talks");
  for (const auto& t : together.value("talks", json::array())) {
    const bool open = !t.contains("closed_by");
    if (open) open_talks.push_back(Str(t, "id"));
    ImGui::TextWrapped("%s%s: %s", open ? "" : "(talked) ", vm.NameOf(Str(t, "author")).c_str(), Str(t, "topic").c_str());
  }
  ImGui::SetNextItemWidth(420);
  ImGui::InputTextWithHint("##talk", "I need to talk about ...", &vm.talk_input);
  ImGui::SameLine();
  if (Button("Ask to talk", !vm.talk_input.empty())) vm.RequestTalk();

  Heading("The weekly meeting");
  Hint("Start with appreciations. Then what went well, one issue, and what each of you will try next week.");
  ImGui::InputTextMultiline("appreciations", &vm.meeting.appreciations, ImVec2(420, 50));
  ImGui::InputTextMultiline("what went well", &vm.meeting.went_well, ImVec2(420, 40));
  ImGui::InputTextMultiline("one issue", &vm.meeting.issue, ImVec2(420, 40));
  ImGui::InputText("I will try", &vm.meeting.i_will_try);
  ImGui::InputText("my partner will try", &vm.meeting.partner_will_try);
  if (Button("Record the meeting", !vm.meeting.appreciations.empty())) vm.RecordMeeting(open_talks);

  Heading("After a fight: repair");
  Hint("Each of you: what you felt, how you saw it, what set you off, what you take responsibility for. "
       "Then one plan.");
  ImGui::InputText("what I felt", &vm.repair.feelings);
  ImGui::InputText("how I saw it", &vm.repair.my_view);
  ImGui::InputText("how you saw it", &vm.repair.partner_view);
  ImGui::InputText("what set us off", &vm.repair.triggers);
  ImGui::InputText("my part", &vm.repair.my_part);
  ImGui::InputText("one plan", &vm.repair.plan);
  if (Button("Record the repair", !vm.repair.plan.empty())) vm.RecordRepair(open_talks);

  Heading("A pause");
  for (const auto& p : together.value("pauses", json::array())) {
    ImGui::TextWrapped("%s is taking a pause until %s. Breathe; come back then.",
                       vm.NameOf(Str(p, "author")).c_str(), ShortTime(Str(p, "until")).c_str());
  }
  ImGui::SetNextItemWidth(200);
  ImGui::SliderInt("minutes", &vm.pause_minutes, 20, 24 * 60);
  if (Button("Start a pause")) vm.StartPause();

  Heading("Time together");
  for (const auto& p : together.value("plans", json::array())) {
    ImGui::PushID(Str(p, "id").c_str());
    ImGui::TextWrapped("%s%s (%s)", p.contains("closed_by") ? "(done) " : "", Str(p, "what").c_str(),
                       ShortTime(Str(p, "until")).c_str());
    if (!p.contains("closed_by")) {
      ImGui::SameLine();
      if (Button("We did it")) vm.MarkTimeDone(Str(p, "id"), Str(p, "what"));
    }
    ImGui::PopID();
  }
  ImGui::SetNextItemWidth(300);
  ImGui::InputTextWithHint("##plan", "dinner by the river", &vm.plan_what);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(170);
  ImGui::InputTextWithHint("##when", "YYYY-MM-DD HH:MM", &vm.plan_when);
  if (!vm.plan_what.empty() && !vm.plan_when.empty()) Problem(vm.PlanProblem());
  ImGui::SameLine();
  if (Button("Plan it", !vm.plan_what.empty() && vm.PlanProblem().empty())) vm.PlanTime();
  ImGui::SetNextItemWidth(420);
  ImGui::InputTextWithHint("##appreciate", "something I appreciate about you", &vm.appreciation_input);
  ImGui::SameLine();
  if (Button("Appreciate", !vm.appreciation_input.empty())) vm.Appreciate();
  ShowNotice(vm.last_notice());
}

// --- Settings ----------------------------------------------------------------

// Pausing sharing and leaving: each button says plainly what it does, and
// leaving asks once more, suggesting an export first.
void DrawSharingSettings(ViewModel& vm) {
  Heading("Sharing");
  if (!vm.paired()) {
    Hint("Once you are paired, you can pause sharing or leave here.");
    return;
  }
  const std::string line = vm.SharingLine();
  if (vm.sharing_ended()) {
    ImGui::TextWrapped("%s", line.c_str());
    return;
  }
  if (!line.empty()) ImGui::TextWrapped("%s", line.c_str());
  if (vm.sharing_paused()) {
    Hint("Resuming exchanges what either of you wrote during the pause.");
    if (Button("Resume sharing")) vm.ResumeSharing();
  } else {
    Hint("Pausing stops your two devices exchanging anything, both ways, until you resume. Your partner sees "
         "that you paused and since when, not why: if you want them to know why, write it to them first.");
    if (Button("Pause sharing")) vm.PauseSharing();
  }
  Hint("Leaving ends the shared ledger for both of you, for good: sync stops, nothing more can be added, and "
       "each of you keeps your own copy. Nothing is deleted on either device.");
  if (Button("Leave...")) ImGui::OpenPopup("Leave the shared ledger?");
  if (ImGui::BeginPopupModal("Leave the shared ledger?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32);
    ImGui::TextWrapped("An entry will say that you left. Once your partner's device has it, your two devices "
                       "stop syncing for good. Neither of you can add to this ledger again; each keeps their "
                       "own copy, and nothing on your partner's device is deleted.");
    ImGui::TextWrapped("Before you go you may want to export your data (Export for a counsellor, on this screen), "
                       "and to withdraw your own entries: their words are then destroyed on both devices. Your "
                       "introduction, agreements and answers stay on the record.");
    if (Button("Withdraw my entries")) vm.WithdrawMine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24);
    ImGui::InputTextWithHint("##leave_note", "a last word for your partner (optional)", &vm.leave_note);
    if (Button("Leave for good")) {
      vm.Leave();
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (Button("Stay")) ImGui::CloseCurrentPopup();
    ShowNotice(vm.last_notice());
    ImGui::PopTextWrapPos();
    ImGui::EndPopup();
  }
}

// The export for a counsellor: a range, a format, a preview of what Save writes.
void DrawExportSettings(ViewModel& vm) {
  Heading("Export for a counsellor");
  Hint("Agreements and their history, check-ins, trends, meetings, triggers and what each of you wanted to bring "
       "up. Private notes are never in it; withdrawn entries appear without their words.");
  ExportForm& f = vm.export_form;
  if (!f.prepared) vm.UpdateExportForm();
  bool edited = false;
  ImGui::SetNextItemWidth(110);
  edited |= ImGui::InputTextWithHint("from##export", "YYYY-MM-DD", &f.from);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  edited |= ImGui::InputTextWithHint("to##export", "YYYY-MM-DD", &f.to);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(80);
  edited |= ImGui::Combo("format##export", &f.format, kExportFormats, IM_ARRAYSIZE(kExportFormats));
  if (edited) vm.UpdateExportForm();
  ImGui::SetNextItemWidth(420);
  ImGui::InputText("file##export", &f.path);
  ImGui::SameLine();
  ImGui::Checkbox("replace it##export", &f.replace);
  if (Button("Preview")) vm.PreviewExport();
  ImGui::SameLine();
  if (Button("Save", !f.path.empty())) vm.SaveExport();
  if (!f.preview.empty()) {
    ImGui::InputTextMultiline("##export_preview", &f.preview, ImVec2(-1, 260), ImGuiInputTextFlags_ReadOnly);
  }
}

// Passphrase, lock, backup and start at login.
void DrawVaultSettings(ViewModel& vm) {
  Heading("Passphrase and lock");
  const bool has = vm.has_passphrase();
  ImGui::TextWrapped(has ? "Your keys are sealed with your passphrase. Lock closes them until it is typed again; "
                           "your partner's entries keep arriving meanwhile."
                         : "No passphrase: your key file is protected by its permissions alone, which keep other "
                           "accounts on this computer out, but not anyone who can use yours.");
  if (has && Button("Lock now")) vm.Lock();
  ImGui::SetNextItemWidth(280);
  if (has) {
    ImGui::InputTextWithHint("##current", "current passphrase", &vm.passphrase_current, ImGuiInputTextFlags_Password);
    ImGui::SetNextItemWidth(280);
  }
  ImGui::InputTextWithHint("##new1", "new passphrase", &vm.passphrase_input, ImGuiInputTextFlags_Password);
  ImGui::SetNextItemWidth(280);
  ImGui::InputTextWithHint("##new2", "the same again", &vm.passphrase_again, ImGuiInputTextFlags_Password);
  if (Button(has ? "Change passphrase" : "Set passphrase", vm.NewPassphraseProblem().empty())) vm.SetPassphrase();
  if (has) {
    ImGui::SameLine();
    if (Button("Remove passphrase", !vm.passphrase_current.empty())) vm.RemovePassphrase();
  }
  Heading("Backup");
  Hint("A sealed copy of your ledger and keys, made while Kintsugi runs. Keep it somewhere else, like a USB "
       "stick; on a new computer, the first screen restores it.");
  ImGui::SetNextItemWidth(360);
  ImGui::InputTextWithHint("##backup", "~/kintsugi-backup-DATE.kbak", &vm.backup_path);
  ImGui::SameLine();
  ImGui::Checkbox("Replace", &vm.backup_replace);
  ImGui::SetNextItemWidth(280);
  ImGui::InputTextWithHint("##backuppass", has ? "your passphrase" : "a passphrase for this backup",
                           &vm.backup_passphrase, ImGuiInputTextFlags_Password);
  if (!has) {
    ImGui::SetNextItemWidth(280);
    ImGui::InputTextWithHint("##backuppass2", "the same again", &vm.backup_again, ImGuiInputTextFlags_Password);
  }
  if (Button("Back up now", vm.backup_passphrase.size() >= 8)) vm.Backup();
  Heading("Start at login");
  if (auto on = vm.StartsAtLogin()) {
    bool checked = *on;
    if (ImGui::Checkbox("Start Kintsugi when I log in", &checked)) vm.SetStartAtLogin(checked);
  } else {
    Hint("This computer has no per-user service manager the window can reach; 'kintsugictl service install' "
         "says why.");
  }
}

// The only screen while locked: nothing opened is kept or shown.
void DrawUnlock(ViewModel& vm) {
  Heading("Kintsugi is locked");
  ImGui::TextWrapped("Your partner's entries keep arriving and are kept sealed. Type your passphrase to read "
                     "and write.");
  ImGui::SetNextItemWidth(280);
  if (!ImGui::IsAnyItemActive()) ImGui::SetKeyboardFocusHere();
  const bool enter = ImGui::InputTextWithHint("##unlock", "passphrase", &vm.passphrase_input,
                                              ImGuiInputTextFlags_Password | ImGuiInputTextFlags_EnterReturnsTrue);
  Probe::Get().Mark("unlock:passphrase");
  ImGui::SameLine();
  if ((Button("Unlock", !vm.passphrase_input.empty()) || enter) && !vm.passphrase_input.empty()) vm.Unlock();
  Probe::Get().Mark("unlock:button");
  ShowNotice(vm.last_notice());
}

void DrawSettings(ViewModel& vm, ScreenState& state) {
  Heading("Partner and devices");
  if (vm.paired()) {
    ImGui::Text("Paired with %s.", vm.partner_name().c_str());
    if (Button("Safety number")) vm.Show(Screen::kPair);
  } else if (Button("Pair with my partner")) {
    vm.Show(Screen::kPair);
  }
  ImGui::SetNextItemWidth(240);
  ImGui::InputTextWithHint("##peer", "HOST:PORT", &vm.peer_address_input);
  ImGui::SameLine();
  if (Button("Use this address", !vm.peer_address_input.empty())) vm.SetPeerAddress();
  DrawSharingSettings(vm);
  Heading("Look");
  if (ImGui::Checkbox("Dark theme", &state.dark)) ApplyTheme(state.dark, state.scale);
  Hint("F12 closes this window at once, for when someone walks in. Your daemon keeps running.");
  Heading("Private notes (only on this device)");
  for (const auto& n : vm.notes()) ImGui::TextWrapped("%s  %s", ShortTime(Str(n, "time")).c_str(), Str(n, "text").c_str());
  ImGui::InputTextMultiline("##note", &vm.note_input, ImVec2(420, 60));
  if (Button("Keep this note", !vm.note_input.empty())) vm.AddNote();
  DrawExportSettings(vm);
  DrawVaultSettings(vm);
  ShowNotice(vm.last_notice());
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
}

void Probe::EndFrame(const std::string& screen) {
  if (!enabled()) return;
  json j{{"screen", screen}, {"items", json::object()}};
  for (const auto& [name, r] : items_) j["items"][name] = r;
  items_.clear();
  std::string text = j.dump();
  if (text == last_written_) return;
  const std::string tmp = path_ + ".tmp";
  std::ofstream(tmp) << text;
  std::rename(tmp.c_str(), path_.c_str());
  last_written_ = std::move(text);
}

void ApplyTheme(bool dark, float scale) {
  ImGuiStyle style;
  if (dark) {
    ImGui::StyleColorsDark(&style);
  } else {
    ImGui::StyleColorsLight(&style);
    style.Colors[ImGuiCol_WindowBg] = ImVec4(0.97f, 0.96f, 0.94f, 1.0f);
  }
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
  if (!vm.connected()) {
    Heading("Kintsugi is not running");
    ImGui::TextWrapped("This window could not reach Kintsugi's background service on this computer (%s). "
                       "It keeps your ledger and talks to your partner's device.",
                       vm.connection_problem().c_str());
    if (vm.can_start_daemon() && Button("Start Kintsugi")) vm.StartDaemon();
    ShowNotice(vm.last_notice());
    ImGui::End();
    Probe::Get().EndFrame("Not running");
    return;
  }
  if (vm.forks() > 0) {
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.75f, 0.2f, 0.15f, 1.0f));
    ImGui::BeginChild("fork", ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * 2.5f), true);
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 1, 1, 1));
    ImGui::TextWrapped("History was rewritten: two different entries claim the same place in one chain. "
                       "Both are kept as evidence. Run 'kintsugictl verify' to see which.");
    ImGui::PopStyleColor();
    ImGui::EndChild();
    ImGui::PopStyleColor();
  }
  if (vm.locked()) {
    DrawUnlock(vm);
    ImGui::End();
    Probe::Get().EndFrame("Locked");
    return;
  }
  const Screen screen = vm.screen();
  if (screen == Screen::kFirstRun) {
    DrawFirstRun(vm);
  } else {
    ImGui::BeginChild("nav", ImVec2(170 * state.scale, 0), true);
    for (Screen s : kMainScreens) {
      std::string label(ScreenName(s));
      if (s == Screen::kAgreements && vm.awaiting_me() > 0) label += " (" + std::to_string(vm.awaiting_me()) + ")";
      if (ImGui::Selectable(label.c_str(), screen == s)) vm.Show(s);
      Probe::Get().Mark(std::string("nav:") + std::string(ScreenName(s)));
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
    ImGui::EndChild();
  }
  ImGui::End();
  Probe::Get().EndFrame(std::string(ScreenName(screen)));
}

}  // namespace kintsugi::ui
