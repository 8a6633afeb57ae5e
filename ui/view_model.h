// The window's view-model: what every screen shows and what every button
// does, without ImGui. It talks to the daemon only through a DaemonLink (the
// IPC client in the window; the real dispatcher in-process in tests), keeps
// the last answer of each view, and turns a person's actions into requests.
// Screens (screens.h) draw it and call it; they hold no logic of their own.
//
// Inline validation uses the same schemas as the daemon (protocol/kinds.h),
// so a form says what is wrong before anything is sent, in the same words.
//
// Thread-safety: one thread (the window's).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::ui {

// The daemon as the window sees it: one request, one reply.
class DaemonLink {
 public:
  virtual ~DaemonLink() = default;
  virtual Result<nlohmann::json> Call(std::string_view method, const nlohmann::json& params) = 0;
  // Whether the last Call had the daemon's reply (its answer or its error):
  // false when it timed out or no daemon was there.
  virtual bool answered() const = 0;
  // Whether the last Call reached a daemon that did not answer in time (it
  // is there, but frozen or stuck), rather than finding none.
  virtual bool silent() const { return false; }
};

enum class Screen { kFirstRun, kPair, kToday, kAgreements, kTimeline, kProgress, kTogether, kSettings };
inline constexpr Screen kMainScreens[] = {Screen::kToday,    Screen::kAgreements, Screen::kTimeline,
                                          Screen::kProgress, Screen::kTogether,   Screen::kSettings};
std::string_view ScreenName(Screen screen);
// The screen a notification opens ("pending", "today", "together",
// "agreements": kintsugi --open, and the daemon's window.open event).
std::optional<Screen> ScreenToOpen(std::string_view name);

// What the last action did, in words for the person who did it.
struct Notice {
  std::string text;
  bool error = false;
  bool empty() const { return text.empty(); }
};

// A starting point for an agreement.
struct AgreementTemplate {
  std::string label;
  std::string title;
  std::string text;
  std::string category;
  int review_in_days = 0;  // 0: no review date
};
const std::vector<AgreementTemplate>& AgreementTemplates();

struct FeelingsForm {
  int mood = 5;
  int trust = 5;
  std::string appreciated;
  std::string needed;
};

struct StatusForm {
  std::string text;
  std::string until;  // "HH:MM" (the next such local time) or empty
};

struct ProposeForm {
  std::string title;
  std::string text;
  int category = 0;    // index into protocol::kCategories
  std::string review;  // "YYYY-MM-DD" or empty
};

struct TriggerForm {
  std::string what;
  int intensity = 5;
  std::string helped;
};

// What a screen lets a person write: an entry kind (protocol/kinds.h) and
// the button that writes it. Every kind that kintsugictl writes is here
// (tests/ui and the window test hold the table to the kinds table and to
// the screens as drawn). `always` is false for a button that shows only
// when there is something to answer or change.
struct Offer {
  Screen screen;
  std::string_view kind;
  std::string_view button;
  bool always;
};
const std::vector<Offer>& Offers();

// A kind of entry in a person's words: "Feelings check-ins", "Talk requests";
// `action` gives what its author did instead: "checked in", "asked to talk".
std::string KindWords(std::string_view kind);
std::string KindAction(std::string_view kind);

struct MeetingForm {
  std::string appreciations, went_well, issue, i_will_try, partner_will_try;
};

struct RepairForm {
  std::string feelings, my_view, partner_view, triggers, my_part, partner_part, plan;
};

// The export for a counsellor (Settings): a range of days, a format, a
// preview, and the file Save writes (mode 0600, never replaced unless asked).
inline constexpr const char* kExportFormats[] = {"md", "html", "csv", "json"};
struct ExportForm {
  std::string from, to;  // "YYYY-MM-DD"; empty: the last 30 days
  int format = 0;        // index into kExportFormats
  std::string folder;    // where the default file goes (and "~/" means); empty: $HOME
  std::string path;      // follows the range and format until edited
  bool replace = false;
  std::string preview;   // the last preview, rendered in the chosen format
  std::string default_path;  // the path as last defaulted
  bool prepared = false;     // the empty fields were filled in once
};
// "FOLDER/kintsugi-export-FROM-TO.EXT".
std::string ExportDefaultPath(const ExportForm& form);

