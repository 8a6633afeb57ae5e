// ViewModel: sharing (pause, leave, withdrawing one's entries), the export
// for a counsellor, the vault (passphrase, lock, unlock), backups and restoring,
// and start at login (see view_model.h).
#include "ui/view_model.h"

#include "client/doctor.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>

#include "base/files.h"
#include "base/local_time.h"
#include "client/export_format.h"
#include "crypto/pwhash.h"
#include "crypto/secure_buffer.h"
#include "protocol/kinds.h"
#include "protocol/ipc_messages.h"
#include "protocol/notify.h"
#include "ui/view_model_internal.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;

// "~/x" as $HOME/x; other paths as they are.
std::string ExpandHome(const std::string& path) {
  const char* home = std::getenv("HOME");
  if (path.rfind("~/", 0) == 0 && home != nullptr) return std::string(home) + path.substr(1);
  return path;
}

}  // namespace

// --- The export for a counsellor ---

std::string ExportDefaultPath(const ExportForm& form) {
  const int f = std::clamp(form.format, 0, static_cast<int>(std::size(kExportFormats)) - 1);
  return form.folder + "/kintsugi-export-" + form.from + "-" + form.to + "." + kExportFormats[f];
}

void ViewModel::UpdateExportForm() {
  ExportForm& f = export_form;
  if (!f.prepared) {  // once: a field cleared to be retyped stays empty
    f.prepared = true;
    if (f.to.empty()) f.to = protocol::DateFromDay(base::LocalDay(NowMs()));
    if (f.from.empty()) {
      auto to = protocol::DayFromDate(f.to);
      if (to) f.from = protocol::DateFromDay(*to - 29);
    }
  }
  if (f.folder.empty()) {
    const char* home = std::getenv("HOME");
    f.folder = home != nullptr && *home != '\0' ? home : ".";
  }
  if (f.path.empty() || f.path == f.default_path) {
    f.default_path = ExportDefaultPath(f);
    f.path = f.default_path;
  }
}

// The export document of the form's range, rendered in its format, and
// written to `path` when one is given: {"doc", "text", "path"}. Runs on the
// view-model's runner (the file is written there too).
static Result<json> RenderedExport(DaemonLink& link, const ExportForm& f, const std::string& path) {
  auto doc = link.Call("export", protocol::ExportRequest{Trimmed(f.from), Trimmed(f.to)});
  if (!doc.ok()) return doc.take_error();
  const int index = std::clamp(f.format, 0, static_cast<int>(std::size(kExportFormats)) - 1);
  auto format = client::ExportFormatFromName(kExportFormats[index]);
  auto text = client::RenderExport(*doc, format.value_or(client::ExportFormat::kMarkdown));
  if (!text.ok()) return text.take_error();
  if (!path.empty()) {
    Status written =
        base::WritePrivateFile(path, *text, f.replace ? base::Replace::kExisting : base::Replace::kNever);
    if (!written.ok() && written.error().code == ErrorCode::kAlreadyExists) {
      return MakeError(ErrorCode::kAlreadyExists, path + " already exists: choose another name, or tick Replace.");
    }
    if (!written.ok()) return written.take_error();
  }
  return json{{"doc", std::move(*doc)}, {"text", std::move(*text)}, {"path", path}};
}

Notice ViewModel::PreviewExport() {
  pending_about_ = "export";
  UpdateExportForm();
  return Request("", [form = export_form](DaemonLink& link) { return RenderedExport(link, form, ""); },
                 [this](const json& r) {
                   export_form.preview = r.value("text", "");
                   const json& doc = r["doc"];
                   Done(doc.value("empty", false) ? client::NothingRecorded(doc) : "The preview shows what Save writes.");
                 });
}

Notice ViewModel::SaveExport() {
  pending_about_ = "export";
  UpdateExportForm();
  std::string path = Trimmed(export_form.path);
  if (path.rfind("~/", 0) == 0) path = export_form.folder + path.substr(1);
  return Request("", [form = export_form, path](DaemonLink& link) { return RenderedExport(link, form, path); },
                 [this](const json& r) {
                   const json& doc = r["doc"];
                   Done((doc.value("empty", false) ? client::NothingRecorded(doc) + " " : std::string()) +
                        "Saved to " + r.value("path", "") + ". Only you can read it.");
                 });
}

