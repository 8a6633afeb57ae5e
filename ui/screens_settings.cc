// The Settings screen (see screens_internal.h): partner and devices, sharing
// (pause and leave), the look, private notes, the export for a counsellor, and
// the vault (passphrase, lock, backup, start at login).
#include "ui/screens_internal.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <string>
#include <tuple>

#include "protocol/notify.h"

namespace kintsugi::ui {
namespace {

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
    Wrapped(line);
    NoticeAt(vm, "sharing");
    return;
  }
  if (!line.empty()) Wrapped(line);
  if (vm.sharing_paused()) {
    Hint("Resuming exchanges what either of you wrote during the pause.");
    if (Button("Resume sharing")) {
      vm.NoticeBeside("sharing");
      vm.ResumeSharing();
    }
  } else {
    Hint("Pausing stops your two devices exchanging anything, both ways, until you resume. Your partner sees "
         "that you paused and since when, not why: if you want them to know why, write it to them first.");
    if (Button("Pause sharing")) {
      vm.NoticeBeside("sharing");
      vm.PauseSharing();
    }
  }
  NoticeAt(vm, "sharing");
  Hint("Leaving ends the shared ledger for both of you, for good: sync stops, nothing more can be added, and "
       "each of you keeps your own copy. Nothing is deleted on either device.");
  if (Button("Leave...")) ImGui::OpenPopup("Leave the shared ledger?");
  if (ImGui::BeginPopupModal("Leave the shared ledger?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32);
    WrappedF("An entry will say that you left. Once your partner's device has it, your two devices "
                       "stop syncing for good. Neither of you can add to this ledger again; each keeps their "
                       "own copy, and nothing on your partner's device is deleted.");
    WrappedF("Before you go you may want to export your data (Export for a counsellor, on this screen), "
                       "and to withdraw your own entries: their words are then destroyed on both devices. Your "
                       "introduction, agreements and answers stay on the record.");
    if (Button("Withdraw my entries")) {
      vm.NoticeBeside("leave");
      vm.WithdrawMine();
    }
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 24);
    EditTextWithHint("##leave_note", "a last word for your partner (optional)", &vm.leave_note);
    if (Button("Leave for good")) {
      vm.NoticeBeside("sharing");  // the dialog closes: said under Sharing
      vm.Leave();
      ImGui::CloseCurrentPopup();
    }
    ImGui::SameLine();
    if (Button("Stay")) ImGui::CloseCurrentPopup();
    NoticeAt(vm, "leave");
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
  // Words for kExportFormats, in its order.
  static const char* kFormatWords[] = {"Markdown (text)", "Web page, to print (HTML)", "Spreadsheet (CSV)",
                                       "Data for programs (JSON)"};
  static_assert(IM_ARRAYSIZE(kFormatWords) == IM_ARRAYSIZE(kExportFormats));
  bool edited = false;
  ImGui::AlignTextToFramePadding();
  Line("From");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  edited |= EditTextWithHint("##export from", "YYYY-MM-DD", &f.from);
  ImGui::SameLine();
  Line("to");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(110);
  edited |= EditTextWithHint("##export to", "YYYY-MM-DD", &f.to);
  ImGui::AlignTextToFramePadding();
  Line("As");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(240);
  edited |= ImGui::Combo("##export format", &f.format, kFormatWords, IM_ARRAYSIZE(kFormatWords));
  if (edited) vm.UpdateExportForm();
  ImGui::AlignTextToFramePadding();
  Line("Into");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(std::min(420.0f, WidthBeside("replace it", 30)));
  EditText("##export file", &f.path);
  ImGui::SameLine();
  ImGui::Checkbox("replace it##export", &f.replace);
  if (Button("Preview")) vm.PreviewExport();
  ImGui::SameLine();
  Primary();
  if (Button("Save", !f.path.empty())) vm.SaveExport();
  if (f.path.empty()) {
    ImGui::SameLine();
    Hint("Save needs a file to write.");
  }
  // What Preview or Save did, beside them rather than at the end of the screen.
  NoticeAt(vm, "export");
  if (!f.preview.empty()) {
    // Read as it will read in the file: each script in its order.
    ImGui::BeginChild("##export_preview", ImVec2(-1, 260), true);
    Wrapped(f.preview);
    ImGui::EndChild();
  }
}

// Passphrase, lock, backup and start at login.
void DrawVaultSettings(ViewModel& vm) {
  Heading("Passphrase and lock");
  const bool has = vm.has_passphrase();
  WrappedF(has ? "Your keys are sealed with your passphrase. Lock closes them until it is typed again."
                         : "No passphrase: your key file is protected by its permissions alone, which keep other "
                           "accounts on this computer out, but not anyone who can use yours.");
  if (has && Button("Lock now")) {
    vm.NoticeBeside("vault");
    vm.Lock();
  }
  ImGui::SetNextItemWidth(280);
  if (has) {
    EditTextWithHint("##current", "current passphrase", &vm.passphrase_current, ImGuiInputTextFlags_Password);
    ImGui::SetNextItemWidth(280);
  }
  EditTextWithHint("##new1", "new passphrase", &vm.passphrase_input, ImGuiInputTextFlags_Password);
  ImGui::SetNextItemWidth(280);
  EditTextWithHint("##new2", "the same again", &vm.passphrase_again, ImGuiInputTextFlags_Password);
  const std::string passphrase_problem = vm.NewPassphraseProblem();
  Primary();
  if (ButtonWhy(has ? "Change passphrase" : "Set passphrase", passphrase_problem.empty(), passphrase_problem.c_str())) {
    vm.NoticeBeside("vault");
    vm.SetPassphrase();
  }
  if (has) {
    ImGui::SameLine();
    if (Button("Remove passphrase", !vm.passphrase_current.empty())) {
      vm.NoticeBeside("vault");
      vm.RemovePassphrase();
    }
  }
  NoticeAt(vm, "vault");
  Heading("Backup");
  Hint("A sealed copy of your ledger and keys, made while Kintsugi runs. Keep it somewhere else, like a USB "
       "stick; on a new computer, the first screen restores it.");
  ImGui::SetNextItemWidth(360);
  EditTextWithHint("##backup", "~/kintsugi-backup-DATE.kbak", &vm.backup_path);
  ImGui::SameLine();
  ImGui::Checkbox("Replace", &vm.backup_replace);
  ImGui::SetNextItemWidth(280);
  EditTextWithHint("##backuppass", has ? "your passphrase" : "a passphrase for this backup",
                           &vm.backup_passphrase, ImGuiInputTextFlags_Password);
  if (!has) {
    ImGui::SetNextItemWidth(280);
    EditTextWithHint("##backuppass2", "the same again", &vm.backup_again, ImGuiInputTextFlags_Password);
  }
  // An empty file name becomes ~/kintsugi-backup-DATE.kbak.
  Primary();
  if (ButtonWhy("Back up now", vm.backup_passphrase.size() >= 8, "It needs a passphrase of 8 characters or more.")) {
    vm.NoticeBeside("backup");
    vm.Backup();
  }
  NoticeAt(vm, "backup");
  Heading("Start at login");
  if (auto on = vm.StartsAtLogin()) {
    bool checked = *on;
    if (ImGui::Checkbox("Start Kintsugi when I log in", &checked)) {
      vm.NoticeBeside("login");
      vm.SetStartAtLogin(checked);
    }
    NoticeAt(vm, "login");
  } else {
    Hint("This computer has no per-user service manager the window can reach; 'kintsugictl service install' "
         "says why.");
  }
}

}  // namespace