// What the partner said and asked today: the first part of Today ("From Sam
// today"). Times are local.
struct PartnerToday {
  struct Status {
    std::string text;
    std::string until;  // "21:00", or "" when none
    std::string time;   // when it was written, "08:10"
  };
  struct Feelings {
    int mood = 0, trust = 0;
    std::string appreciated, needed;  // "" when not said (or withdrawn)
    std::string time;
  };
  struct Talk {  // a talk request of theirs, or one of mine they answered
    std::string id, topic;
    std::string answer;  // their answer in plain words ("Yes, tonight"), "" when none yet
    std::string note;
  };
  std::optional<Status> status;    // the latest, when written today or still running
  std::vector<Feelings> feelings;  // today's, newest first
  struct Word {  // a free check-in: a word about their day
    std::string text;
    std::string scales;  // "mood 7, trust 5" when given, else ""
    std::string time;
  };
  std::vector<Word> words;  // today's, newest first
  std::int64_t pause_minutes_left = 0;  // a pause of theirs still running: minutes left (at least 1)
  std::string pause_note;
  std::vector<Talk> asks;     // their talk requests that await my answer
  std::vector<Talk> answers;  // their answers to my talk requests, not yet addressed
  bool empty() const {
    return !status && feelings.empty() && words.empty() && pause_minutes_left == 0 && asks.empty() &&
           answers.empty();
  }
};

class ViewModel {
 public:
  using Now = std::function<std::uint64_t()>;  // Unix milliseconds
  explicit ViewModel(DaemonLink& link, Now now = nullptr);

  // --- Where requests run ---
  // Work for another thread: it runs there with a link of its own and
  // returns what to do with its result, which is then run on the window's
  // thread (between frames).
  using Work = std::function<std::function<void()>(DaemonLink&)>;
  using Runner = std::function<void(Work)>;
  // Unset (tests, screenshots, measurements), every request runs here and
  // now. The window gives its worker, so that no frame waits for the daemon:
  // reads, writes, key derivations and the export all go there, one at a
  // time and in order, and what they bring is adopted between frames.
  void set_runner(Runner runner) { runner_ = std::move(runner); }
  // Requests sent and not yet answered (reads included).
  std::size_t in_flight() const { return in_flight_; }

  // --- Reading ---
  // Reads what the screens show, as one snapshot (every view, the timeline
  // as far down as it is shown, the partner's day), adopted when it comes.
  // With a runner, at most one read is under way: asked again meanwhile,
  // the next one follows it. Returns whether the daemon answered the last
  // read adopted (here and now without a runner): when it does not,
  // connected() is false and the window says so.
  bool Refresh();
  // Whether a read has come back yet (the window says "Opening..." before).
  bool answered() const { return answered_; }
  // A daemon event arrived: the next Refresh() reads again. kDaemonGone (the
  // window's own word, not the daemon's) says the daemon stopped.
  static constexpr std::string_view kDaemonGone = "daemon.gone";
  void OnEvent(std::string_view topic);
  bool stale() const { return stale_; }
  bool connected() const { return connected_; }
  const std::string& connection_problem() const { return connection_problem_; }

  bool initialized() const;
  bool paired() const;
  std::string my_name() const;
  std::string partner_name() const;
  std::string NameOf(const std::string& author) const;
  const std::string& me() const { return me_; }
  bool partner_online() const;
  std::string partner_last_seen() const;  // "" when never

