// The IPC methods' requests and replies (docs/PROTOCOL.md, "Local IPC"),
// declared once for the daemon that answers them and the programs that ask:
// kintsugictl and the window, feature by feature. Every method's are, but
// three kinds that are not structs on purpose: requests that carry a
// passphrase (JSON only, wiped once sent), `append`'s (an entry body, as
// protocol/kinds.h declares each kind) and `export`'s reply (a document of
// its own, docs/EXPORT.md).
//
// A reply is read with ReadMessage<T> (protocol/ipc.h): a missing field takes
// its default, a field of the wrong type makes no reply at all.
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/body.h"
#include "protocol/ipc.h"
#include "protocol/notify.h"

namespace kintsugi::protocol {

// --- Pairing: pair.invite, pair.join, pair.status, pair.confirm, pair.carry ---

struct PairInviteRequest {
  std::int64_t ttl_seconds = 0;  // 1 to 3600; 0: the default (not sent)
};
struct PairInviteReply {
  std::string code;
  std::uint64_t expires_ms = 0;  // also written as `expires`, ISO 8601
  std::uint64_t sync_port = 0;
};
struct PairJoinRequest {
  std::string code;
  std::string address;  // HOST:PORT of the inviter's sync port; empty: found on the LAN (not sent)
};
// An invite still open, in pair.status.
struct OpenInvite {
  std::string code;
  std::uint64_t expires_ms = 0;  // also written as `expires`
  std::uint64_t attempts = 0;    // wrong codes tried against it
};
// pair.status, pair.confirm and pair.join's answer.
struct PairStatus {
  bool paired = false;
  // Once paired (absent before):
  std::string partner;  // hex
  std::string safety_number;
  bool confirmed = false;  // the two compared the safety number
  std::string ledger;      // hex
  std::optional<OpenInvite> invite;
  bool joining = false;               // a pair.join is under way (written only then)
  std::uint64_t private_entries = 0;  // entries written before pairing, kept on this device: what carry copies
};
struct PairCarryReply {
  std::uint64_t carried = 0;
};

// --- Private notes: note.add, note.list, note.delete ---

struct NoteAddRequest {
  std::string text;
};
struct NoteAddReply {
  std::int64_t id = 0;
};
// One note; its text, or `unreadable` when this device's key no longer
// opens it (the text is then absent).
struct Note {
  std::int64_t id = 0;
  std::string time;  // ISO 8601, UTC
  std::string text;
  bool unreadable = false;
};
struct NoteListReply {
  std::vector<Note> notes;  // newest first
};
struct NoteDeleteRequest {
  std::int64_t id = 0;
};
struct NoteDeleteReply {
  std::int64_t deleted = 0;  // the id
};

// --- Sharing: sharing.status, .pause, .resume, .leave, .withdraw_mine ---

// Once a leave took effect. While the daemon is locked only `link_closed`
// is known (who left is sealed in the leave entry): `by` is empty then.
struct SharingEnded {
  std::string by;  // the author who left, hex
  std::string name;
  bool by_me = false;
  std::string entry;  // the leave entry's id, hex
  std::uint64_t time_ms = 0;
  bool link_closed = false;  // the link ended for good
};
// The `sharing` object, also in `status`, `peers` and sharing.changed.
struct Sharing {
  std::string state = "sharing";  // sharing, paused, partner_paused or ended
  std::uint64_t paused_since_ms = 0;          // this device's pause; 0 while it shares
  std::uint64_t partner_paused_since_ms = 0;  // the partner's
  std::optional<SharingEnded> ended;

