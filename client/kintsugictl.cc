// kintsugictl: drives a kintsugid over local IPC, for scripts, tests and
// people who like a terminal. Success exits 0; failure exits non-zero with
// one line on stderr. --json prints one JSON document to stdout.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>

#include "client/cli_manual.h"
#include "client/client.h"
#include "client/json_fields.h"
#include "client/ctl_command.h"
#include "client/doctor.h"
#include "client/ctl_export.h"
#include "client/ctl_input.h"
#include "client/ctl_service.h"
#include "client/ctl_notify.h"
#include "client/ctl_sharing.h"
#include "client/ctl_views.h"
#include "client/ctl_vault.h"
#include "protocol/hlc.h"
#include "protocol/ipc_messages.h"
#include "client/terminal_text.h"
#include "crypto/secure_buffer.h"
#include "kintsugi/version.h"
#include "protocol/body.h"
#include "protocol/kinds.h"
#include "protocol/layout.h"

namespace {

namespace protocol = kintsugi::protocol;
using nlohmann::json;
using kintsugi::client::Client;
using kintsugi::client::ReadReply;
using kintsugi::ctl::Command;
using kintsugi::ctl::Commands;
using kintsugi::ctl::Fail;
using kintsugi::ctl::Fingerprint;
using kintsugi::ctl::IdSource;
using kintsugi::ctl::Input;
using kintsugi::ctl::kExitUsage;
using kintsugi::ctl::PrintAgreements;
using kintsugi::ctl::PrintJson;
using kintsugi::ctl::PrintLogEntry;
using kintsugi::ctl::PrintNotes;
using kintsugi::ctl::PrintPending;
using kintsugi::ctl::PrintStatus;
using kintsugi::ctl::PrintTimeline;
using kintsugi::ctl::PrintTogether;
using kintsugi::ctl::PrintTrends;
using protocol::Kind;

void AddAgreementCommands(CLI::App& app, Commands& commands) {
  auto* agree = app.add_subcommand("agree", "Propose, answer, change and retire the agreements you share");
  agree->require_subcommand(1);
  commands.Entry(agree, "propose", Kind::kPropose)
      .Opt("title", "A short name for it")
      .Opt("text", "What you agree to, in your own words")
      .Opt("category", "What kind of agreement it is")
      .Opt("review", "When to look at it again together");
  commands.Entry(agree, "accept", Kind::kAccept)
      .Arg("ID", "ref", "The proposal, change or phase to accept", IdSource::kAnswerable)
      .Opt("note", "A word to go with your yes");
  commands.Entry(agree, "decline", Kind::kDecline)
      .Arg("ID", "ref", "The proposal, change or phase to decline", IdSource::kAnswerable)
      .Opt("reason", "Why not, if you want to say");
  commands.Entry(agree, "amend", Kind::kAmend)
      .Arg("AGREEMENT", "agreement", "The active agreement to change", IdSource::kAgreement)
      .Opt("text", "The new text")
      .Opt("title", "A new title")
      .Opt("category", "A new category")
      .Opt("review", "A new review date");
  commands.Entry(agree, "retire", Kind::kRetire)
      .Arg("AGREEMENT", "agreement", "The active agreement to end", IdSource::kAgreement)
      .Opt("reason", "Why it can end");
}

void AddCheckInCommands(CLI::App* checkin, Commands& commands) {
  checkin->require_subcommand(0, 1);
  commands.Entry(checkin, "status", Kind::kStatus)
      .Arg("TEXT", "text", "What is going on")
      .Opt("until", "Until when it holds");
  commands.Entry(checkin, "feelings", Kind::kFeelings)
      .Opt("mood", "Your mood today")
      .Opt("trust", "Your trust today")
      .Opt("appreciated", "One thing you appreciated")
      .Opt("needed", "One thing you needed");
  commands.Entry(checkin, "agreement", Kind::kAgreementCheckIn)
      .Arg("AGREEMENT", "agreement", "The agreement", IdSource::kAgreement)
      .Opt("outcome", "How it went")
      .Opt("reflection", "What you make of it");
}

void AddTogetherCommands(CLI::App& app, Commands& commands) {
  commands.Entry(&app, "appreciate", Kind::kAppreciation).Arg("TEXT", "text", "What you appreciate");
  commands.Entry(&app, "trigger", Kind::kTrigger)
      .Opt("what", "What happened")
      .Opt("intensity", "How strong it was")
      .Opt("helped", "What helped");
  commands.Entry(&app, "talk", Kind::kTalkRequest).Arg("TOPIC", "topic", "What you need to talk about");
  commands.Entry(&app, "talk-answer", Kind::kTalkAnswer)
      .Arg("TALK", "talk", "Your partner's talk request", IdSource::kTalk)
      .Arg("ANSWER", "answer", "tonight, at_meeting or not_yet")
      .Opt("note", "A word for your partner");
  commands.Entry(&app, "meeting", Kind::kMeeting)
      .Opt("appreciations", "What you appreciated in each other this week")
      .Opt("went_well", "What went well")
      .Opt("issue", "The one issue you took on")
      .Opt("i_will_try", "What you will try")
      .Opt("partner_will_try", "What your partner will try")
      .Opt("talks", "Talk requests this meeting answered", IdSource::kTalk, Input::kSpec, "--talk");
  commands.Entry(&app, "repair", Kind::kRepair)
      .Opt("plan", "The one plan you agree on")
      .Opt("feelings", "How you felt")
      .Opt("my_view", "How you saw it")
      .Opt("partner_view", "How your partner saw it")
      .Opt("triggers", "What it touched")
      .Opt("my_part", "What you take on")
      .Opt("partner_part", "What your partner takes on")
      .Opt("talks", "Talk requests this repair answered", IdSource::kTalk, Input::kSpec, "--talk");
  commands.Entry(&app, "pause", Kind::kPause)
      .Arg("MINUTES", "minutes", "How long before you come back")
      .Opt("note", "A word for your partner");
  auto* time = app.add_subcommand("time", "Plan time together, and record it");
  time->require_subcommand(1);
  commands.Entry(time, "plan", Kind::kTimePlan).Arg("WHAT", "what", "What you will do").Opt("when", "When");
  commands.Entry(time, "done", Kind::kTimeDone)
      .Arg("WHAT", "what", "What you did")
      .Opt("plan", "The plan it fulfils", IdSource::kPlan)
      .Opt("note", "How it was");
}

void AddRecordCommands(CLI::App& app, Commands& commands) {
  commands.Entry(&app, "correct", Kind::kCorrect)
      .Arg("ID", "ref", "Your entry to correct", IdSource::kOwnEntry)
      .Arg("TEXT", "text", "The correction");
  commands.Entry(&app, "withdraw", Kind::kWithdraw)
      .Arg("ID", "ref", "Your entry to withdraw", IdSource::kOwnEntry);
  commands.Entry(&app, "phase", Kind::kPhase)
      .Arg("PHASE", "phase", "Where you are")
      .Opt("breach_named", "The day the breach was named")
      .Opt("note", "A word about it");
  commands.Entry(&app, "seen", Kind::kSeen)
      .Arg("ID", "upto", "The newest entry you have read", IdSource::kAnyEntry);
}

void AddNoteCommands(CLI::App& app, Commands& commands) {
  auto* note = app.add_subcommand("note", "Private notes: kept sealed on this device, never shared");
  note->require_subcommand(1);
  commands
      .Method(note, "add", "Write a private note that only this device keeps", "note.add",
              [](Client&, const json& r) {
                const auto added = protocol::ReadMessage<protocol::NoteAddReply>(r);
                std::cout << "note #" << (added ? added->id : 0) << " kept on this device only\n";
              })
      .Arg("TEXT", "text", "The note");
  commands.Method(note, "list", "Show your private notes", "note.list", PrintNotes);
  commands
      .Method(note, "delete", "Delete one of your private notes", "note.delete",
              [](Client&, const json& r) {
                const auto deleted = protocol::ReadMessage<protocol::NoteDeleteReply>(r);
                std::cout << "deleted note #" << (deleted ? deleted->deleted : 0) << "\n";
              })
      .Arg("ID", "id", "The note's number, as 'note list' shows it", IdSource::kNone, Input::kNumber);
}

void AddViewCommands(CLI::App& app, Commands& commands) {
  commands
      .Method(&app, "agreements", "Show your agreements, grouped by state", "view.agreements",
              PrintAgreements)
      .Opt("state", "Only these: proposed, active, declined or retired");
  commands.Method(&app, "pending", "Show what awaits your answer", "view.pending", PrintPending);
  commands
      .Method(&app, "timeline", "Show the ledger's entries, with what each one did", "view.timeline",
              PrintTimeline)
      .Opt("limit", "How many entries (1 to 1000)", IdSource::kNone, Input::kNumber)
      .Opt("before", "Entries before this cursor (as printed)")
      .Opt("author", "Only me, partner, or an author key")
      .Opt("kind", "Only entries of this kind")
      .Opt("from", "From this day (YYYY-MM-DD)")
      .Opt("to", "To this day (YYYY-MM-DD)");
  commands
      .Method(&app, "trends", "Show mood and trust over time, weekly counts, agreements kept and the phase",
              "view.trends", PrintTrends)
      .Opt("from", "From this day (YYYY-MM-DD; default: 90 days ago)")
      .Opt("to", "To this day (YYYY-MM-DD; default: today)");
  commands.Method(&app, "together", "Show talks asked for, time planned, statuses and pauses",
                  "view.together", PrintTogether);
}

// The manual page's words around the command table (client/cli_manual.h).
kintsugi::cli::ManualInfo Manual() {
  return {
      "kintsugictl",
      kintsugi::kVersion,
      "drive your Kintsugi daemon from a terminal or a script",
      {"kintsugictl talks to your own kintsugid over local IPC: it writes check-ins and agreements to the "
       "ledger you share with your partner, reads what both of you wrote, pairs your two devices, and manages "
       "the daemon's settings. Whatever it writes reaches your partner's device when the two daemons next sync.",
       "Ids of agreements and entries may be given as their first six or more hex digits, as shown.",
       "What your partner wrote is printed with its control characters made visible, so that their words "
       "cannot move the cursor or clear your terminal."},
      {{"EXIT STATUS",
        {"0\tThe command did what it says.", "1\tIt failed; one line on standard error says why.",
         "2\tThe command line was wrong (an unknown command, a missing argument)."}},
       {"ENVIRONMENT",
        {"XDG_DATA_HOME\tThe default data directory is kintsugi below it (without it, ~/.local/share/kintsugi).",
         "XDG_RUNTIME_DIR\tThe daemon's sockets are below it, in a folder named for the data directory, so "
         "kintsugictl --data-dir D finds the daemon started with --data-dir D."}},
       {"EXAMPLES",
        {"kintsugictl checkin feelings --mood 7 --trust 6 --appreciated \"You made tea\"",
         "kintsugictl agree propose --title \"Phones away at dinner\" --text \"From 19:00, both of us\"",
         "kintsugictl timeline --json"}}},
      {"kintsugid(1)", "kintsugi(1)"},
      {"--json"},
      {"With --json, a command prints its result as one JSON document: what a script reads."}};
}

// kintsugictl doctor: works whether or not the daemon answers.
int RunDoctor(const kintsugi::client::ClientOptions& options, bool as_json) {
  auto client = kintsugi::client::Client::Connect(options);
  std::string data_dir = options.data_dir;
  if (auto layout = protocol::ResolveLayout(protocol::LayoutInputsFromEnvironment(options.data_dir));
      layout.ok()) {
    data_dir = layout->data_dir;
  }
  const kintsugi::ctl::CallFn call = [&](std::string_view method) { return (*client)->Call(method); };
  const auto findings = kintsugi::ctl::Diagnose(
      kintsugi::ctl::GatherFacts(call, data_dir, client.ok() ? "" : client.error().message));
  if (as_json) {
    PrintJson(kintsugi::ctl::FindingsJson(findings));
  } else {
    kintsugi::ctl::PrintFindings(findings, std::cout);
  }
  const bool problem = std::any_of(findings.begin(), findings.end(), [](const auto& f) {
    return f.level == kintsugi::ctl::Finding::Level::kProblem;
  });
  return problem ? kintsugi::ctl::kExitFailure : 0;
}

// Every command and subcommand takes --json; added where one does not declare it.
void AddJsonFlags(CLI::App* app, bool& as_json) {
  for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) {
    if (sub->get_option_no_throw("--json") == nullptr) sub->add_flag("--json", as_json, "Print JSON");
    AddJsonFlags(sub, as_json);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kintsugictl: talk to your kintsugid"};
  app.require_subcommand(1);
  kintsugi::client::ClientOptions options;
  int timeout_ms = 5000;
  app.add_option("--data-dir", options.data_dir, "Data directory of the daemon to talk to");
  app.add_option("--timeout", timeout_ms,
                 "Milliseconds to wait for the daemon (default 5000; 45000 for pair join, 30000 for what derives "
                 "a key from a passphrase: init, unlock, passphrase, backup, restore)")
      ->check(CLI::Range(1, 600000));
  app.set_version_flag("--version", std::string("kintsugictl ") + kintsugi::kVersion);

  bool as_json = false;
  std::string name;
  auto* init = app.add_subcommand("init", "Create your identity and your ledger");
  init->add_option("--name", name, "Your name, as your partner will see it")->required();
  bool init_passphrase = false;
  init->add_flag("--passphrase", init_passphrase, "Seal your keys with a passphrase from the start (asked for)");

  auto* status = app.add_subcommand("status", "Show the daemon and ledger");
  status->add_flag("--json", as_json, "Print JSON");

  std::string note;
  std::optional<int> mood, trust;
  auto* checkin = app.add_subcommand(
      "checkin", std::string(protocol::SpecOf(Kind::kCheckIn).purpose));
  checkin->add_option("--note", note, "What you want to say (required without a subcommand)");
  checkin->add_option("--mood", mood, "Your mood, 1 (low) to 10 (good)");
  checkin->add_option("--trust", trust, "Your trust, 1 (low) to 10 (high)");
  checkin->add_flag("--json", as_json, "Print JSON");

  int limit = 20;
  auto* log = app.add_subcommand("log", "Show the newest entries");
  log->add_option("--limit", limit, "How many entries (1 to 1000)")->check(CLI::Range(1, 1000));
  log->add_flag("--json", as_json, "Print JSON");

  auto* verify = app.add_subcommand("verify", "Re-verify every signature and chain; exit 1 on any fault");
  verify->add_flag("--json", as_json, "Print JSON");

  int count = 0;
  auto* watch = app.add_subcommand("watch", "Print the daemon's events as they happen");
  watch->add_option("--count", count, "Stop after this many events (0: never)");

  auto* pair = app.add_subcommand("pair", "Pair with your partner's device");
  pair->require_subcommand(1);
  int ttl_minutes = 10;
  auto* pair_invite = pair->add_subcommand("invite", "Open a pairing window and show a one-time code");
  pair_invite->add_option("--minutes", ttl_minutes, "How long the code is valid (1 to 60)")
      ->check(CLI::Range(1, 60));
  pair_invite->add_flag("--json", as_json, "Print JSON");
  std::string code, address;
  auto* pair_join = pair->add_subcommand("join", "Pair using the code your partner shows");
  pair_join->add_option("CODE", code, "The code, e.g. 417-amber-harbor-velvet-tulip")->required();
  pair_join->add_option("--address", address, "Your partner's HOST:PORT, where the LAN does not reach");
  pair_join->add_flag("--json", as_json, "Print JSON");
  auto* pair_status = pair->add_subcommand("status", "Show the pairing and the safety number");
  pair_status->add_flag("--json", as_json, "Print JSON");
  auto* pair_confirm = pair->add_subcommand("confirm", "Record that you both compared the safety number");
  auto* pair_carry = pair->add_subcommand(
      "carry", "Share the entries you wrote before pairing (they are private until you do)");

  auto* peers = app.add_subcommand("peers", "Show your partner's device: online, address, last sync");
  peers->add_flag("--json", as_json, "Print JSON");
  auto* peer = app.add_subcommand("peer", "Tell the daemon where your partner's device is");
  peer->require_subcommand(1);
  std::string peer_address;
  auto* peer_add = peer->add_subcommand("add", "Use HOST:PORT for your partner (VPN, other subnet)");
  peer_add->add_option("ADDRESS", peer_address, "HOST:PORT")->required();

  auto* doctor = app.add_subcommand(
      "doctor", "Why don't we sync? Checks the daemon, the pairing, the network and this computer, and says what to "
                "do (exits 1 when it finds a problem)");
  kintsugi::ctl::ServiceCommands service(app);  // needs no daemon: runs before connecting
  Commands commands;
  AddCheckInCommands(checkin, commands);
  AddAgreementCommands(app, commands);
  AddTogetherCommands(app, commands);
  AddRecordCommands(app, commands);
  AddNoteCommands(app, commands);
  AddViewCommands(app, commands);
  kintsugi::ctl::SharingCommands sharing(app);
  kintsugi::ctl::NotifyCommands notify(app);
  kintsugi::ctl::VaultCommands vault(app);  // unlock, lock, passphrase set|remove  // sharing pause|resume, leave, withdraw-mine
  kintsugi::ctl::AddExportCommand(app, commands);
  // Shell completion asks here for the ids an argument takes (hidden).
  std::string ids_source;
  auto* ids = app.add_subcommand("__ids", "Print the ids of SOURCE, one a line, for shell completion");
  ids->group("");
  ids->add_option("SOURCE", ids_source, "agreement, answerable, own-entry, entry, talk or plan")->required();
  AddJsonFlags(&app, as_json);

  const kintsugi::cli::ValuesCommand values = [&](const CLI::Option& option) {
    const auto source = commands.IdsOf(option);
    return source == IdSource::kNone ? std::string() : "__ids " + std::string(kintsugi::ctl::IdSourceName(source));
  };
  if (kintsugi::cli::PrintIfAsked(app, Manual(), argc, argv, &values)) return 0;

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "kintsugictl: " << e.what() << " (see kintsugictl --help)\n";
    return kExitUsage;
  }
  options.timeout = std::chrono::milliseconds(timeout_ms);
  if (timeout_ms != 5000) options.key_timeout = options.timeout;  // the person's choice, for every request
  // Human output shows a partner's control characters rather than obeying
  // them (client/terminal_text.h); JSON and the event stream stay exact.
  std::optional<kintsugi::client::VisibleOutput> visible_out;
  if (!as_json && !watch->parsed()) visible_out.emplace(std::cout);
  kintsugi::client::VisibleOutput visible_err(std::cerr);
  const Command* chosen = commands.Chosen();
  if (checkin->parsed() && chosen == nullptr && note.empty()) {
    std::cerr << "kintsugictl: --note is required (see kintsugictl checkin --help)\n";
    return kExitUsage;
  }
  if (service.chosen()) return service.Run();
  if (doctor->parsed()) return RunDoctor(options, as_json);