  const protocol::DaemonStatus& status() const { return status_; }
  const protocol::PendingReply& pending() const { return pending_; }
  const protocol::AgreementsReply& agreements() const { return agreements_; }
  const protocol::TrendsReply& trends() const { return trends_; }
  const protocol::TogetherReply& together() const { return together_; }
  const protocol::PairStatus& pair_status() const { return pair_; }
  const std::vector<protocol::Note>& notes() const { return notes_; }
  const std::vector<protocol::TimelineEntry>& timeline() const { return timeline_; }
  bool timeline_has_more() const { return timeline_next_.has_value(); }
  // Changes whenever the timeline's filters or rows change.
  std::uint64_t timeline_generation() const { return timeline_generation_; }
  std::size_t forks() const;
  // How many answers await me (proposals, talk requests, reviews due).
  std::size_t awaiting_me() const;
  // Of those, the partner's proposals and the reviews due (Agreements' count),
  // and the partner's talk requests (Today's count).
  std::size_t agreements_awaiting_me() const;
  std::size_t talks_awaiting_me() const;

  // --- The partner's day, and each entry in plain words (view_model_partner.cc) ---
  PartnerToday PartnerDay() const;
  // An entry of view.timeline in plain words, without its time and author:
  // "checked in: mood 8, trust 4. Appreciated: ... Needs: ...",
  // "accepted \"Tell before plans change\"", "answered \"money\": Yes, tonight".
  std::string DescribeEntry(const protocol::TimelineEntry& entry) const;
  // Seconds until something shown changes by itself (a pause's minutes, its
  // end), so that the window wakes then; nullopt when nothing counts down.
  std::optional<double> SecondsUntilChange() const;
  // The title of the agreement an entry refers to (the agreement, a proposal
  // or change about it), or "" when not known.
  std::string AgreementTitleOf(const std::string& ref) const;
  // Answers the partner's talk request (`answer` one of protocol::kTalkAnswers),
  // with talk_answer_note when written.
  Notice AnswerTalk(const std::string& talk_id, std::string_view answer);
  std::string talk_answer_note;
  // Agreements in one state ("proposed", "active", "declined", "retired"),
  // split for the screen: those awaiting my answer, awaiting the partner's.
  // Each points into agreements(), valid until the next read.
  using AgreementList = std::vector<const protocol::AgreementView*>;
  AgreementList AgreementsIn(std::string_view state) const;
  AgreementList AwaitingMe() const;       // proposed by the partner
  AgreementList AwaitingPartner() const;  // proposed by me
  bool CheckedInToday() const;  // a feelings check-in by me today (local)

  // --- Screens ---
  Screen screen() const { return screen_; }
  void Show(Screen screen);

  // --- Forms and inline validation ---
  FeelingsForm feelings;
  StatusForm status_form;
  ProposeForm propose;
  MeetingForm meeting;
  RepairForm repair;
  TriggerForm trigger;
  std::string checkin_note;  // a free check-in, longer than a status
  std::string name_input;
  std::string code_input;
  std::string peer_address_input;
  std::string talk_input;
  std::string appreciation_input;
  std::string note_input;
  int pause_minutes = 20;
  std::string plan_what;
  std::string plan_when;  // "YYYY-MM-DD HH:MM", local
  std::string correction_input;

  // The first-run safety question, answered alone: the answer is never
  // stored or sent; it only decides what the window shows next.
  enum class Safety { kUnanswered, kSafe, kUnsure, kAfraid };
  Safety safety = Safety::kUnanswered;
  // Where help is, in words shown beside the safety question (first run and
  // Settings). A person may put their own helpline's name and number; it is
  // kept on this computer by the app (never in the ledger, never sent).
  static constexpr const char* kDefaultHelp =
      "If you are afraid of your partner, or they control who you see, what you spend or where you go, "
      "please talk to a domestic-violence helpline in your country, alone (searching \"domestic violence "
      "helpline\" with your country's name finds it), or call the emergency number where you are if you "
      "are in danger now.";
  struct HelpStore {
    std::function<std::string()> load;              // "" when none was kept
    std::function<Status(const std::string&)> save;  // "" forgets it
  };
  void set_help_store(HelpStore store);
  // The words of help: the kept helpline, else kDefaultHelp.
  std::string HelpText() const;
  std::string help_input;  // the helpline as typed in Settings
  Notice SaveHelp();