  bool paused() const { return paused_since_ms != 0; }
  bool partner_paused() const { return partner_paused_since_ms != 0; }
};
struct SharingLeaveRequest {
  std::string note;  // a last word; empty: none
};
struct SharingLeaveReply {
  std::string id;  // the leave entry's, hex
  std::uint64_t seq = 0;
  std::string time;
  Sharing sharing;
};
// One batch of withdrawals: ask again while `remaining` > 0.
struct WithdrawMineReply {
  std::int64_t withdrawn = 0;
  std::int64_t remaining = 0;
  std::map<std::string, std::int64_t> kept;  // kind -> entries the rules keep
};

// --- The link to the partner: peers, peer.add ---

struct PeerState {
  std::string author;  // hex
  bool online = false;
  std::string address;  // HOST:PORT last used
  std::uint64_t last_seen_ms = 0;
  std::uint64_t last_sync_ms = 0;
  std::uint64_t entries_behind = 0;   // the partner said it has these beyond this device's copy
  bool ended = false;                 // a leave ended the ledger
  bool dialled = false;               // this daemon's connection to the partner's port is up
  bool called_in = false;             // the partner's connection to this one was heard lately
  std::uint64_t paused_since_ms = 0;  // the partner's pause (also as `paused_since`); 0: none
};
// A key the sync port refused.
struct RefusedKey {
  std::string key;
  std::string address;
  std::uint64_t count = 0;
  std::uint64_t last_ms = 0;
};
struct Connections {
  std::uint64_t open = 0;         // kept on the sync port
  std::uint64_t turned_away = 0;  // past the limits per address or in all
};
// LAN discovery; only `enabled` while it is off.
struct DiscoveryState {
  bool enabled = false;
  std::uint64_t port = 0;
  std::uint64_t interfaces = 0;  // the last beacon went out on
  std::uint64_t sent = 0;
  std::uint64_t last_sent_ms = 0;
  std::uint64_t partner_beacons = 0;
  std::uint64_t last_partner_beacon_ms = 0;
  std::string partner_beacon_from;  // an IPv4 address
  std::uint64_t off_clock = 0;      // beacons sealed in another time window than this clock's
  std::uint64_t last_off_clock_ms = 0;
};
struct PeerAddRequest {
  std::string address;  // HOST:PORT of the partner's sync port
};
struct PeersReply {
  std::vector<PeerState> peers;  // the partner, once paired
  std::vector<RefusedKey> refused;
  std::uint64_t refused_total = 0;
  Connections connections;
  std::uint64_t listening_port = 0;  // 0 once the link ended, or without --listen
  std::optional<Sharing> sharing;    // once paired
  DiscoveryState discovery;
};

// --- The keys: unlock, lock, passphrase.set, passphrase.remove, backup ---
// Their requests, and those of init and restore, carry passphrases: built as
// JSON by the asker and wiped once sent, never copied into a struct.

struct LockedReply {  // unlock's and lock's
  bool locked = false;
};
struct PassphraseReply {  // passphrase.set's (true) and passphrase.remove's (false)
  bool passphrase = false;
};
struct BackupReply {
  std::string path;
  std::uint64_t bytes = 0;
  std::int64_t entries = 0;
};

// --- Entries: checkin, append, log, verify, export ---
// checkin's request is a CheckIn (protocol/body.h); append's an entry body:
// `kind` and its fields (protocol/kinds.h, docs/LEDGER.md).

// The entry written, signed and stored.
struct AppendedReply {
  std::string id;    // hex
  std::string kind;  // append's only
  std::uint64_t seq = 0;
  std::uint64_t hlc = 0;
  std::string time;  // ISO 8601, UTC
};
struct LogRequest {
  std::int64_t limit = 0;   // 1 to 1000; 0: the daemon's 50 (not sent)
  std::int64_t before = 0;  // a rowid: the entries stored before it; 0: the newest (not sent)
};
// One stored entry as it is on disk: verified or not, opened or not.
struct LogEntry {
  std::int64_t rowid = 0;
  std::string id;      // hex
  std::string author;  // hex
  std::uint64_t seq = 0;
  std::uint64_t hlc = 0;
  std::string time;  // ISO 8601, UTC
  bool verified = false;
  std::string fault;       // why it is not verified
  nlohmann::json body;     // its words; null when withdrawn or not verified
  bool withdrawn = false;  // verified, its words withdrawn
};
struct LogReply {
  std::vector<LogEntry> entries;            // newest first
  std::optional<std::int64_t> next_before;  // the rowid to ask before for older ones; none: the oldest shown
};
struct VerifyFault {
  std::int64_t rowid = 0;
  std::string id;      // hex
  std::string author;  // hex
  std::uint64_t seq = 0;
  std::string reason;  // a validation reason, `fork` or `unreadable`
  std::string detail;
};
struct VerifyReply {
  bool ok = false;  // false with any fault, a fork included
  std::int64_t entries_checked = 0;
  std::vector<VerifyFault> faults;
  std::int64_t ids_repaired = 0;  // ids the index had wrong and the rebuild mended
};
// export's reply is the export document (docs/EXPORT.md), its own format.
struct ExportRequest {
  std::string from;  // local days, YYYY-MM-DD; empty: not sent (the last 30 days)
  std::string to;
};

// --- The daemon and its ledger: status (init and restore answer as it) ---

struct ViewsProgress {
  std::uint64_t folded = 0;   // entries the views have read
  std::uint64_t waiting = 0;  // entries waiting for the entries they depend on
};
struct DaemonStatus {
  bool initialized = false;
  std::string version;
  std::string data_dir;
  std::int64_t pid = 0;
  std::uint64_t listen_port = 0;
  // Once initialised (absent before):
  std::string name;    // empty while locked
  std::string author;  // hex
  std::string ledger;  // hex
  std::uint64_t entries = 0;
  std::uint64_t members = 0;
  bool paired = false;
  std::string partner;       // hex; empty before pairing
  std::string partner_name;  // from their introduction; empty while locked or before it arrives
  std::uint64_t forks = 0;
  bool locked = false;
  bool passphrase = false;    // whether one seals the key file
  bool restore_hold = false;  // restored: waiting for the partner before appending
  std::string transport_key;  // this device's CURVE public key, Z85
  ViewsProgress views;
  std::optional<Sharing> sharing;  // once initialised
};

// --- Views: view.together ---

// The partner's answer to a talk asked for.
struct TalkAnswer {
  std::string id;      // the answer entry's, hex
  std::string answer;  // its word (TalkAnswerWords says it in full)
  std::uint64_t time_ms = 0;
  std::string note;
  bool withdrawn = false;  // the answer's words were withdrawn: no note