// --- Why don't we sync? ---

Notice ViewModel::CheckSync() {
  pending_about_ = "doctor";
  return Request(
      "", [](DaemonLink& link) -> Result<json> {
        const ctl::CallFn call = [&link](std::string_view method) { return link.Call(method, json::object()); };
        return ctl::FindingsJson(ctl::Diagnose(ctl::GatherFacts(call, "", "")));
      },
      [this](const json& r) {
        sync_findings_ = r.value("findings", json::array());
        std::size_t problems = 0;
        for (const auto& f : sync_findings_) problems += f.value("level", "") == "problem";
        Done(problems == 0 ? "Nothing stands in the way: see each check below."
                           : problems == 1 ? "One thing stands in the way: see below what to do."
                                           : std::to_string(problems) + " things stand in the way: see below what to do.");
      });
}

// --- Sharing: pause and leave ---

namespace {

// Unix ms -> "YYYY-MM-DD HH:MM", this machine's local time.
std::string LocalMinutes(std::uint64_t unix_ms) { return base::FormatLocal(unix_ms, "%Y-%m-%d %H:%M"); }

}  // namespace

const protocol::Sharing& ViewModel::sharing() const {
  static const protocol::Sharing kSharing;  // before a ledger: sharing, nothing paused
  return status_.sharing ? *status_.sharing : kSharing;
}

bool ViewModel::sharing_paused() const { return sharing().paused(); }
bool ViewModel::sharing_ended() const { return sharing().ended.has_value(); }

std::string ViewModel::ArrivalLine() const {
  const protocol::Sharing& s = sharing();
  if (s.ended) return "The shared ledger has ended: nothing more arrives from your partner.";
  if (s.paused() || s.partner_paused()) {
    return "Sharing is paused: nothing passes between your devices until it resumes.";
  }
  return "Your partner's entries keep arriving and are kept sealed.";
}

std::string ViewModel::SharingLine() const {
  const protocol::Sharing& s = sharing();
  if (const auto& ended = s.ended) {
    std::string who = ended->by_me ? "You" : ended->name;
    if (who.empty()) who = partner_name();
    return who + " left the shared ledger on " + LocalMinutes(ended->time_ms) +
           ". Sharing has ended; each of you keeps your own copy.";
  }
  std::string line;
  if (s.partner_paused()) line = partner_name() + " paused sharing on " + LocalMinutes(s.partner_paused_since_ms) + ".";
  if (s.paused()) {
    if (!line.empty()) line += " ";
    line += "You paused sharing on " + LocalMinutes(s.paused_since_ms) +
            ": nothing passes between your devices until you resume.";
  }
  return line;
}

void ViewModel::ReadNotify() {
  ++in_flight_;
  Run([this](DaemonLink& link) {
    auto r = std::make_shared<Result<json>>(link.Call("notify.status", json::object()));
    return std::function<void()>([this, r] {
      --in_flight_;
      if (r->ok()) AdoptNotify(std::move(*r).value());  // else an older daemon, or none: the section says so
    });
  });
}

void ViewModel::AdoptNotify(const json& status) {
  notify_ = protocol::ReadMessage<protocol::NotifyStatus>(status);
  if (!notify_) return;
  const protocol::NotifySettings& settings = notify_->settings;
  notify_quiet_from = settings.quiet ? protocol::FormatDayMinute(settings.quiet->first) : "22:00";
  notify_quiet_to = settings.quiet ? protocol::FormatDayMinute(settings.quiet->second) : "08:00";
  notify_checkin = settings.checkin ? protocol::FormatDayMinute(*settings.checkin) : "20:00";
  notify_meeting = settings.meeting ? protocol::FormatDayMinute(settings.meeting->minute) : "19:00";
  notify_meeting_day = settings.meeting ? settings.meeting->weekday : 0;
}

Notice ViewModel::ChangeNotify(const json& change) {
  pending_about_ = "notify";
  return Request("", "notify.set", change, [this](const json& r) {
    notify_ = protocol::ReadMessage<protocol::NotifyStatus>(r);
    Done("Saved. Notifications on this computer follow it from now on.");
  });
}