  // "" when the form would be accepted, else what is wrong (the daemon's words).
  std::string FeelingsProblem() const;
  // The same for any entry's params (the kinds table's rules), such as a
  // screen's one-field forms: {"kind": "talk.request", "topic": ...}.
  std::string ProblemWith(const nlohmann::json& params) const;
  std::string MeetingProblem() const;
  std::string RepairProblem() const;
  std::string StatusProblem() const;
  std::string ProposeProblem() const;
  std::string CodeProblem() const;
  void UseTemplate(const AgreementTemplate& t);

  // --- Actions: each sends one request and returns what happened ---
  Notice Init();
  Notice Invite();
  Notice Join();
  Notice ConfirmSafetyNumber();
  Notice SendFeelings();
  Notice SendStatus();
  Notice Propose();
  Notice Accept(const std::string& proposal_id);
  Notice Decline(const std::string& proposal_id, const std::string& reason);
  Notice Amend(const std::string& agreement_id, const std::string& text);
  Notice Retire(const std::string& agreement_id, const std::string& reason);
  Notice CheckInAgreement(const std::string& agreement_id, std::string_view outcome, const std::string& reflection);
  Notice Appreciate();
  Notice RecordTrigger();
  std::string TriggerProblem() const;
  Notice SendCheckIn();
  // Says I have read everything up to the newest entry shown (kind seen).
  Notice MarkRead();
  Notice RequestTalk();
  Notice RecordMeeting(const std::vector<std::string>& talks);
  Notice RecordRepair(const std::vector<std::string>& talks);
  Notice StartPause();
  Notice ProposePhase(std::string_view phase);
  Notice Withdraw(const std::string& entry_id);
  Notice Correct(const std::string& entry_id);
  Notice PlanTime();
  Notice MarkTimeDone(const std::string& plan_id, const std::string& what);
  // "" when the plan form would be accepted, else what is wrong.
  std::string PlanProblem() const;
  Notice AddNote();
  Notice SetPeerAddress();
  // --- Export for a counsellor ---
  ExportForm export_form;
  // Fills in what is empty (the last 30 days, the home folder) and moves a
  // path that was not edited to follow the range and format.
  void UpdateExportForm();
  // Asks the daemon for the export and shows it rendered in export_form.preview.
  Notice PreviewExport();
  // Asks for the export, renders it and writes it to export_form.path.
  Notice SaveExport();
  // --- Why don't we sync? (client/doctor.h, as kintsugictl doctor) ---
  // Checks the daemon, the pairing, the network and this computer, off
  // the frame thread; sync_findings() then holds the findings
  // (`check`, `level`: ok, note or problem, `says`, `todo`).
  Notice CheckSync();
  const nlohmann::json& sync_findings() const { return sync_findings_; }
  // What a slow request under way is doing ("Unlocking..."), or "": those
  // that derive a key from a passphrase (Argon2id: half a second, several
  // under load), which unlock, the passphrase, backup, restore and a first
  // run with a passphrase send. Another such request waits for it to end.
  const std::string& busy() const { return busy_; }

  // Starts this user's daemon when none answers (the window's offer): `start`
  // begins it, `watch` says how it goes (nullopt while it may still come up,
  // then OK or why not: ui/daemon_start.h).
  struct DaemonStarter {
    std::function<Status()> start;
    std::function<std::optional<Status>()> watch;
  };
  void set_daemon_starter(DaemonStarter starter) { start_daemon_ = std::move(starter); }
  bool can_start_daemon() const { return static_cast<bool>(start_daemon_.start) && !starting_; }
  bool starting_daemon() const { return starting_; }
  Notice StartDaemon();
  // Whether this window was connected to a daemon that has since stopped
  // (rather than never found one).
  bool daemon_stopped() const { return !connected_ && was_connected_ && !daemon_silent_; }
  // Whether the daemon is there but did not answer the last read in time
  // (frozen, or stuck): neither stopped nor startable.
  bool daemon_silent() const { return !connected_ && daemon_silent_; }