// Notifications on this computer: whether, how much they say, which events,
// quiet hours and reminders. Each control saves at once.
void DrawNotifySettings(ViewModel& vm) {
  Heading("Notifications on this computer");
  if (!vm.notify()) {
    Hint("Kintsugi's background service does not say how it notifies (it may be an older one).");
    return;
  }
  const protocol::NotifyStatus& status = *vm.notify();
  const protocol::NotifySettings& s = status.settings;
  bool enabled = s.enabled;
  if (ImGui::Checkbox("Tell me when something comes from my partner, while the window is closed", &enabled)) {
    vm.ChangeNotify({{"enabled", enabled}});
  }
  const bool shown = status.bus == "shown" || status.bus == "nothing shown yet";
  if (!shown) Hint("Nothing is shown right now: " + status.bus + ".");
  Hint("Anyone near your screen, or who sees it locked, can read a notification. By default it says only "
       "that something came, and from whom.");
  const std::tuple<protocol::NotifyShow, const char*, const char*> hows[] = {
      {protocol::NotifyShow::kNothing, "nothing", "Say only \"Kintsugi\""},
      {protocol::NotifyShow::kDiscreet, "discreet", "Say who it is from: \"Kintsugi: something new from ...\""},
      {protocol::NotifyShow::kWords, "words", "Show what my partner wrote (readable by anyone near my screen)"}};
  for (const auto& [show, name, label] : hows) {
    if (ImGui::RadioButton(label, s.show == show)) vm.ChangeNotify({{"show", name}});
  }
  Line("Tell me when:");
  for (const protocol::NotifyEventState& e : status.events) {
    if (!e.switchable) continue;
    bool on = e.on;
    ImGui::PushID(e.name.c_str());
    std::string about = e.about.empty() ? e.name : e.about;
    if (!about.empty() && about[0] >= 'a' && about[0] <= 'z') about[0] = static_cast<char>(about[0] - 'a' + 'A');
    if (ImGui::Checkbox(about.c_str(), &on)) vm.ChangeNotify({{"events", {{e.name, on}}}});
    ImGui::PopID();
  }
  Hint("Something wrong with the ledger itself is always told.");

  const auto time_field = [](const char* id, std::string* text) {
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 4);
    return EditTextWithHint(id, "HH:MM", text);
  };
  bool quiet = s.quiet.has_value();
  if (ImGui::Checkbox("Quiet hours: hold notifications, then one summary", &quiet)) {
    vm.ChangeNotify({{"quiet", quiet ? nlohmann::json{{"from", vm.notify_quiet_from}, {"to", vm.notify_quiet_to}}
                                     : nlohmann::json(nullptr)}});
  }
  if (quiet) {
    Line("from");
    ImGui::SameLine();
    time_field("##quiet_from", &vm.notify_quiet_from);
    ImGui::SameLine();
    Line("to");
    ImGui::SameLine();
    time_field("##quiet_to", &vm.notify_quiet_to);
    ImGui::SameLine();
    if (Button("Set quiet hours")) {
      vm.ChangeNotify({{"quiet", {{"from", vm.notify_quiet_from}, {"to", vm.notify_quiet_to}}}});
    }
  }

  Line("Remind me:");
  bool checkin = s.checkin.has_value();
  if (ImGui::Checkbox("of my daily check-in, at", &checkin)) {
    vm.ChangeNotify({{"remind", {{"checkin", checkin ? nlohmann::json(vm.notify_checkin) : nlohmann::json(nullptr)}}}});
  }
  ImGui::SameLine();
  time_field("##checkin_at", &vm.notify_checkin);
  if (checkin && ImGui::IsItemDeactivatedAfterEdit()) vm.ChangeNotify({{"remind", {{"checkin", vm.notify_checkin}}}});
  bool meeting = s.meeting.has_value();
  const auto meeting_change = [&vm](bool on) {
    return nlohmann::json{{"remind", {{"meeting", on ? nlohmann::json{{"day", protocol::WeekdayName(vm.notify_meeting_day)},
                                                                          {"time", vm.notify_meeting}}
                                                     : nlohmann::json(nullptr)}}}};
  };
  if (ImGui::Checkbox("of our weekly meeting, on", &meeting)) vm.ChangeNotify(meeting_change(meeting));
  ImGui::SameLine();
  static const char* const kDays[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  if (ImGui::Combo("##meeting_day", &vm.notify_meeting_day, kDays, 7) && meeting) vm.ChangeNotify(meeting_change(true));
  ImGui::SameLine();
  Line("at");
  ImGui::SameLine();
  time_field("##meeting_at", &vm.notify_meeting);
  if (meeting && ImGui::IsItemDeactivatedAfterEdit()) vm.ChangeNotify(meeting_change(true));
  bool together = s.together;
  if (ImGui::Checkbox("an hour before time we planned together", &together)) {
    vm.ChangeNotify({{"remind", {{"together", together}}}});
  }
  if (Button("Show a test notification")) {
    vm.NoticeBeside("notify");
    vm.TestNotify();
  }
  NoticeAt(vm, "notify");
}

