// kintsugictl: drives a kintsugid over local IPC, for scripts, tests and
// people who like a terminal. Success exits 0; failure exits non-zero with
// one line on stderr. --json prints one JSON document to stdout.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "client/client.h"
#include "kintsugi/version.h"

namespace {

using nlohmann::json;
using kintsugi::Error;
using kintsugi::ErrorCode;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const std::string& message) {
  std::cerr << "kintsugictl: " << message << "\n";
  return kExitFailure;
}

int Fail(const Error& e) { return Fail(e.message); }

void PrintJson(const json& j) {
  std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

// "3f2a9c1b..." -> "3f2a 9c1b 77e0 12d4" (first 16 hex digits, grouped).
std::string Fingerprint(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i < 16 && i < hex.size(); ++i) {
    if (i > 0 && i % 4 == 0) out += ' ';
    out += hex[i];
  }
  return out;
}

std::string Scale(const json& body, const char* field, const char* label) {
  auto it = body.find(field);
  if (it == body.end() || !it->is_number_integer()) return "";
  return std::string(label) + " " + std::to_string(it->get<int>()) + "/10  ";
}

void PrintStatus(const json& s) {
  std::cout << "kintsugid " << s.value("version", "?") << " (pid " << s.value("pid", 0) << ")\n"
            << "data dir  " << s.value("data_dir", "") << "\n";
  if (!s.value("initialized", false)) {
    std::cout << "no ledger yet: run 'kintsugictl init --name NAME'\n";
    return;
  }
  std::cout << "name      " << s.value("name", "") << "\n"
            << "identity  " << Fingerprint(s.value("author", "")) << "\n"
            << "ledger    " << Fingerprint(s.value("ledger", "")) << "\n"
            << "members   " << s.value("members", 0) << "\n"
            << "entries   " << s.value("entries", 0) << "\n";
}