  // --- Sharing: pause and leave (the daemon's `sharing` object, in status) ---
  const protocol::Sharing& sharing() const;
  bool sharing_paused() const;  // this device paused sharing
  bool sharing_ended() const;   // a leave ended the shared ledger
  // What Today says under the partner's line: "Bea paused sharing on
  // 2026-11-26 08:10." or "Bea left the shared ledger on ...". "" when the
  // two share as usual. Times are local.
  std::string SharingLine() const;
  // After a leave the ledger is read-only: nothing can be added, by either.
  bool read_only() const { return sharing_ended(); }
  // The note the partner left with, "" when none (or when I left).
  const std::string& last_word() const { return last_word_; }
  // What the locked screen says of the partner's entries: that they keep
  // arriving while the two share, not while sharing is paused or ended.
  std::string ArrivalLine() const;
  std::string leave_note;
  // Notifications on this computer (daemon/desktop/notifier.h): what notify.status
  // said, read when Settings is shown; changed with notify.set (a change as
  // protocol::ApplyNotifyChange takes it) and tried with notify.test.
  // nullopt until the daemon said (an older one may not).
  const std::optional<protocol::NotifyStatus>& notify() const { return notify_; }
  void ReadNotify();
  Notice ChangeNotify(const nlohmann::json& change);
  Notice TestNotify();
  // The fields of the times in Settings, "HH:MM" (filled from notify()).
  std::string notify_quiet_from, notify_quiet_to, notify_checkin, notify_meeting;
  int notify_meeting_day = 0;  // 0 Sunday
  Notice PauseSharing();
  Notice ResumeSharing();
  Notice Leave();
  // Withdraws every own entry the rules let go, asking the daemon batch by batch.
  Notice WithdrawMine();

  // --- The vault, backups and start at login ---
  bool locked() const;          // a passphrase is set and the keys are closed
  bool has_passphrase() const;  // the key file is sealed by one
  bool restore_hold() const;    // restored: writing waits for the partner
  // What a person types. Passphrase fields are wiped as soon as they are
  // sent, whatever the answer.
  std::string passphrase_input;    // to unlock; the new one (first run, set, change)
  std::string passphrase_again;    // the new one, once more
  std::string passphrase_current;  // to change, remove, or seal a backup with
  std::string backup_path;         // filled in with ~/kintsugi-backup-DATE.kbak
  std::string backup_passphrase;   // the vault's, when set; else this backup's own
  std::string backup_again;        // this backup's own, once more
  bool backup_replace = false;
  std::string restore_path;
  // "" when the new passphrase and its repetition would be accepted.
  std::string NewPassphraseProblem() const;
  Notice Unlock();
  Notice Lock();
  // Sets the passphrase (passphrase_current when one is set already).
  Notice SetPassphrase();
  Notice RemovePassphrase();
  // Seals a backup with backup_passphrase (the vault's, when set; else its
  // own, which backup_again must repeat).
  Notice Backup();
  // First run: this device's ledger and identity from a backup.
  Notice Restore();
  // Start at login through the platform's per-user service (set by the app).
  struct LoginService {
    std::function<Result<bool>()> enabled;  // installed and enabled
    std::function<Status()> enable;
    std::function<Status()> disable;
  };
  void set_login_service(LoginService service) { login_ = std::move(service); }
  bool can_manage_login() const { return static_cast<bool>(login_.enabled); }
  // Whether the daemon starts at login; nullopt when it cannot be told.
  std::optional<bool> StartsAtLogin() const;
  Notice SetStartAtLogin(bool on);

  // --- Timeline ---
  void SetTimelineFilter(std::string kind, std::string author);
  const std::string& timeline_kind() const { return timeline_kind_; }
  const std::string& timeline_author() const { return timeline_author_; }
  // The days shown ("YYYY-MM-DD", local; empty: no bound), typed in the
  // timeline's fields and applied together. Refused, changing nothing, when
  // a date is not one or `from` is after `to`.
  std::string timeline_from_input, timeline_to_input;
  Notice ApplyTimelineDays();
  // Asks for the next page (older entries), added when it comes. False
  // when there is none, or one is already asked for.
  bool LoadMoreTimeline();