namespace {

// "Why don't we sync?": kintsugictl doctor's checks, each said with what to do.
void DrawSyncCheck(ViewModel& vm) {
  Heading("Why don't we sync?");
  Hint("Checks this computer, the network and the link to your partner's device, and says what to do.");
  Primary();
  if (Button("Check")) vm.CheckSync();  // names its own panel, as the export does
  NoticeAt(vm, "doctor");
  for (const auto& f : vm.sync_findings()) {
    const std::string level = Str(f, "level");
    const ImVec4 colour = level == "problem" ? ImVec4(0.80f, 0.35f, 0.25f, 1)
                          : level == "note"  ? ImVec4(0.75f, 0.55f, 0.15f, 1)
                                             : ImVec4(0.30f, 0.60f, 0.45f, 1);
    const float x = ImGui::GetCursorPosX();
    ImGui::PushStyleColor(ImGuiCol_Text, colour);
    Line(level == "problem" ? "Problem" : level == "note" ? "Note" : "OK");
    ImGui::PopStyleColor();
    ImGui::SameLine(x + ImGui::CalcTextSize("Problem").x + ImGui::GetStyle().ItemSpacing.x * 2);
    ImGui::BeginGroup();
    Wrapped(Str(f, "says"));
    if (!Str(f, "todo").empty()) Hint("What to do: " + Str(f, "todo"));
    ImGui::EndGroup();
    Probe::Get().Mark("finding:" + Str(f, "check") + ":" + level);
  }
}

}  // namespace

