// The screens around the main ones (see screens_internal.h): the first run,
// pairing (an invite, a code, the safety number), and unlock, the only screen
// while locked.
#include "ui/screens_internal.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <string>

namespace kintsugi::ui {

using nlohmann::json;

// --- First run and pairing ---------------------------------------------------

void DrawFirstRun(ViewModel& vm) {
  WrappedF("Welcome to Kintsugi.");
  ImGui::Spacing();
  WrappedF(
      "Kintsugi is a private place for the two of you to make agreements, check in, and see how trust "
      "grows back. It is not a way to watch each other: it only holds what each of you chooses to write. "
      "It is not a replacement for a counsellor, and it keeps everything on your two devices, nowhere else.");
  Heading("Your name");
  ImGui::SetNextItemWidth(280);
  EditText("##name", &vm.name_input);
  Probe::Get().Mark("name");
  Heading("A passphrase (optional)");
  WrappedF("With one, your keys are sealed on this computer: whoever opens it without the passphrase "
                     "cannot read or write your ledger. Nobody can recover it for you.");
  ImGui::SetNextItemWidth(280);
  EditTextWithHint("##pass1", "passphrase (8 characters or more)", &vm.passphrase_input,
                           ImGuiInputTextFlags_Password);
  ImGui::SetNextItemWidth(280);
  EditTextWithHint("##pass2", "the same again", &vm.passphrase_again, ImGuiInputTextFlags_Password);
  const bool with_passphrase = !vm.passphrase_input.empty() || !vm.passphrase_again.empty();
  const std::string problem = with_passphrase ? vm.NewPassphraseProblem() : "";
  if (!problem.empty()) Problem(problem);
  Primary();
  if (Button("Begin", !vm.name_input.empty() && problem.empty())) vm.Init();
  if (ImGui::CollapsingHeader("I have a backup of my ledger")) {
    ImGui::SetNextItemWidth(360);
    EditTextWithHint("##restore", "~/kintsugi-backup.kbak", &vm.restore_path);
    ImGui::SetNextItemWidth(280);
    EditTextWithHint("##restorepass", "the backup's passphrase", &vm.passphrase_current,
                             ImGuiInputTextFlags_Password);
    if (Button("Restore", !vm.restore_path.empty() && !vm.passphrase_current.empty())) vm.Restore();
  }
  Heading("Before you start, alone");
  DrawSafetyQuestion(vm);
  ShowNotice(vm.last_notice());
}

void DrawSafetyQuestion(ViewModel& vm) {
  WrappedF("Do you feel safe with your partner? Your answer is not saved and not shared: it only "
                     "changes what this screen says.");
  using Safety = ViewModel::Safety;
  if (ImGui::RadioButton("Yes", vm.safety == Safety::kSafe)) vm.safety = Safety::kSafe;
  Probe::Get().Mark("safety:yes");
  ImGui::SameLine();
  if (ImGui::RadioButton("I am not sure", vm.safety == Safety::kUnsure)) vm.safety = Safety::kUnsure;
  Probe::Get().Mark("safety:unsure");
  ImGui::SameLine();
  if (ImGui::RadioButton("No", vm.safety == Safety::kAfraid)) vm.safety = Safety::kAfraid;
  Probe::Get().Mark("safety:no");
  if (vm.safety == Safety::kUnsure || vm.safety == Safety::kAfraid) {
    WrappedF("A shared ledger is not what you need while you are afraid, and it could be used against "
                       "you. You can close this window with F12 at any moment.");
    Wrapped(vm.HelpText());
    Probe::Get().Mark("safety:help");
  }
}

void DrawPair(ViewModel& vm) {
  const protocol::PairStatus& pair = vm.pair_status();
  if (vm.paired()) {
    Heading("You are paired");
    WrappedF("Compare this number with the one on your partner's screen, out loud or side by side:");
    ImGui::Spacing();
    LargeText(pair.safety_number);
    ImGui::Spacing();
    if (pair.confirmed) {
      WrappedF("You compared it: the connection is yours alone.");
    } else if (PrimaryButton("The numbers match")) {
      vm.ConfirmSafetyNumber();
    }
    ShowNotice(vm.last_notice());
    return;
  }
  Heading("Invite my partner");
  if (vm.InviteSecondsLeft() > 0 && pair.invite) {
    LargeText(pair.invite->code);
    Primary();
    if (Button("Copy the code")) ImGui::SetClipboardText(pair.invite->code.c_str());
    const auto left = vm.InviteSecondsLeft();
    TextF("Valid for %lld:%02lld more.", static_cast<long long>(left / 60), static_cast<long long>(left % 60));
  } else if (PrimaryButton("Invite my partner")) {
    vm.Invite();
  }
  Heading("I have a code");
  ImGui::SetNextItemWidth(360);
  EditTextWithHint("##code", "123-word-word-word-word", &vm.code_input);
  Probe::Get().Mark("code");
  if (!vm.code_input.empty()) Problem(vm.CodeProblem());
  ImGui::SetNextItemWidth(240);
  EditTextWithHint("##address", "partner's address (optional)", &vm.peer_address_input);
  Primary();
  if (Button("Pair", !vm.code_input.empty() && vm.CodeProblem().empty())) vm.Join();
  ShowNotice(vm.last_notice());
}

// --- Unlock ------------------------------------------------------------------

// The only screen while locked: nothing opened is kept or shown.
void DrawUnlock(ViewModel& vm) {
  Heading("Kintsugi is locked");
  WrappedF("%s Type your passphrase to read%s.", vm.ArrivalLine().c_str(),
                     vm.read_only() ? "" : " and write");
  Probe::Get().Mark("locked:" + vm.ArrivalLine());
  ImGui::SetNextItemWidth(280);
  if (!ImGui::IsAnyItemActive()) ImGui::SetKeyboardFocusHere();
  const bool enter = EditTextWithHint("##unlock", "passphrase", &vm.passphrase_input,
                                              ImGuiInputTextFlags_Password | ImGuiInputTextFlags_EnterReturnsTrue);
  Probe::Get().Mark("unlock:passphrase");
  ImGui::SameLine();
  Primary();
  if ((Button("Unlock", !vm.passphrase_input.empty()) || enter) && !vm.passphrase_input.empty()) vm.Unlock();
  Probe::Get().Mark("unlock:button");
  ShowNotice(vm.last_notice());
}

}  // namespace kintsugi::ui