  // Seconds left of the open invite; 0 when none.
  std::int64_t InviteSecondsLeft() const;
  const Notice& last_notice() const { return last_notice_; }
  // Which panel the last notice belongs to ("feelings", "status", "export",
  // an agreement's id...), "" for the screen's own, so that each is shown
  // beside the action that caused it. A screen names the panel of the next
  // action before calling it (the export names its own).
  const std::string& notice_about() const { return notice_about_; }
  void NoticeBeside(std::string panel) { pending_about_ = std::move(panel); }

 private:
  // Runs `work` on the runner, or here and now.
  void Run(Work work);
  // Sends one request on the runner: `call` runs there (with the runner's
  // link), `done` gets its reply back here, and a failure becomes the
  // notice. With `doing` (a slow request), says it meanwhile and refuses
  // another slow one until this one ends. Returns the notice as it stands.
  using CallFn = std::function<Result<nlohmann::json>(DaemonLink&)>;
  Notice Request(std::string doing, CallFn call, std::function<void(const nlohmann::json&)> done);
  // The same for one method; the strings of `params` (which may hold
  // passphrases) are wiped once it is sent.
  Notice Request(std::string doing, std::string method, nlohmann::json params,
                 std::function<void(const nlohmann::json&)> done);
  nlohmann::json MeetingParams() const;  // without the talks it closes
  nlohmann::json RepairParams() const;
  // Appends an entry; `then` (clearing its form) runs when it is written.
  Notice Append(nlohmann::json params, std::string done, std::function<void()> then = nullptr);
  Notice Done(std::string text);
  Notice Failed(const Error& e);
  struct ReadInputs;
  struct Snapshot;
  ReadInputs Inputs() const;
  static Snapshot Read(DaemonLink& link, const ReadInputs& in);
  void Adopt(Snapshot snap);
  void AdoptNotify(const nlohmann::json& status);  // notify.status's reply
  std::int64_t LocalToday() const;
  std::uint64_t NowMs() const;
  // Unix ms of the next local "HH:MM"; nullopt when not such a time.
  std::optional<std::uint64_t> NextLocalTime(const std::string& hhmm) const;
  // Unix ms of a local "YYYY-MM-DD HH:MM"; nullopt when not such a time.
  static std::optional<std::uint64_t> LocalDateTime(const std::string& text);

  DaemonLink& link_;
  Now now_;
  Runner runner_;
  std::size_t in_flight_ = 0;
  bool reading_ = false;
  bool answered_ = false;
  bool loading_more_ = false;
  // Changes whenever the timeline's filters or its entries change: a read
  // made before is not adopted over them.
  std::uint64_t timeline_generation_ = 0;
  std::string busy_;
  bool connected_ = false;
  bool was_connected_ = false;
  bool daemon_silent_ = false;
  bool starting_ = false;
  bool stale_ = true;
  std::string connection_problem_;
  Screen screen_ = Screen::kToday;
  std::string me_;
  protocol::DaemonStatus status_;
  protocol::PendingReply pending_;
  protocol::AgreementsReply agreements_;
  protocol::TrendsReply trends_;
  protocol::TogetherReply together_;
  std::optional<protocol::NotifyStatus> notify_;
  protocol::PairStatus pair_;
  protocol::PeersReply peers_;
  nlohmann::json sync_findings_ = nlohmann::json::array();
  std::vector<protocol::Note> notes_;
  std::vector<protocol::TimelineEntry> timeline_;
  std::optional<std::string> timeline_next_;
  std::vector<protocol::TimelineEntry> partner_feelings_;  // the partner's feelings check-ins today, newest first
  std::vector<protocol::TimelineEntry> partner_checkins_;  // the partner's free check-ins today, newest first
  std::string last_word_;
  std::string timeline_kind_;
  std::string timeline_author_;
  std::string timeline_from_, timeline_to_;
  std::optional<std::uint64_t> invite_expires_ms_;
  Notice last_notice_;
  std::string notice_about_;
  std::string pending_about_;  // what the action under way is about, until it says Done or Failed
  DaemonStarter start_daemon_;
  HelpStore help_;
  std::string help_kept_;
  LoginService login_;
};

}  // namespace kintsugi::ui