Notice ViewModel::TestNotify() {
  pending_about_ = "notify";
  return Request("", "notify.test", json::object(), [this](const json& r) {
    notify_ = protocol::ReadMessage<protocol::NotifyStatus>(r);
    if (!notify_ || !notify_->sent.value_or(false)) {
      Done("Nothing could be shown: " + (notify_ && !notify_->bus.empty() ? notify_->bus : "no desktop") + ".");
    } else {
      Done("Sent. If nothing appeared, your desktop may be holding notifications (do not disturb).");
    }
  });
}

Notice ViewModel::PauseSharing() {
  return Request("", "sharing.pause", json::object(), [this](const json& r) {
    status_.sharing = protocol::ReadMessage<protocol::Sharing>(r);
    Done("Sharing is paused. Your partner sees that you paused, and since when; not why.");
  });
}

Notice ViewModel::ResumeSharing() {
  return Request("", "sharing.resume", json::object(), [this](const json& r) {
    status_.sharing = protocol::ReadMessage<protocol::Sharing>(r);
    Done("Sharing again: what either of you wrote meanwhile is exchanged now.");
  });
}

Notice ViewModel::Leave() {
  return Request("", "sharing.leave", protocol::SharingLeaveRequest{Trimmed(leave_note)}, [this](const json& r) {
    if (auto left = protocol::ReadMessage<protocol::SharingLeaveReply>(r)) status_.sharing = left->sharing;
    leave_note.clear();
    Done("You left. Your partner's device receives this, then sync ends. Your copy stays here.");
  });
}

Notice ViewModel::WithdrawMine() {
  // Batch by batch, until none remains or none more can go.
  auto all = [](DaemonLink& link) -> Result<json> {
    protocol::WithdrawMineReply total;
    for (;;) {
      auto r = link.Call("sharing.withdraw_mine", json::object());
      if (!r.ok()) return r;
      auto batch = protocol::ReadMessage<protocol::WithdrawMineReply>(*r);
      if (!batch) return MakeError(ErrorCode::kMalformed, "the daemon's answer to withdrawing is not one");
      total.withdrawn += batch->withdrawn;
      total.kept = batch->kept;
      if (batch->remaining == 0 || batch->withdrawn == 0) break;
    }
    return json(total);
  };
  return Request("Withdrawing your entries...", all, [this](const json& r) {
    const auto total = protocol::ReadMessage<protocol::WithdrawMineReply>(r).value_or(protocol::WithdrawMineReply{});
    std::int64_t stay = 0;
    for (const auto& [kind, n] : total.kept) stay += n;
    Done("Withdrew " + std::to_string(total.withdrawn) + " of your entries: their words are gone on both devices." +
         (stay > 0 ? " " + std::to_string(stay) + " stay on the record: your introduction, agreements and answers."
                   : ""));
  });
}

// --- The vault, backups and start at login ---

bool ViewModel::locked() const { return status_.locked; }
bool ViewModel::has_passphrase() const { return status_.passphrase; }
bool ViewModel::restore_hold() const { return status_.restore_hold; }

std::string ViewModel::NewPassphraseProblem() const {
  if (passphrase_input.size() < crypto::kMinPassphraseBytes) {
    return "a passphrase has at least " + std::to_string(crypto::kMinPassphraseBytes) + " characters";
  }
  if (passphrase_input.size() > crypto::kMaxPassphraseBytes) return "that passphrase is too long";
  if (passphrase_again != passphrase_input) return "the two passphrases differ";
  return "";
}

Notice ViewModel::Unlock() {
  json params{{"passphrase", passphrase_input}};
  crypto::WipeString(passphrase_input);
  return Request("Unlocking...", "unlock", std::move(params), [this](const json&) {
    stale_ = true;
    Refresh();
    Done("Unlocked.");
  });
}

Notice ViewModel::Lock() {
  return Request("", "lock", json::object(), [this](const json&) {
    Refresh();
    Done("Locked. " + ArrivalLine() + " Your passphrase opens what is here.");
  });
}