void PrintLogEntry(const json& e) {
  std::string time = e.value("time", "");
  if (time.size() >= 16) time = time.substr(0, 10) + " " + time.substr(11, 5);
  std::cout << time << "  #" << e.value("seq", 0) << "  ";
  if (!e.value("verified", false)) {
    std::cout << "UNVERIFIED (" << e.value("fault", "unknown") << ")\n";
    return;
  }
  if (e.value("withdrawn", false) || !e.contains("body")) {
    std::cout << "(withdrawn)\n";
    return;
  }
  const json& body = e["body"];
  std::string kind = body.value("kind", "?");
  if (kind == "checkin") {
    std::cout << "check-in  " << Scale(body, "mood", "mood") << Scale(body, "trust", "trust")
              << body.value("note", "") << "\n";
  } else if (kind == "member") {
    std::cout << "joined    " << body.value("name", "") << "\n";
  } else {
    std::cout << kind << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kintsugictl: talk to your kintsugid"};
  app.require_subcommand(1);
  kintsugi::client::ClientOptions options;
  int timeout_ms = 5000;
  app.add_option("--data-dir", options.data_dir, "Data directory of the daemon to talk to");
  app.add_option("--timeout", timeout_ms, "Milliseconds to wait for the daemon")
      ->check(CLI::Range(1, 600000));
  app.set_version_flag("--version", std::string("kintsugictl ") + kintsugi::kVersion);

  bool as_json = false;
  std::string name;
  auto* init = app.add_subcommand("init", "Create your identity and your ledger");
  init->add_option("--name", name, "Your name, as your partner will see it")->required();

  auto* status = app.add_subcommand("status", "Show the daemon and ledger");
  status->add_flag("--json", as_json, "Print JSON");

  std::string note;
  std::optional<int> mood, trust;
  auto* checkin = app.add_subcommand("checkin", "Write a check-in");
  checkin->add_option("--note", note, "What you want to say")->required();
  checkin->add_option("--mood", mood, "Your mood, 1 (low) to 10 (good)");
  checkin->add_option("--trust", trust, "Your trust, 1 (low) to 10 (high)");
  checkin->add_flag("--json", as_json, "Print JSON");

  int limit = 20;
  auto* log = app.add_subcommand("log", "Show the newest entries");
  log->add_option("--limit", limit, "How many entries (1 to 1000)");
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

  if (init->parsed()) {
    auto r = c.Call("init", {{"name", name}});
    if (!r.ok()) return Fail(r.error());
    std::cout << "Your ledger is ready, " << r->value("name", "") << ".\n"
              << "identity  " << Fingerprint(r->value("author", "")) << "\n";
    return 0;
  }
  if (status->parsed()) {
    auto r = c.Call("status");
    if (!r.ok()) return Fail(r.error());
    as_json ? PrintJson(*r) : PrintStatus(*r);
    return 0;
  }
  if (checkin->parsed()) {
    json params{{"note", note}};
    if (mood) params["mood"] = *mood;
    if (trust) params["trust"] = *trust;
    auto r = c.Call("checkin", params);
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
    } else {
      std::cout << "check-in #" << r->value("seq", 0) << " saved and signed\n";
    }
    return 0;
  }
  if (log->parsed()) {
    auto r = c.Call("log", {{"limit", limit}});
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
    } else {
      const json& entries = (*r)["entries"];
      if (entries.empty()) std::cout << "no entries yet\n";
      for (auto it = entries.rbegin(); it != entries.rend(); ++it) PrintLogEntry(*it);
    }
    return 0;
  }
  if (pair_invite->parsed()) {
    auto r = c.Call("pair.invite", {{"ttl_seconds", ttl_minutes * 60}});
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
    } else {
      std::cout << "\n    " << r->value("code", "") << "\n\n"
                << "Read this code to your partner. On their device:\n"
                << "    kintsugictl pair join " << r->value("code", "") << "\n"
                << "It works once, until " << r->value("expires", "") << " (UTC).\n";
      int port = r->value("sync_port", 0);
      if (port != 0) {
        std::cout << "If their device cannot find yours on this network, add: --address YOUR-IP:" << port
                  << "\n";
      }
    }
    return 0;
  }
  if (pair_join->parsed()) {
    json params{{"code", code}};
    if (!address.empty()) params["address"] = address;
    auto r = c.Call("pair.join", params);
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
    } else {
      std::cout << "Paired. Compare this safety number with the one on your partner's screen:\n\n    "
                << r->value("safety_number", "") << "\n\n"
                << "If they match, run: kintsugictl pair confirm\n";
      std::int64_t kept = r->value("private_entries", 0);
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
    std::cout << "carried " << r->value("carried", 0)
              << " entries into the shared ledger; the originals stay on this device\n";
    return 0;
  }
  if (pair_status->parsed() || pair_confirm->parsed()) {
    auto r = c.Call(pair_confirm->parsed() ? "pair.confirm" : "pair.status");
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
    } else if (r->value("paired", false)) {
      std::cout << "paired with   " << Fingerprint(r->value("partner", "")) << "\n"
                << "safety number " << r->value("safety_number", "") << "\n"
                << (r->value("confirmed", false) ? "compared and confirmed\n"
                                                  : "not confirmed yet: compare it, then run "
                                                    "'kintsugictl pair confirm'\n");
    } else if (r->contains("invite")) {
      std::cout << "not paired; invite open: " << (*r)["invite"].value("code", "") << " until "
                << (*r)["invite"].value("expires", "") << "\n";
    } else {
      std::cout << "not paired: run 'kintsugictl pair invite' on one device and 'pair join CODE' on "
                   "the other\n";
    }
    return 0;
  }
  if (peers->parsed() || peer_add->parsed()) {
    auto r = peer_add->parsed() ? c.Call("peer.add", {{"address", peer_address}}) : c.Call("peers");
    if (!r.ok()) return Fail(r.error());
    if (as_json) {
      PrintJson(*r);
      return 0;
    }
    if ((*r)["peers"].empty()) std::cout << "not paired\n";
    for (const auto& p : (*r)["peers"]) {
      std::cout << "partner  " << Fingerprint(p.value("author", "")) << "  "
                << (p.value("online", false) ? "online" : "offline") << "  "
                << (p.value("address", "").empty() ? "(address unknown)" : p.value("address", ""))
                << "  behind " << p.value("entries_behind", 0) << "\n";
    }
    for (const auto& refused : (*r)["refused"]) {
      std::cout << "refused  " << refused.value("key", "").substr(0, 16) << " from "
                << refused.value("address", "") << " (" << refused.value("count", 0) << " times)\n";
    }
    return 0;
  }
  if (verify->parsed()) {
    auto r = c.Call("verify");
    if (!r.ok()) return Fail(r.error());
    bool ok = r->value("ok", false);
    if (as_json) {
      PrintJson(*r);
    } else if (ok) {
      std::cout << "verified " << r->value("entries_checked", 0)
                << " entries: every signature and chain link holds\n";
    } else {
      for (const auto& f : (*r)["faults"]) {
        std::cout << "FAULT entry " << f.value("id", "").substr(0, 16) << " (author "
                  << Fingerprint(f.value("author", "")) << ", seq " << f.value("seq", 0)
                  << "): " << f.value("reason", "") << ": " << f.value("detail", "") << "\n";
      }
    }
    if (!ok) {
      return Fail("verification failed: " + std::to_string((*r)["faults"].size()) +
                  " of " + std::to_string(r->value("entries_checked", 0)) + " entries are faulty");
    }
    return 0;
  }
  return kExitUsage;
}