  if (watch->parsed()) {
    auto stream = kintsugi::client::EventStream::Connect(options);
    if (!stream.ok()) return Fail(stream.error());
    for (int seen = 0; count == 0 || seen < count;) {
      auto event = (*stream)->Next(std::chrono::milliseconds(1000));
      if (!event) continue;
      std::cout << event->data.dump(-1, ' ', false, json::error_handler_t::replace) << std::endl;
      ++seen;
    }
    return 0;
  }

  if (pair_join->parsed() && timeout_ms == 5000) {
    // Pairing waits for the partner's device: give it the daemon's full window.
    options.timeout = std::chrono::milliseconds(45000);
  }
  auto client = kintsugi::client::Client::Connect(options);
  if (!client.ok()) return Fail(client.error());
  auto& c = **client;
  if (chosen != nullptr) return chosen->Run(c, as_json);
  if (ids->parsed()) {
    const IdSource source = kintsugi::ctl::IdSourceNamed(ids_source);
    if (source == IdSource::kNone) return Fail("no such source of ids: " + ids_source);
    auto listed = kintsugi::ctl::IdResolver(c).Candidates(source);
    if (!listed.ok()) return Fail(listed.error());
    for (const std::string& id : *listed) std::cout << id.substr(0, 12) << "\n";
    return 0;
  }
  if (auto done = sharing.Run(c, as_json)) return *done;
  if (auto done = notify.Run(c, as_json)) return *done;
  if (auto done = vault.Run(c, as_json)) return *done;

