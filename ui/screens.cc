// The window's screens (see screens.h): Today, Agreements and Together, and
// the window that shows one of them. The widgets they share are in
// screens_widgets.cc; the timeline in screens_timeline.cc; the first run,
// pairing and unlock in screens_start.cc; Progress and its charts in
// screens_progress.cc; Settings in screens_settings.cc.
#include "ui/screens.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "protocol/kinds.h"
#include "ui/screens_internal.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;

}  // namespace

namespace {

// --- Today -----------------------------------------------------------------

void DrawAwaiting(ViewModel& vm, ScreenState& state) {
  const protocol::PendingReply& pending = vm.pending();
  bool any = false;
  for (const protocol::PendingProposal& p : pending.proposals) {
    any = true;
    ImGui::PushID(p.id.c_str());
    const std::string& kind = p.kind;
    std::string what = kind == "propose"  ? "proposes: " + p.title
                       : kind == "amend"  ? "proposes new words for \"" + p.agreement_title + "\""
                       : kind == "retire" ? "proposes to retire \"" + p.agreement_title + "\""
                                          : "thinks you are in the phase: " + p.phase;
    WrappedF("%s %s", vm.NameOf(p.author).c_str(), what.c_str());
    // Every word the partner wrote with it: a change's text, a retirement's
    // reason, a phase's note and the day the breach was named.
    if (p.withdrawn) Hint("(words withdrawn)");
    for (const std::string* words : {&p.text, &p.reason, &p.note}) {
      if (words->empty()) continue;
      Hint(*words);
      Probe::Get().Mark("awaiting words:" + *words);
    }
    if (!p.breach_named.empty()) Hint("The breach was named on " + p.breach_named + ".");
    if (Button(("Accept##" + p.id.substr(0, 8)).c_str())) {
      vm.NoticeBeside("awaiting");
      vm.Accept(p.id);
    }
    Probe::Get().Mark("accept:" + p.title);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(220);
    EditTextWithHint("##reason", "a reason (optional)", &state.decline_reason);
    ImGui::SameLine();
    if (Button("Decline")) {
      vm.NoticeBeside("awaiting");
      vm.Decline(p.id, state.decline_reason);
      state.decline_reason.clear();
    }
    ImGui::Separator();
    ImGui::PopID();
  }
  for (const protocol::ReviewDue& r : pending.reviews_due) {
    any = true;
    WrappedF("Time to review together: %s", r.title.c_str());
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
  for (const auto& w : day.words) {
    WrappedF("%s: %s wrote%s", w.time.c_str(), name.c_str(), w.scales.empty() ? "" : (" (" + w.scales + ")").c_str());
    ImGui::Indent();
    Wrapped(w.text);
    Probe::Get().Mark("partner:wrote:" + w.text);
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
  bool shown = false;
  for (const protocol::AgreementView* a : vm.AgreementsIn("active")) {
    if (a->category != "ritual") continue;
    Wrapped(a->title);
    shown = true;
  }
  if (!shown) Hint("When you agree on a ritual together (a weekly meeting, an evening for two) it shows here.");
  NoticeAt(vm, "");
}

// --- Agreements --------------------------------------------------------------

void AgreementDetails(ViewModel& vm, ScreenState& state, const protocol::AgreementView& a) {
  const std::string& id = a.id;
  Wrapped(a.text);
  TextF("%s, version %lld%s", a.category.c_str(), static_cast<long long>(a.version),
        a.signed_by.size() == 2 ? ", signed by both" : "");
  if (!a.review.empty()) TextF("Review on %s", a.review.c_str());
  for (const auto& [author, c] : a.outcomes) {
    TextF("%s: kept %lld, struggled %lld, missed %lld", vm.NameOf(author).c_str(), static_cast<long long>(c.kept),
          static_cast<long long>(c.struggled), static_cast<long long>(c.missed));
  }
  for (const protocol::AgreementEvent& h : a.history) {
    Hint(ShortTime(h.time) + "  " + vm.NameOf(h.author) + " " + KindAction(h.kind) +
         (h.status.empty() ? "" : " (" + h.status + ")"));
  }
  if (a.state != "active" || vm.read_only()) return;
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

void AgreementList(ViewModel& vm, ScreenState& state, const char* heading, const ViewModel::AgreementList& list) {
  Heading(heading);
  if (list.empty()) Hint("None.");
  for (const protocol::AgreementView* a : list) {
    const std::string& id = a->id;
    ImGui::PushID(id.c_str());
    const bool open = state.open_agreement == id;
    if (ImGui::Selectable(Shown(a->title).c_str(), open)) state.open_agreement = open ? "" : id;
    Probe::Get().Mark(std::string("agreement:") + heading + ":" + a->title);
    if (!a->open_changes.empty()) {
      ImGui::SameLine();
      Hint("(a change awaits an answer)");
    }
    if (open) {
      ImGui::Indent();
      AgreementDetails(vm, state, *a);
      ImGui::Unindent();
    }
    ImGui::PopID();
  }
}

ViewModel::AgreementList RetiredAndDeclined(const ViewModel& vm) {
  ViewModel::AgreementList list = vm.AgreementsIn("retired");
  for (const protocol::AgreementView* d : vm.AgreementsIn("declined")) list.push_back(d);
  return list;
}

void DrawAgreements(ViewModel& vm, ScreenState& state) {
  if (vm.read_only()) {
    DrawEnded(vm);
    AgreementList(vm, state, "Active when it ended", vm.AgreementsIn("active"));
    AgreementList(vm, state, "Retired and declined", RetiredAndDeclined(vm));
    return;
  }
  Heading("Awaiting your answer");
  DrawAwaiting(vm, state);
  AgreementList(vm, state, "Awaiting your partner", vm.AwaitingPartner());
  AgreementList(vm, state, "Active", vm.AgreementsIn("active"));
  AgreementList(vm, state, "Retired and declined", RetiredAndDeclined(vm));

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

// --- Together ----------------------------------------------------------------

void DrawTogether(ViewModel& vm) {
  const protocol::TogetherReply& together = vm.together();
  if (vm.read_only()) {
    DrawEnded(vm);
    Heading("Talks");
    for (const protocol::TogetherItem& t : together.talks) {
      WrappedF("%s: %s", vm.NameOf(t.author).c_str(), t.words.c_str());
    }
    Heading("Time together");
    for (const protocol::TogetherItem& p : together.plans) {
      WrappedF("%s (%s)", p.words.c_str(), ShortTime(p.until_ms).c_str());
    }
    return;
  }
  std::vector<std::string> open_talks;
  Heading("Talks");
  for (const protocol::TogetherItem& t : together.talks) {
    if (t.open()) open_talks.push_back(t.id);
    WrappedF("%s%s: %s", t.open() ? "" : "(talked) ", vm.NameOf(t.author).c_str(), t.words.c_str());
    if (t.answer) {
      Hint((t.author == vm.me() ? vm.partner_name() : std::string("You")) +
           " answered: " + std::string(protocol::TalkAnswerWords(t.answer->answer)) +
           (t.answer->note.empty() ? "" : " (" + t.answer->note + ")"));
    }
    if (t.open() && t.author != vm.me()) TalkAnswerButtons(vm, t.id);
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
  for (const protocol::TogetherItem& p : together.pauses) {
    WrappedF("%s is taking a pause until %s. Breathe; come back then.", vm.NameOf(p.author).c_str(),
             ShortTime(p.until_ms).c_str());
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
  for (const protocol::TogetherItem& p : together.plans) {
    ImGui::PushID(p.id.c_str());
    WrappedF("%s%s (%s)", p.open() ? "" : "(done) ", p.words.c_str(), ShortTime(p.until_ms).c_str());
    if (p.open()) {
      ImGui::SameLine();
      if (Button("We did it")) {
        vm.NoticeBeside("plan");
        vm.MarkTimeDone(p.id, p.words);
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

void DrawWindow(ViewModel& vm, ScreenState& state) {
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(viewport->WorkPos);
  ImGui::SetNextWindowSize(viewport->WorkSize);
  // No background of its own: the frame is cleared to it (app.cc), and on
  // a software renderer a second fill of the whole window costs a third of
  // the frame.
  ImGui::Begin("Kintsugi", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoBackground);
  if (!vm.busy().empty()) Probe::Get().Count("frames while busy");  // the window draws on while it waits
  Probe::Get().SetWaiting(vm.in_flight());
  if (!vm.answered()) {
    // The first read is under way (a few milliseconds): not yet "not running".
    Wrapped("Opening Kintsugi...");
    ImGui::End();
    Probe::Get().EndFrame("Opening");
    return;
  }
  if (!vm.connected()) {
    if (vm.daemon_silent()) {
      // There, but it said nothing in time: starting another would be
      // refused (it holds the data), and it may yet answer.
      Heading("Kintsugi's background service is not answering");
      Wrapped("It is running on this computer but has not answered for a few seconds: it may be very busy, or "
              "stuck. Your ledger is safe. This window keeps asking and goes on where you were as soon as it "
              "answers.");
      Wrapped("If it stays this way, restart it: log out and in again, or run "
              "'systemctl --user restart kintsugid'.");
    } else if (vm.daemon_stopped()) {
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
    Probe::Get().EndFrame(vm.daemon_silent() ? "Not answering" : vm.daemon_stopped() ? "Stopped" : "Not running");
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