void DrawSettings(ViewModel& vm, ScreenState& state) {
  Heading("Safety and help");
  DrawSafetyQuestion(vm);
  ImGui::Spacing();
  Hint("Your own helpline (its name and number), shown here instead of the general words. It stays in a "
       "file of your login on this computer, never in the shared ledger and never sent; anyone who can use "
       "your login could read it.");
  ImGui::SetNextItemWidth(std::min(420.0f, WidthBeside("Keep it")));
  EditTextWithHint("##helpline", "a helpline's name and number", &vm.help_input);
  Probe::Get().Mark("helpline");
  ImGui::SameLine();
  Primary();
  if (Button("Keep it")) {
    vm.NoticeBeside("help");
    vm.SaveHelp();
  }
  NoticeAt(vm, "help");
  Heading("Partner and devices");
  if (vm.paired()) {
    TextF("Paired with %s.", vm.partner_name().c_str());
    if (Button("Safety number")) vm.Show(Screen::kPair);
  } else if (PrimaryButton("Pair with my partner")) {
    vm.Show(Screen::kPair);
  }
  ImGui::SetNextItemWidth(std::min(420.0f, WidthBeside("Use this address")));
  EditTextWithHint("##peer", "partner's address, like 192.168.1.20:47474 (advanced)", &vm.peer_address_input);
  ImGui::SameLine();
  if (Button("Use this address", !vm.peer_address_input.empty())) {
    vm.NoticeBeside("peer");
    vm.SetPeerAddress();
  }
  NoticeAt(vm, "peer");
  DrawSyncCheck(vm);
  DrawSharingSettings(vm);
  DrawNotifySettings(vm);
  Heading("Look");
  if (ImGui::Checkbox("Dark theme", &state.dark)) ApplyTheme(state.dark, state.scale);
  Hint("F12 closes this window at once, for when someone walks in. Your daemon keeps running.");
  Heading("Private notes (only on this device)");
  for (const protocol::Note& n : vm.notes()) {
    WrappedF("%s  %s", ShortTime(n.time).c_str(), n.unreadable ? "(unreadable on this device)" : n.text.c_str());
  }
  EditMultiline("##note", &vm.note_input, ImVec2(420, 60));
  Primary();
  if (Button("Keep this note", !vm.note_input.empty())) {
    vm.NoticeBeside("note");
    vm.AddNote();
  }
  NoticeAt(vm, "note");
  DrawExportSettings(vm);
  DrawVaultSettings(vm);
  NoticeAt(vm, "");
}

}  // namespace kintsugi::ui