  bool operator==(const TalkAnswer&) const = default;
};
// A talk asked for, time planned together, a status or a pause, and what
// became of it. Its words are the field of its list (a talk's `topic`, a
// plan's `what`, a status's `text`, a pause's `note`), absent when withdrawn.
struct TogetherItem {
  std::string id;      // the entry's, hex
  std::string author;  // hex
  std::uint64_t time_ms = 0;
  std::uint64_t until_ms = 0;  // 0: none
  std::string closed_by;       // the entry that closed it (talked about, done); empty: open
  std::string words;
  bool withdrawn = false;
  std::optional<TalkAnswer> answer;  // talks only

  bool open() const { return closed_by.empty(); }
  bool operator==(const TogetherItem&) const = default;
};
struct TogetherReply {
  std::vector<TogetherItem> talks;
  std::vector<TogetherItem> plans;
  std::vector<TogetherItem> statuses;
  std::vector<TogetherItem> pauses;  // only those still running

  bool operator==(const TogetherReply&) const = default;
};

// --- Views: view.pending ---

// A proposal of the partner's that awaits this member's answer: a new
// agreement (`propose`), new words for one (`amend`), its end (`retire`),
// or a phase (`phase`). Its words are those its kind has, absent when
// withdrawn.
struct PendingProposal {
  std::string id;  // the proposal entry's, hex
  std::string kind;
  std::string author;  // hex
  std::uint64_t time_ms = 0;
  std::string title;         // propose
  std::string text;          // propose, amend
  std::string reason;        // retire
  std::string phase;         // phase, with breach_named (a date) and note
  std::string breach_named;
  std::string note;
  bool withdrawn = false;
  std::string agreement;        // amend, retire: the agreement's id, hex
  std::string agreement_title;  // and its title now

  bool operator==(const PendingProposal&) const = default;
};
// An active agreement whose review date has come.
struct ReviewDue {
  std::string id;      // the agreement's, hex
  std::string review;  // YYYY-MM-DD
  std::string title;

  bool operator==(const ReviewDue&) const = default;
};
struct PendingReply {
  std::vector<PendingProposal> proposals;
  std::vector<TogetherItem> talks;  // the partner's, neither answered nor closed: as view.together's
  std::vector<ReviewDue> reviews_due;

  bool operator==(const PendingReply&) const = default;
};

// --- Views: view.agreements ---

struct AgreementsRequest {
  std::string state;  // proposed, active, declined or retired; empty: every agreement (not sent)
};
// A change to an agreement (`amend` or `retire`) that awaits an answer, with
// the words it proposes: only those it carries, none when withdrawn.
struct AgreementChange {
  std::string id;  // the change's entry, hex
  std::string kind;
  std::string author;  // hex
  std::string time;    // ISO 8601, UTC
  std::string title;
  std::string text;
  std::string category;
  std::string review;
  std::string reason;
  bool withdrawn = false;