  if (init->parsed()) {
    json params{{"name", name}};
    if (init_passphrase) {
      auto pass = kintsugi::ctl::ReadNewPassphrase();
      if (!pass.ok()) return Fail(pass.error());
      params["passphrase"] = *pass;
      kintsugi::crypto::WipeString(*pass);
    }
    auto r = c.Call("init", params);
    if (params.contains("passphrase")) kintsugi::crypto::WipeString(params["passphrase"].get_ref<std::string&>());
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
      return 0;
    }
    auto ready = ReadReply<protocol::DaemonStatus>(*r);
    if (!ready.ok()) return Fail(ready.error());
    std::cout << "Your ledger is ready, " << ready->name << ".\n"
              << "identity  " << Fingerprint(ready->author) << "\n";
    return 0;
  }
  if (status->parsed()) {
    auto r = c.Call("status");
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
    } else {
      const auto status = kintsugi::client::ReadReply<protocol::DaemonStatus>(*r);
      if (!status.ok()) return Fail(status.error());
      PrintStatus(*status);
    }
    return 0;
  }
  if (checkin->parsed()) {
    const json params = protocol::CheckIn{note, mood, trust};
    if (auto valid = protocol::CheckInFromJson(params); !valid.ok()) return Fail(valid.error());
    auto r = c.Call("checkin", params);
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
      return 0;
    }
    auto appended = ReadReply<protocol::AppendedReply>(*r);
    if (!appended.ok()) return Fail(appended.error());
    std::cout << "check-in #" << appended->seq << " saved and signed\n";
    return 0;
  }
  if (log->parsed()) {
    auto r = c.Call("log", protocol::LogRequest{limit});
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
      return 0;
    }
    auto page = ReadReply<protocol::LogReply>(*r);
    if (!page.ok()) return Fail(page.error());
    if (page->entries.empty()) std::cout << "no entries yet\n";
    for (auto it = page->entries.rbegin(); it != page->entries.rend(); ++it) PrintLogEntry(*it);
    return 0;
  }
  if (pair_invite->parsed()) {
    auto r = c.Call("pair.invite", protocol::PairInviteRequest{ttl_minutes * 60});
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
    } else {
      const auto read = kintsugi::client::ReadReply<protocol::PairInviteReply>(*r);
      if (!read.ok()) return Fail(read.error());
      const protocol::PairInviteReply& invite = *read;
      std::cout << "\n    " << invite.code << "\n\n"
                << "Read this code to your partner. On their device:\n"
                << "    kintsugictl pair join " << invite.code << "\n"
                << "It works once, until " << protocol::FormatUtcMillis(invite.expires_ms) << " (UTC).\n";
      const std::uint64_t port = invite.sync_port;
      if (port != 0) {
        std::cout << "If their device cannot find yours on this network, add: --address YOUR-IP:" << port
                  << "\n";
      }
    }
    return 0;
  }
  if (pair_join->parsed()) {
    auto r = c.Call("pair.join", protocol::PairJoinRequest{code, address});
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
    } else {
      const auto read = kintsugi::client::ReadReply<protocol::PairStatus>(*r);
      if (!read.ok()) return Fail(read.error());
      const protocol::PairStatus& joined = *read;
      std::cout << "Paired. Compare this safety number with the one on your partner's screen:\n\n    "
                << joined.safety_number << "\n\n"
                << "If they match, run: kintsugictl pair confirm\n";
      const std::uint64_t kept = joined.private_entries;
      if (kept == 1) {
        std::cout << "The entry you wrote before pairing stays on this device, private.\n";
      } else if (kept > 1) {
        std::cout << "The " << kept << " entries you wrote before pairing stay on this device, private.\n";
      }
      if (kept > 0) std::cout << "To share them with your partner: kintsugictl pair carry\n";
    }
    return 0;
  }
  if (pair_carry->parsed()) {
    auto r = c.Call("pair.carry");
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
      return 0;
    }
    const auto read = kintsugi::client::ReadReply<protocol::PairCarryReply>(*r);
    if (!read.ok()) return Fail(read.error());
    const std::uint64_t carried = read->carried;
    std::cout << "carried " << carried << (carried == 1 ? " entry" : " entries")
              << " into the shared ledger; the originals stay on this device\n";
    return 0;
  }
  if (pair_status->parsed() || pair_confirm->parsed()) {
    auto r = c.Call(pair_confirm->parsed() ? "pair.confirm" : "pair.status");
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
      return 0;
    }
    const auto read = kintsugi::client::ReadReply<protocol::PairStatus>(*r);
    if (!read.ok()) return Fail(read.error());
    const protocol::PairStatus& pair = *read;
    if (pair.paired) {
      std::cout << "paired with   " << Fingerprint(pair.partner) << "\n"
                << "safety number " << pair.safety_number << "\n"
                << (pair.confirmed ? "compared and confirmed\n"
                                   : "not confirmed yet: compare it, then run "
                                     "'kintsugictl pair confirm'\n");
    } else if (pair.invite) {
      std::cout << "not paired; invite open: " << pair.invite->code << " until "
                << protocol::FormatUtcMillis(pair.invite->expires_ms) << "\n";
    } else {
      std::cout << "not paired: run 'kintsugictl pair invite' on one device and 'pair join CODE' on "
                   "the other\n";
    }
    return 0;
  }
  if (peers->parsed() || peer_add->parsed()) {
    auto r = peer_add->parsed() ? c.Call("peer.add", protocol::PeerAddRequest{peer_address}) : c.Call("peers");
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
      return 0;
    }
    const auto read = kintsugi::client::ReadReply<protocol::PeersReply>(*r);
    if (!read.ok()) return Fail(read.error());
    const protocol::PeersReply& reply = *read;
    if (reply.peers.empty()) std::cout << "not paired\n";
    for (const auto& p : reply.peers) {
      std::cout << "partner  " << Fingerprint(p.author) << "  " << (p.online ? "online" : "offline") << "  "
                << (p.address.empty() ? "(address unknown)" : p.address) << "  behind " << p.entries_behind << "\n";
    }
    for (const auto& refused : reply.refused) {
      std::cout << "refused  " << refused.key.substr(0, 16) << " from " << refused.address << " (" << refused.count
                << " times)\n";
    }
    if (reply.refused_total > reply.refused.size()) {
      std::cout << "refused  " << reply.refused_total << " handshakes in all from keys that are not your partner's\n";
    }
    if (const auto away = reply.connections.turned_away; away > 0) {
      std::cout << "turned away  " << away << " connections to the sync port (over 8 from one address or 64 in all)\n";
    }
    return 0;
  }
  if (verify->parsed()) {
    auto r = c.Call("verify");
    if (!r.ok()) return Fail(r.error());
    auto report = ReadReply<protocol::VerifyReply>(*r);
    if (!report.ok()) return Fail(report.error());
    if (as_json) {
      PrintJson(*r);
    } else {
      if (report->ids_repaired > 0) {
        std::cout << "the index of entry ids was damaged (" << report->ids_repaired
                  << " wrong) and is rebuilt from the entries\n";
      }
      if (report->ok) {
        std::cout << "verified " << report->entries_checked << " entries: every signature and chain link holds\n";
      }
      for (const protocol::VerifyFault& f : report->faults) {
        std::cout << "FAULT entry " << f.id.substr(0, 16) << " (author " << Fingerprint(f.author) << ", seq " << f.seq
                  << "): " << f.reason << ": " << f.detail << "\n";
      }
    }
    if (!report->ok) {
      return Fail("verification failed: " + std::to_string(report->faults.size()) + " of " +
                  std::to_string(report->entries_checked) + " entries are faulty");
    }
    return 0;
  }
  return kExitUsage;
}