Notice ViewModel::SetPassphrase() {
  if (std::string problem = NewPassphraseProblem(); !problem.empty()) {
    return Failed(MakeError(ErrorCode::kInvalidArgument, problem));
  }
  json params{{"passphrase", passphrase_input}};
  if (has_passphrase()) params["current"] = passphrase_current;
  crypto::WipeString(passphrase_input);
  crypto::WipeString(passphrase_again);
  crypto::WipeString(passphrase_current);
  return Request("Sealing your keys...", "passphrase.set", std::move(params), [this](const json&) {
    status_.passphrase = true;
    Done("Your keys are sealed with the passphrase. Nobody can recover it for you: keep it safe.");
  });
}

Notice ViewModel::RemovePassphrase() {
  json params{{"current", passphrase_current}};
  crypto::WipeString(passphrase_current);
  return Request("Removing the passphrase...", "passphrase.remove", std::move(params), [this](const json&) {
    status_.passphrase = false;
    Done("The passphrase is removed: your key file is protected by its permissions alone.");
  });
}

Notice ViewModel::Backup() {
  if (Trimmed(backup_path).empty()) {
    const std::uint64_t now = NowMs();
    backup_path = "~/kintsugi-backup-" +
                  protocol::DateFromDay(base::LocalDay(now)) + ".kbak";
  }
  if (!has_passphrase() && backup_again != backup_passphrase) {
    crypto::WipeString(backup_again);
    crypto::WipeString(backup_passphrase);
    return Failed(MakeError(ErrorCode::kInvalidArgument, "the two passphrases differ"));
  }
  json params{{"path", ExpandHome(Trimmed(backup_path))}, {"passphrase", backup_passphrase}, {"force", backup_replace}};
  crypto::WipeString(backup_passphrase);
  crypto::WipeString(backup_again);
  return Request("Backing up...", "backup", std::move(params), [this](const json& r) {
    const auto backup = protocol::ReadMessage<protocol::BackupReply>(r).value_or(protocol::BackupReply{});
    Done("Backed up " + std::to_string(backup.entries) + " entries to " + backup.path +
         ". Keep the passphrase: the backup cannot be opened without it.");
  });
}

Notice ViewModel::Restore() {
  json params{{"path", ExpandHome(Trimmed(restore_path))}, {"passphrase", passphrase_current}};
  crypto::WipeString(passphrase_current);
  return Request("Restoring...", "restore", std::move(params), [this](const json& r) {
    stale_ = true;
    Refresh();
    screen_ = Screen::kToday;
    const auto restored = protocol::ReadMessage<protocol::DaemonStatus>(r).value_or(protocol::DaemonStatus{});
    Done("Restored " + std::to_string(restored.entries) + " entries." +
         (restored.restore_hold ? " Writing waits until your partner's device has been reached." : ""));
  });
}

std::optional<bool> ViewModel::StartsAtLogin() const {
  if (!login_.enabled) return std::nullopt;
  auto on = login_.enabled();
  return on.ok() ? std::optional<bool>(*on) : std::nullopt;
}

Notice ViewModel::SetStartAtLogin(bool on) {
  if (!can_manage_login()) return Failed(MakeError(ErrorCode::kUnavailable, "start at login is not available here"));
  Status done = on ? login_.enable() : login_.disable();
  if (!done.ok()) return Failed(done.error());
  return Done(on ? "Kintsugi now starts when you log in." : "Kintsugi no longer starts when you log in.");
}

void ViewModel::set_help_store(HelpStore store) {
  help_ = std::move(store);
  help_kept_ = help_.load ? help_.load() : "";
  help_input = help_kept_;
}

std::string ViewModel::HelpText() const {
  return help_kept_.empty() ? std::string(kDefaultHelp) : help_kept_;
}

Notice ViewModel::SaveHelp() {
  if (!help_.save) return Failed(MakeError(ErrorCode::kUnavailable, "this window cannot keep a helpline"));
  const std::string help = Trimmed(help_input);
  Status saved = help_.save(help);
  if (!saved.ok()) return Failed(saved.error());
  help_kept_ = help;
  help_input = help;
  return Done(help.empty() ? "The general words of help are back." : "Kept on this computer only.");
}

}  // namespace kintsugi::ui