  bool operator==(const AgreementChange&) const = default;
};
// One entry in an agreement's life (its proposal, changes and answers); a
// proposal or change carries its status, and who answered it once answered.
struct AgreementEvent {
  std::string entry;  // hex
  std::string kind;
  std::string author;  // hex
  std::string time;    // ISO 8601, UTC
  std::string status;  // open, accepted, declined or superseded; empty for an answer
  std::string answered_by;

  bool operator==(const AgreementEvent&) const = default;
};
struct AgreementOutcomes {
  std::int64_t kept = 0;
  std::int64_t struggled = 0;
  std::int64_t missed = 0;

  bool operator==(const AgreementOutcomes&) const = default;
};
struct AgreementView {
  std::string id;     // its propose entry's, hex
  std::string state;  // proposed, active, declined or retired
  std::string category;
  std::string title;  // the words in force (empty when withdrawn)
  std::string text;
  bool withdrawn = false;                             // the words in force were withdrawn
  std::string proposer;                               // hex
  std::string proposed;                               // ISO 8601, UTC
  std::int64_t version = 0;                           // changes accepted (1 once active)
  std::vector<std::string> signed_by;                 // the two authors of the version in force
  std::string since;                                  // active or retired since (when it is)
  std::string review;                                 // YYYY-MM-DD (when set)
  std::map<std::string, AgreementOutcomes> outcomes;  // check-ins on it, by author key
  std::vector<AgreementChange> open_changes;
  std::vector<AgreementEvent> history;  // oldest first

  bool operator==(const AgreementView&) const = default;
};
struct AgreementsReply {
  std::vector<AgreementView> agreements;  // by id

  bool operator==(const AgreementsReply&) const = default;
};

// --- Views: view.timeline ---

// Every filter is optional; an empty one is not sent.
struct TimelineRequest {
  std::int64_t limit = 0;  // 1 to 1000; 0: the daemon's 50
  std::string before;      // a cursor from next_before: the page after it
  std::string author;      // "me", "partner" or an author key
  std::string kind;        // a kind's name, "withdrawn" or "unreadable"
  std::string from;        // the first local day, YYYY-MM-DD
  std::string to;          // the last local day (today when empty)
};
// One entry: verified, then opened, and what it did to the views. Fields
// marked "when" are written only then.
struct TimelineEntry : LogEntry {  // `withdrawn` also for a withdrawal itself
  std::string name;  // the author's name, when known
  std::string kind;
  bool applied = false;
  std::string reason_code;  // why it had no effect, when not applied
  std::string reason;
  std::string ref;                       // the entry it is about, hex, when it is about one
  std::vector<std::string> corrections;  // the entries that correct it, when any
  std::string cursor;                    // its place: `before` for the page after it
};
struct TimelineReply {
  std::vector<TimelineEntry> entries;      // newest first
  std::optional<std::string> next_before;  // the next page's cursor; null at the oldest
};

// --- Views: view.trends ---

struct TrendsRequest {
  std::string from;  // the first local day, YYYY-MM-DD; empty: 89 days before `to` (not sent)
  std::string to;    // the last; empty: today (not sent)
};
// One day of one member: each scale's average that day and over the seven
// days to it, when they gave it that day.
struct TrendDay {
  std::string date;  // YYYY-MM-DD
  std::optional<double> mood;
  std::optional<double> mood_avg7;
  std::optional<double> trust;
  std::optional<double> trust_avg7;
};
// One member's counts of one week (from its Monday).
struct TrendWeek {
  std::string week;  // the Monday, YYYY-MM-DD
  std::int64_t triggers = 0;
  std::int64_t appreciations = 0;
  std::int64_t meetings = 0;
  std::int64_t repairs = 0;
  std::int64_t checkins = 0;
  std::int64_t time_together = 0;
};
struct TrendMember {
  std::string name;
  std::vector<TrendDay> days;  // only the days with a scale, oldest first
  std::vector<TrendWeek> weeks;
};
// How one agreement was kept, by both.
struct AgreementKept {
  std::string agreement;  // its id, hex
  std::string state;
  std::int64_t kept = 0;
  std::int64_t struggled = 0;
  std::int64_t missed = 0;
};
// The phase the two agreed on (docs/LEDGER.md).
struct PhaseNow {
  std::string current;       // empty until they agree on one
  std::string since;         // ISO 8601, when it began (when one is current)
  std::string breach_named;  // the day named for the breach, YYYY-MM-DD (when named)
  std::optional<std::int64_t> days_since_breach;
};
struct TrendsReply {
  std::string from;
  std::string to;
  std::map<std::string, TrendMember> members;  // by author key, hex
  std::vector<AgreementKept> agreements;       // those checked in on at least once
  PhaseNow phase;
};

// --- Notifications on this device: notify.status, notify.set, notify.test ---
// (notify.set's params are any keys of NotifySettings::ToJson(), each whole
// but `events`: protocol/notify.h.)

// One event that can notify, and whether it does.
struct NotifyEventState {
  std::string name;
  bool on = false;
  bool switchable = false;
  std::string about;
  std::string screen;  // where the window opens when it is clicked
};
struct NotifyStatus {
  NotifySettings settings;
  std::string bus;     // "shown", "nothing shown yet", or why nothing is shown
  std::string server;  // the desktop's notification server; empty: not known
  std::uint64_t shown = 0;
  std::uint64_t held = 0;  // waiting for quiet hours to end, or to be summed up
  bool quiet_now = false;
  std::uint64_t next_reminder_ms = 0;  // 0: none set
  std::string last_click;              // the screen the last click opened; empty: none
  std::vector<NotifyEventState> events;
  std::optional<bool> sent;  // notify.test's: whether it reached a session bus
};

// Pairing.
void to_json(nlohmann::json& j, const PairInviteRequest& request);  // no `ttl_seconds` when 0
void from_json(const nlohmann::json& j, PairInviteRequest& request);
void to_json(nlohmann::json& j, const PairInviteReply& reply);
void from_json(const nlohmann::json& j, PairInviteReply& reply);
void to_json(nlohmann::json& j, const PairJoinRequest& request);  // no `address` when empty
void from_json(const nlohmann::json& j, PairJoinRequest& request);
void to_json(nlohmann::json& j, const OpenInvite& invite);
void from_json(const nlohmann::json& j, OpenInvite& invite);
void to_json(nlohmann::json& j, const PairStatus& status);  // the partner's fields once paired
void from_json(const nlohmann::json& j, PairStatus& status);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PairCarryReply, carried)

// Notes.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NoteAddRequest, text)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NoteAddReply, id)
void to_json(nlohmann::json& j, const Note& note);
void from_json(const nlohmann::json& j, Note& note);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NoteListReply, notes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NoteDeleteRequest, id)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NoteDeleteReply, deleted)

// Sharing. The times are written twice, as ISO 8601 (`paused_since`,
// `time`) and as Unix ms (`paused_since_ms`, `time_ms`), and read back from
// the ms; a field of a pause that is not there is left out.
void to_json(nlohmann::json& j, const SharingEnded& ended);
void from_json(const nlohmann::json& j, SharingEnded& ended);
void to_json(nlohmann::json& j, const Sharing& sharing);
void from_json(const nlohmann::json& j, Sharing& sharing);
void to_json(nlohmann::json& j, const SharingLeaveRequest& request);  // no `note` when empty
void from_json(const nlohmann::json& j, SharingLeaveRequest& request);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SharingLeaveReply, id, seq, time, sharing)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WithdrawMineReply, withdrawn, remaining, kept)

// The link.
void to_json(nlohmann::json& j, const PeerState& peer);  // `paused_since`(_ms) only while the partner pauses
void from_json(const nlohmann::json& j, PeerState& peer);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RefusedKey, key, address, count, last_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Connections, open, turned_away)
void to_json(nlohmann::json& j, const DiscoveryState& discovery);
void from_json(const nlohmann::json& j, DiscoveryState& discovery);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PeerAddRequest, address)
void to_json(nlohmann::json& j, const PeersReply& reply);  // `sharing` once paired
void from_json(const nlohmann::json& j, PeersReply& reply);

// Status: the fields of an initialised ledger only once it is; `partner`,
// `partner_name`, `transport_key` and `sharing` only when there are.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ViewsProgress, folded, waiting)
void to_json(nlohmann::json& j, const DaemonStatus& status);
void from_json(const nlohmann::json& j, DaemonStatus& status);

// view.together: each item's words under its list's field name; `time`
// and `until` written twice (ISO 8601 and `_ms`), `until`, `closed_by`,
// the words and `answer` only when there are, `withdrawn` only when true.
void to_json(nlohmann::json& j, const TalkAnswer& answer);
void from_json(const nlohmann::json& j, TalkAnswer& answer);
void to_json(nlohmann::json& j, const TogetherReply& reply);
void from_json(const nlohmann::json& j, TogetherReply& reply);

// view.pending: a proposal's words only when there are (or `withdrawn`),
// `agreement` and `agreement_title` only for a change to one; the talks as
// view.together writes its talks.
void to_json(nlohmann::json& j, const PendingProposal& proposal);
void from_json(const nlohmann::json& j, PendingProposal& proposal);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ReviewDue, id, review, title)
void to_json(nlohmann::json& j, const PendingReply& reply);
void from_json(const nlohmann::json& j, PendingReply& reply);

// --- Views: view.trends ---
void to_json(nlohmann::json& j, const TrendsRequest& request);  // the days given
void from_json(const nlohmann::json& j, TrendsRequest& request);
void to_json(nlohmann::json& j, const TrendDay& day);  // the scales given that day
void from_json(const nlohmann::json& j, TrendDay& day);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrendWeek, week, triggers, appreciations, meetings, repairs, checkins,
                                                time_together)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrendMember, name, days, weeks)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AgreementKept, agreement, state, kept, struggled, missed)
void to_json(nlohmann::json& j, const PhaseNow& phase);  // `since`, `breach_named` and its days when known
void from_json(const nlohmann::json& j, PhaseNow& phase);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrendsReply, from, to, members, agreements, phase)

// --- Views: view.agreements: each word, `since` and `review` only when there
// are; `status` and `answered_by` of an event only when it has them ---
void to_json(nlohmann::json& j, const AgreementsRequest& request);  // no `state` when empty
void from_json(const nlohmann::json& j, AgreementsRequest& request);
void to_json(nlohmann::json& j, const AgreementChange& change);
void from_json(const nlohmann::json& j, AgreementChange& change);
void to_json(nlohmann::json& j, const AgreementEvent& event);
void from_json(const nlohmann::json& j, AgreementEvent& event);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AgreementOutcomes, kept, struggled, missed)
void to_json(nlohmann::json& j, const AgreementView& agreement);
void from_json(const nlohmann::json& j, AgreementView& agreement);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AgreementsReply, agreements)

// --- Views: view.timeline ---
void to_json(nlohmann::json& j, const TimelineRequest& request);  // the filters given
void from_json(const nlohmann::json& j, TimelineRequest& request);
void to_json(nlohmann::json& j, const TimelineEntry& entry);
void from_json(const nlohmann::json& j, TimelineEntry& entry);
void to_json(nlohmann::json& j, const TimelineReply& reply);
void from_json(const nlohmann::json& j, TimelineReply& reply);

// The keys and the entries: each field always, but `kind` only for append,
// a log entry's `fault`, `body` and `withdrawn` only when it has them, and a
// request's fields only when given.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LockedReply, locked)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PassphraseReply, passphrase)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(BackupReply, path, bytes, entries)
void to_json(nlohmann::json& j, const CheckIn& checkin);  // `mood` and `trust` when given
void to_json(nlohmann::json& j, const AppendedReply& reply);
void from_json(const nlohmann::json& j, AppendedReply& reply);
void to_json(nlohmann::json& j, const LogRequest& request);
void from_json(const nlohmann::json& j, LogRequest& request);
void to_json(nlohmann::json& j, const LogEntry& entry);
void from_json(const nlohmann::json& j, LogEntry& entry);
void to_json(nlohmann::json& j, const LogReply& reply);  // `next_before` null at the oldest
void from_json(const nlohmann::json& j, LogReply& reply);
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VerifyFault, rowid, id, author, seq, reason, detail)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VerifyReply, ok, entries_checked, faults, ids_repaired)
void to_json(nlohmann::json& j, const ExportRequest& request);
void from_json(const nlohmann::json& j, ExportRequest& request);

// Notifications: `settings` as NotifySettings::ToJson() writes them (read
// back with NotifySettingsFromJson); `server`, `next_reminder`(_ms),
// `last_click` and `sent` only when there are.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NotifyEventState, name, on, switchable, about, screen)
void to_json(nlohmann::json& j, const NotifyStatus& status);
void from_json(const nlohmann::json& j, NotifyStatus& status);

// The top-level fields of each declared method's params and result, from the
// declarations (every optional field present): docs/PROTOCOL.md's table of
// methods is held to these.
struct MessageSpec {
  Method method;
  std::vector<std::string> params;
  std::vector<std::string> result;
};
std::vector<MessageSpec> MessageSpecs();

}  // namespace kintsugi::protocol
