#include "protocol/ipc_messages.h"

#include "protocol/hlc.h"

namespace kintsugi::protocol {

using nlohmann::json;

void to_json(json& j, const PairInviteRequest& request) {
  j = json::object();
  if (request.ttl_seconds != 0) j["ttl_seconds"] = request.ttl_seconds;
}

void from_json(const json& j, PairInviteRequest& request) { request.ttl_seconds = j.value("ttl_seconds", 0); }

void to_json(json& j, const PairInviteReply& reply) {
  j = json{{"code", reply.code},
           {"expires", FormatUtcMillis(reply.expires_ms)},
           {"expires_ms", reply.expires_ms},
           {"sync_port", reply.sync_port}};
}

void from_json(const json& j, PairInviteReply& reply) {
  reply.code = j.value("code", std::string());
  reply.expires_ms = j.value("expires_ms", std::uint64_t{0});
  reply.sync_port = j.value("sync_port", std::uint64_t{0});
}

void to_json(json& j, const PairJoinRequest& request) {
  j = json{{"code", request.code}};
  if (!request.address.empty()) j["address"] = request.address;
}

void from_json(const json& j, PairJoinRequest& request) {
  request.code = j.value("code", std::string());
  request.address = j.value("address", std::string());
}

void to_json(json& j, const OpenInvite& invite) {
  j = json{{"code", invite.code},
           {"expires", FormatUtcMillis(invite.expires_ms)},
           {"expires_ms", invite.expires_ms},
           {"attempts", invite.attempts}};
}

void from_json(const json& j, OpenInvite& invite) {
  invite.code = j.value("code", std::string());
  invite.expires_ms = j.value("expires_ms", std::uint64_t{0});
  invite.attempts = j.value("attempts", std::uint64_t{0});
}

void to_json(json& j, const PairStatus& status) {
  j = json{{"paired", status.paired}, {"private_entries", status.private_entries}};
  if (!status.partner.empty()) {
    j["partner"] = status.partner;
    j["safety_number"] = status.safety_number;
    j["confirmed"] = status.confirmed;
    j["ledger"] = status.ledger;
  }
  if (status.invite) j["invite"] = *status.invite;
  if (status.joining) j["joining"] = true;
}

void from_json(const json& j, PairStatus& status) {
  status.paired = j.value("paired", false);
  status.partner = j.value("partner", std::string());
  status.safety_number = j.value("safety_number", std::string());
  status.confirmed = j.value("confirmed", false);
  status.ledger = j.value("ledger", std::string());
  status.invite.reset();
  if (auto invite = j.find("invite"); invite != j.end() && invite->is_object()) {
    status.invite = invite->get<OpenInvite>();
  }
  status.joining = j.value("joining", false);
  status.private_entries = j.value("private_entries", std::uint64_t{0});
}

void to_json(json& j, const PeerState& peer) {
  j = json{{"author", peer.author},
           {"online", peer.online},
           {"address", peer.address},
           {"last_seen_ms", peer.last_seen_ms},
           {"last_sync_ms", peer.last_sync_ms},
           {"entries_behind", peer.entries_behind},
           {"ended", peer.ended},
           {"dialled", peer.dialled},
           {"called_in", peer.called_in}};
  if (peer.paused_since_ms != 0) {
    j["paused_since"] = FormatUtcMillis(peer.paused_since_ms);
    j["paused_since_ms"] = peer.paused_since_ms;
  }
}

void from_json(const json& j, PeerState& peer) {
  peer.author = j.value("author", std::string());
  peer.online = j.value("online", false);
  peer.address = j.value("address", std::string());
  peer.last_seen_ms = j.value("last_seen_ms", std::uint64_t{0});
  peer.last_sync_ms = j.value("last_sync_ms", std::uint64_t{0});
  peer.entries_behind = j.value("entries_behind", std::uint64_t{0});
  peer.ended = j.value("ended", false);
  peer.dialled = j.value("dialled", false);
  peer.called_in = j.value("called_in", false);
  peer.paused_since_ms = j.value("paused_since_ms", std::uint64_t{0});
}

void to_json(json& j, const DiscoveryState& discovery) {
  j = json{{"enabled", discovery.enabled}};
  if (!discovery.enabled) return;
  j["port"] = discovery.port;
  j["interfaces"] = discovery.interfaces;
  j["sent"] = discovery.sent;
  j["last_sent_ms"] = discovery.last_sent_ms;
  j["partner_beacons"] = discovery.partner_beacons;
  j["last_partner_beacon_ms"] = discovery.last_partner_beacon_ms;
  j["partner_beacon_from"] = discovery.partner_beacon_from;
  j["off_clock"] = discovery.off_clock;
  j["last_off_clock_ms"] = discovery.last_off_clock_ms;
}

void from_json(const json& j, DiscoveryState& discovery) {
  discovery.enabled = j.value("enabled", false);
  discovery.port = j.value("port", std::uint64_t{0});
  discovery.interfaces = j.value("interfaces", std::uint64_t{0});
  discovery.sent = j.value("sent", std::uint64_t{0});
  discovery.last_sent_ms = j.value("last_sent_ms", std::uint64_t{0});
  discovery.partner_beacons = j.value("partner_beacons", std::uint64_t{0});
  discovery.last_partner_beacon_ms = j.value("last_partner_beacon_ms", std::uint64_t{0});
  discovery.partner_beacon_from = j.value("partner_beacon_from", std::string());
  discovery.off_clock = j.value("off_clock", std::uint64_t{0});
  discovery.last_off_clock_ms = j.value("last_off_clock_ms", std::uint64_t{0});
}

void to_json(json& j, const PeersReply& reply) {
  j = json{{"peers", reply.peers},
           {"refused", reply.refused},
           {"refused_total", reply.refused_total},
           {"connections", reply.connections},
           {"listening_port", reply.listening_port},
           {"discovery", reply.discovery}};
  if (reply.sharing) j["sharing"] = *reply.sharing;
}

void from_json(const json& j, PeersReply& reply) {
  reply.peers = j.value("peers", std::vector<PeerState>{});
  reply.refused = j.value("refused", std::vector<RefusedKey>{});
  reply.refused_total = j.value("refused_total", std::uint64_t{0});
  reply.connections = j.value("connections", Connections{});
  reply.listening_port = j.value("listening_port", std::uint64_t{0});
  reply.sharing.reset();
  if (auto sharing = j.find("sharing"); sharing != j.end() && sharing->is_object()) {
    reply.sharing = sharing->get<Sharing>();
  }
  reply.discovery = j.value("discovery", DiscoveryState{});
}

void to_json(json& j, const Note& note) {
  j = json{{"id", note.id}, {"time", note.time}};
  if (note.unreadable) {
    j["unreadable"] = true;
  } else {
    j["text"] = note.text;
  }
}

void from_json(const json& j, Note& note) {
  note.id = j.value("id", std::int64_t{0});
  note.time = j.value("time", std::string());
  note.text = j.value("text", std::string());
  note.unreadable = j.value("unreadable", false);
}

void to_json(json& j, const SharingEnded& ended) {
  if (ended.by.empty()) {
    j = json{{"link_closed", ended.link_closed}};
    return;
  }
  j = json{{"by", ended.by},
           {"name", ended.name},
           {"by_me", ended.by_me},
           {"entry", ended.entry},
           {"time", FormatUtcMillis(ended.time_ms)},
           {"time_ms", ended.time_ms},
           {"link_closed", ended.link_closed}};
}

void from_json(const json& j, SharingEnded& ended) {
  ended.by = j.value("by", std::string());
  ended.name = j.value("name", std::string());
  ended.by_me = j.value("by_me", false);
  ended.entry = j.value("entry", std::string());
  ended.time_ms = j.value("time_ms", std::uint64_t{0});
  ended.link_closed = j.value("link_closed", false);
}

void to_json(json& j, const Sharing& sharing) {
  j = json{{"state", sharing.state}, {"paused", sharing.paused()}, {"partner_paused", sharing.partner_paused()}};
  if (sharing.paused()) {
    j["paused_since"] = FormatUtcMillis(sharing.paused_since_ms);
    j["paused_since_ms"] = sharing.paused_since_ms;
  }
  if (sharing.partner_paused()) {
    j["partner_paused_since"] = FormatUtcMillis(sharing.partner_paused_since_ms);
    j["partner_paused_since_ms"] = sharing.partner_paused_since_ms;
  }
  if (sharing.ended) j["ended"] = *sharing.ended;
}

void from_json(const json& j, Sharing& sharing) {
  sharing.state = j.value("state", std::string("sharing"));
  sharing.paused_since_ms = j.value("paused_since_ms", std::uint64_t{0});
  sharing.partner_paused_since_ms = j.value("partner_paused_since_ms", std::uint64_t{0});
  sharing.ended.reset();
  if (auto ended = j.find("ended"); ended != j.end() && ended->is_object()) sharing.ended = ended->get<SharingEnded>();
}

void to_json(json& j, const SharingLeaveRequest& request) {
  j = json::object();
  if (!request.note.empty()) j["note"] = request.note;
}

void from_json(const json& j, SharingLeaveRequest& request) { request.note = j.value("note", std::string()); }

void to_json(json& j, const DaemonStatus& status) {
  j = json{{"initialized", status.initialized},
           {"version", status.version},
           {"data_dir", status.data_dir},
           {"pid", status.pid},
           {"listen_port", status.listen_port}};
  if (!status.initialized) return;
  j["name"] = status.name;
  j["author"] = status.author;
  j["ledger"] = status.ledger;
  j["entries"] = status.entries;
  j["members"] = status.members;
  j["paired"] = status.paired;
  j["forks"] = status.forks;
  j["locked"] = status.locked;
  j["passphrase"] = status.passphrase;
  j["restore_hold"] = status.restore_hold;
  if (!status.partner.empty()) j["partner"] = status.partner;
  if (!status.partner_name.empty()) j["partner_name"] = status.partner_name;
  if (!status.transport_key.empty()) j["transport_key"] = status.transport_key;
  j["views"] = status.views;
  if (status.sharing) j["sharing"] = *status.sharing;
}

void from_json(const json& j, DaemonStatus& status) {
  status.initialized = j.value("initialized", false);
  status.version = j.value("version", std::string());
  status.data_dir = j.value("data_dir", std::string());
  status.pid = j.value("pid", std::int64_t{0});
  status.listen_port = j.value("listen_port", std::uint64_t{0});
  status.name = j.value("name", std::string());
  status.author = j.value("author", std::string());
  status.ledger = j.value("ledger", std::string());
  status.entries = j.value("entries", std::uint64_t{0});
  status.members = j.value("members", std::uint64_t{0});
  status.paired = j.value("paired", false);
  status.partner = j.value("partner", std::string());
  status.partner_name = j.value("partner_name", std::string());
  status.forks = j.value("forks", std::uint64_t{0});
  status.locked = j.value("locked", false);
  status.passphrase = j.value("passphrase", false);
  status.restore_hold = j.value("restore_hold", false);
  status.transport_key = j.value("transport_key", std::string());
  status.views = j.value("views", ViewsProgress{});
  status.sharing.reset();
  if (auto sharing = j.find("sharing"); sharing != j.end() && sharing->is_object()) {
    status.sharing = sharing->get<Sharing>();
  }
}

void to_json(json& j, const NotifyStatus& status) {
  j = json{{"settings", status.settings.ToJson()}, {"bus", status.bus},         {"shown", status.shown},
           {"held", status.held},                  {"quiet_now", status.quiet_now}, {"events", status.events}};
  if (!status.server.empty()) j["server"] = status.server;
  if (!status.last_click.empty()) j["last_click"] = status.last_click;
  if (status.next_reminder_ms != 0) {
    j["next_reminder"] = FormatUtcMillis(status.next_reminder_ms);
    j["next_reminder_ms"] = status.next_reminder_ms;
  }
  if (status.sent) j["sent"] = *status.sent;
}

void from_json(const json& j, NotifyStatus& status) {
  status.settings = NotifySettingsFromJson(j.value("settings", json::object()));
  status.bus = j.value("bus", std::string());
  status.server = j.value("server", std::string());
  status.shown = j.value("shown", std::uint64_t{0});
  status.held = j.value("held", std::uint64_t{0});
  status.quiet_now = j.value("quiet_now", false);
  status.next_reminder_ms = j.value("next_reminder_ms", std::uint64_t{0});
  status.last_click = j.value("last_click", std::string());
  status.events = j.value("events", std::vector<NotifyEventState>{});
  status.sent.reset();
  if (auto sent = j.find("sent"); sent != j.end()) status.sent = sent->get<bool>();
}

void to_json(json& j, const TalkAnswer& answer) {
  j = json{{"id", answer.id},
           {"answer", answer.answer},
           {"time", FormatUtcMillis(answer.time_ms)},
           {"time_ms", answer.time_ms}};
  if (answer.withdrawn) {
    j["withdrawn"] = true;
  } else if (!answer.note.empty()) {
    j["note"] = answer.note;
  }
}

void from_json(const json& j, TalkAnswer& answer) {
  answer.id = j.value("id", std::string());
  answer.answer = j.value("answer", std::string());
  answer.time_ms = j.value("time_ms", std::uint64_t{0});
  answer.note = j.value("note", std::string());
  answer.withdrawn = j.value("withdrawn", false);
}

namespace {

// The field that holds the words of each list of view.together.
struct TogetherList {
  const char* name;
  const char* words;
  std::vector<TogetherItem> TogetherReply::*items;
};
constexpr TogetherList kTogetherLists[] = {{"talks", "topic", &TogetherReply::talks},
                                           {"plans", "what", &TogetherReply::plans},
                                           {"statuses", "text", &TogetherReply::statuses},
                                           {"pauses", "note", &TogetherReply::pauses}};

json ItemJson(const TogetherItem& item, const char* words) {
  json one{{"id", item.id}, {"author", item.author}, {"time", FormatUtcMillis(item.time_ms)},
           {"time_ms", item.time_ms}};
  if (item.until_ms != 0) {
    one["until"] = FormatUtcMillis(item.until_ms);
    one["until_ms"] = item.until_ms;
  }
  if (!item.closed_by.empty()) one["closed_by"] = item.closed_by;
  if (item.withdrawn) {
    one["withdrawn"] = true;
  } else if (!item.words.empty()) {
    one[words] = item.words;
  }
  if (item.answer) one["answer"] = *item.answer;
  return one;
}

TogetherItem ItemFrom(const json& one, const char* words) {
  TogetherItem item;
  item.id = one.value("id", std::string());
  item.author = one.value("author", std::string());
  item.time_ms = one.value("time_ms", std::uint64_t{0});
  item.until_ms = one.value("until_ms", std::uint64_t{0});
  item.closed_by = one.value("closed_by", std::string());
  item.words = one.value(words, std::string());
  item.withdrawn = one.value("withdrawn", false);
  if (auto answer = one.find("answer"); answer != one.end() && answer->is_object()) {
    item.answer = answer->get<TalkAnswer>();
  }
  return item;
}

json ItemsJson(const std::vector<TogetherItem>& items, const char* words) {
  json list = json::array();
  for (const TogetherItem& item : items) list.push_back(ItemJson(item, words));
  return list;
}

std::vector<TogetherItem> ItemsFrom(const json& j, const char* list, const char* words) {
  std::vector<TogetherItem> items;
  for (const json& one : j.value(list, json::array())) items.push_back(ItemFrom(one, words));
  return items;
}

}  // namespace

void to_json(json& j, const TogetherReply& reply) {
  j = json::object();
  for (const TogetherList& list : kTogetherLists) j[list.name] = ItemsJson(reply.*list.items, list.words);
}

void from_json(const json& j, TogetherReply& reply) {
  for (const TogetherList& list : kTogetherLists) reply.*list.items = ItemsFrom(j, list.name, list.words);
}

namespace {

// The words a proposal may carry, by field.
constexpr std::string PendingProposal::*kProposalWords[] = {
    &PendingProposal::title, &PendingProposal::text, &PendingProposal::reason,
    &PendingProposal::phase, &PendingProposal::breach_named, &PendingProposal::note};
constexpr const char* kProposalWordNames[] = {"title", "text", "reason", "phase", "breach_named", "note"};

}  // namespace

void to_json(json& j, const PendingProposal& proposal) {
  j = json{{"id", proposal.id},
           {"kind", proposal.kind},
           {"author", proposal.author},
           {"time", FormatUtcMillis(proposal.time_ms)},
           {"time_ms", proposal.time_ms}};
  if (proposal.withdrawn) j["withdrawn"] = true;
  for (std::size_t i = 0; i < std::size(kProposalWords); ++i) {
    const std::string& words = proposal.*kProposalWords[i];
    if (!words.empty()) j[kProposalWordNames[i]] = words;
  }
  if (!proposal.agreement.empty()) {
    j["agreement"] = proposal.agreement;
    j["agreement_title"] = proposal.agreement_title;
  }
}

void from_json(const json& j, PendingProposal& proposal) {
  proposal.id = j.value("id", std::string());
  proposal.kind = j.value("kind", std::string());
  proposal.author = j.value("author", std::string());
  proposal.time_ms = j.value("time_ms", std::uint64_t{0});
  for (std::size_t i = 0; i < std::size(kProposalWords); ++i) {
    proposal.*kProposalWords[i] = j.value(kProposalWordNames[i], std::string());
  }
  proposal.withdrawn = j.value("withdrawn", false);
  proposal.agreement = j.value("agreement", std::string());
  proposal.agreement_title = j.value("agreement_title", std::string());
}

void to_json(json& j, const PendingReply& reply) {
  j = json{{"proposals", reply.proposals},
           {"talks", ItemsJson(reply.talks, "topic")},
           {"reviews_due", reply.reviews_due}};
}

void from_json(const json& j, PendingReply& reply) {
  reply.proposals = j.value("proposals", std::vector<PendingProposal>{});
  reply.talks = ItemsFrom(j, "talks", "topic");
  reply.reviews_due = j.value("reviews_due", std::vector<ReviewDue>{});
}

void to_json(json& j, const CheckIn& checkin) {
  j = json{{"note", checkin.note}};
  if (checkin.mood) j["mood"] = *checkin.mood;
  if (checkin.trust) j["trust"] = *checkin.trust;
}

void to_json(json& j, const AppendedReply& reply) {
  j = json{{"id", reply.id}, {"seq", reply.seq}, {"hlc", reply.hlc}, {"time", reply.time}};
  if (!reply.kind.empty()) j["kind"] = reply.kind;
}

void from_json(const json& j, AppendedReply& reply) {
  reply.id = j.value("id", std::string());
  reply.kind = j.value("kind", std::string());
  reply.seq = j.value("seq", std::uint64_t{0});
  reply.hlc = j.value("hlc", std::uint64_t{0});
  reply.time = j.value("time", std::string());
}

void to_json(json& j, const LogRequest& request) {
  j = json::object();
  if (request.limit != 0) j["limit"] = request.limit;
  if (request.before != 0) j["before"] = request.before;
}

void from_json(const json& j, LogRequest& request) {
  request.limit = j.value("limit", std::int64_t{0});
  request.before = j.value("before", std::int64_t{0});
}

void to_json(json& j, const LogEntry& entry) {
  j = json{{"rowid", entry.rowid}, {"id", entry.id},     {"author", entry.author},    {"seq", entry.seq},
           {"hlc", entry.hlc},     {"time", entry.time}, {"verified", entry.verified}};
  if (!entry.fault.empty()) j["fault"] = entry.fault;
  if (!entry.body.is_null()) j["body"] = entry.body;
  if (entry.withdrawn) j["withdrawn"] = true;
}

void from_json(const json& j, LogEntry& entry) {
  entry.rowid = j.value("rowid", std::int64_t{0});
  entry.id = j.value("id", std::string());
  entry.author = j.value("author", std::string());
  entry.seq = j.value("seq", std::uint64_t{0});
  entry.hlc = j.value("hlc", std::uint64_t{0});
  entry.time = j.value("time", std::string());
  entry.verified = j.value("verified", false);
  entry.fault = j.value("fault", std::string());
  entry.body = j.value("body", json());
  entry.withdrawn = j.value("withdrawn", false);
}

void to_json(json& j, const LogReply& reply) {
  j = json{{"entries", reply.entries}, {"next_before", reply.next_before ? json(*reply.next_before) : json()}};
}

void from_json(const json& j, LogReply& reply) {
  reply.entries = j.value("entries", std::vector<LogEntry>{});
  reply.next_before = j.contains("next_before") && !j["next_before"].is_null()
                          ? std::optional<std::int64_t>(j["next_before"].get<std::int64_t>())
                          : std::nullopt;
}

void to_json(json& j, const ExportRequest& request) {
  j = json::object();
  if (!request.from.empty()) j["from"] = request.from;
  if (!request.to.empty()) j["to"] = request.to;
}

void from_json(const json& j, ExportRequest& request) {
  request.from = j.value("from", std::string());
  request.to = j.value("to", std::string());
}

void to_json(json& j, const AgreementsRequest& request) {
  j = json::object();
  if (!request.state.empty()) j["state"] = request.state;
}

void from_json(const json& j, AgreementsRequest& request) { request.state = j.value("state", std::string()); }

namespace {

// The words a change may carry, by field.
constexpr std::pair<const char*, std::string AgreementChange::*> kChangeWords[] = {
    {"title", &AgreementChange::title},
    {"text", &AgreementChange::text},
    {"category", &AgreementChange::category},
    {"review", &AgreementChange::review},
    {"reason", &AgreementChange::reason}};

}  // namespace

void to_json(json& j, const AgreementChange& change) {
  j = json{{"id", change.id}, {"kind", change.kind}, {"author", change.author}, {"time", change.time}};
  for (const auto& [name, words] : kChangeWords) {
    if (!(change.*words).empty()) j[name] = change.*words;
  }
  if (change.withdrawn) j["withdrawn"] = true;
}

void from_json(const json& j, AgreementChange& change) {
  change.id = j.value("id", std::string());
  change.kind = j.value("kind", std::string());
  change.author = j.value("author", std::string());
  change.time = j.value("time", std::string());
  for (const auto& [name, words] : kChangeWords) change.*words = j.value(name, std::string());
  change.withdrawn = j.value("withdrawn", false);
}

void to_json(json& j, const AgreementEvent& event) {
  j = json{{"entry", event.entry}, {"kind", event.kind}, {"author", event.author}, {"time", event.time}};
  if (!event.status.empty()) j["status"] = event.status;
  if (!event.answered_by.empty()) j["answered_by"] = event.answered_by;
}

void from_json(const json& j, AgreementEvent& event) {
  event.entry = j.value("entry", std::string());
  event.kind = j.value("kind", std::string());
  event.author = j.value("author", std::string());
  event.time = j.value("time", std::string());
  event.status = j.value("status", std::string());
  event.answered_by = j.value("answered_by", std::string());
}

void to_json(json& j, const AgreementView& agreement) {
  j = json{{"id", agreement.id},
           {"state", agreement.state},
           {"category", agreement.category},
           {"title", agreement.title},
           {"text", agreement.text},
           {"proposer", agreement.proposer},
           {"proposed", agreement.proposed},
           {"version", agreement.version},
           {"signed_by", agreement.signed_by},
           {"outcomes", agreement.outcomes},
           {"open_changes", agreement.open_changes},
           {"history", agreement.history}};
  if (agreement.withdrawn) j["withdrawn"] = true;
  if (!agreement.since.empty()) j["since"] = agreement.since;
  if (!agreement.review.empty()) j["review"] = agreement.review;
}

void from_json(const json& j, AgreementView& agreement) {
  for (const auto& [name, value] : {std::pair{"id", &agreement.id},
                                    {"state", &agreement.state},
                                    {"category", &agreement.category},
                                    {"title", &agreement.title},
                                    {"text", &agreement.text},
                                    {"proposer", &agreement.proposer},
                                    {"proposed", &agreement.proposed},
                                    {"since", &agreement.since},
                                    {"review", &agreement.review}}) {
    *value = j.value(name, std::string());
  }
  agreement.withdrawn = j.value("withdrawn", false);
  agreement.version = j.value("version", std::int64_t{0});
  agreement.signed_by = j.value("signed_by", std::vector<std::string>{});
  agreement.outcomes = j.value("outcomes", std::map<std::string, AgreementOutcomes>{});
  agreement.open_changes = j.value("open_changes", std::vector<AgreementChange>{});
  agreement.history = j.value("history", std::vector<AgreementEvent>{});
}

void to_json(json& j, const TrendsRequest& request) {
  j = json::object();
  if (!request.from.empty()) j["from"] = request.from;
  if (!request.to.empty()) j["to"] = request.to;
}

void from_json(const json& j, TrendsRequest& request) {
  request.from = j.value("from", std::string());
  request.to = j.value("to", std::string());
}

namespace {

constexpr std::pair<const char*, std::optional<double> TrendDay::*> kTrendScales[] = {
    {"mood", &TrendDay::mood},
    {"mood_avg7", &TrendDay::mood_avg7},
    {"trust", &TrendDay::trust},
    {"trust_avg7", &TrendDay::trust_avg7}};

}  // namespace

void to_json(json& j, const TrendDay& day) {
  j = json{{"date", day.date}};
  for (const auto& [name, scale] : kTrendScales) {
    if (day.*scale) j[name] = *(day.*scale);
  }
}

void from_json(const json& j, TrendDay& day) {
  day.date = j.value("date", std::string());
  for (const auto& [name, scale] : kTrendScales) {
    day.*scale = j.contains(name) ? std::optional<double>(j.at(name).get<double>()) : std::nullopt;
  }
}

void to_json(json& j, const PhaseNow& phase) {
  j = json{{"current", phase.current}};
  if (!phase.since.empty()) j["since"] = phase.since;
  if (!phase.breach_named.empty()) j["breach_named"] = phase.breach_named;
  if (phase.days_since_breach) j["days_since_breach"] = *phase.days_since_breach;
}

void from_json(const json& j, PhaseNow& phase) {
  phase.current = j.value("current", std::string());
  phase.since = j.value("since", std::string());
  phase.breach_named = j.value("breach_named", std::string());
  phase.days_since_breach = j.contains("days_since_breach")
                                ? std::optional<std::int64_t>(j.at("days_since_breach").get<std::int64_t>())
                                : std::nullopt;
}

namespace {

// A timeline request's filters, each sent only when given.
constexpr std::pair<const char*, std::string TimelineRequest::*> kTimelineFilters[] = {
    {"before", &TimelineRequest::before}, {"author", &TimelineRequest::author}, {"kind", &TimelineRequest::kind},
    {"from", &TimelineRequest::from},     {"to", &TimelineRequest::to}};

}  // namespace

void to_json(json& j, const TimelineRequest& request) {
  j = json::object();
  if (request.limit != 0) j["limit"] = request.limit;
  for (const auto& [name, filter] : kTimelineFilters) {
    if (!(request.*filter).empty()) j[name] = request.*filter;
  }
}

void from_json(const json& j, TimelineRequest& request) {
  request.limit = j.value("limit", std::int64_t{0});
  for (const auto& [name, filter] : kTimelineFilters) request.*filter = j.value(name, std::string());
}

void to_json(json& j, const TimelineEntry& entry) {
  to_json(j, static_cast<const LogEntry&>(entry));
  j["kind"] = entry.kind;
  j["applied"] = entry.applied;
  j["cursor"] = entry.cursor;
  if (!entry.name.empty()) j["name"] = entry.name;
  if (!entry.applied) {
    j["reason_code"] = entry.reason_code;
    j["reason"] = entry.reason;
  }
  if (!entry.ref.empty()) j["ref"] = entry.ref;
  if (!entry.corrections.empty()) j["corrections"] = entry.corrections;
}

void from_json(const json& j, TimelineEntry& entry) {
  from_json(j, static_cast<LogEntry&>(entry));
  for (const auto& [name, value] : {std::pair{"name", &entry.name}, {"kind", &entry.kind},
                                    {"reason_code", &entry.reason_code}, {"reason", &entry.reason},
                                    {"ref", &entry.ref}, {"cursor", &entry.cursor}}) {
    *value = j.value(name, std::string());
  }
  entry.applied = j.value("applied", false);
  entry.corrections = j.value("corrections", std::vector<std::string>{});
}

void to_json(json& j, const TimelineReply& reply) {
  j = json{{"entries", reply.entries}, {"next_before", reply.next_before ? json(*reply.next_before) : json()}};
}

void from_json(const json& j, TimelineReply& reply) {
  reply.entries = j.value("entries", std::vector<TimelineEntry>{});
  reply.next_before = j.contains("next_before") && j["next_before"].is_string()
                          ? std::optional<std::string>(j["next_before"].get<std::string>())
                          : std::nullopt;
}

namespace {

// The top-level keys `example` is written with.
template <class Message>
std::vector<std::string> FieldsOf(const Message& example) {
  const json j = example;
  std::vector<std::string> fields;
  for (const auto& [name, value] : j.items()) fields.push_back(name);
  return fields;
}

}  // namespace

std::vector<MessageSpec> MessageSpecs() {
  // Every optional field present, so that every key is written.
  const Sharing sharing{"ended", 1, 1, SharingEnded{"ab", "Sam", false, "cd", 1, true}};
  DaemonStatus status;
  status.initialized = true;
  status.partner = "ab";
  status.partner_name = "Sam";
  status.transport_key = "a key";
  status.sharing = sharing;
  PairStatus pair;
  pair.partner = "ab";
  pair.invite = OpenInvite{"123-a-b-c-d", 1, 0};
  pair.joining = true;
  PeersReply peers;
  peers.sharing = sharing;
  peers.discovery.enabled = true;
  NotifyStatus notify;
  notify.server = "a server";
  notify.last_click = "today";
  notify.next_reminder_ms = 1;
  NotifyStatus tested = notify;
  tested.sent = true;
  const std::vector<std::string> none;
  return {
      {Method::kStatus, none, FieldsOf(status)},
      {Method::kPairInvite, FieldsOf(PairInviteRequest{600}), FieldsOf(PairInviteReply{})},
      {Method::kPairJoin, FieldsOf(PairJoinRequest{"123-a-b-c-d", "10.0.0.2:47474"}), FieldsOf(pair)},
      {Method::kPairStatus, none, FieldsOf(pair)},
      {Method::kPairConfirm, none, FieldsOf(pair)},
      {Method::kPairCarry, none, FieldsOf(PairCarryReply{})},
      {Method::kPeers, none, FieldsOf(peers)},
      {Method::kPeerAdd, FieldsOf(PeerAddRequest{}), FieldsOf(peers)},
      {Method::kNoteAdd, FieldsOf(NoteAddRequest{}), FieldsOf(NoteAddReply{})},
      {Method::kNotes, none, FieldsOf(NoteListReply{})},
      {Method::kNoteDelete, FieldsOf(NoteDeleteRequest{}), FieldsOf(NoteDeleteReply{})},
      {Method::kSharingStatus, none, FieldsOf(sharing)},
      {Method::kSharingPause, none, FieldsOf(sharing)},
      {Method::kSharingResume, none, FieldsOf(sharing)},
      {Method::kSharingLeave, FieldsOf(SharingLeaveRequest{"a last word"}), FieldsOf(SharingLeaveReply{})},
      {Method::kSharingWithdrawMine, none, FieldsOf(WithdrawMineReply{})},
      {Method::kNotifyStatus, none, FieldsOf(notify)},
      {Method::kNotifySet, FieldsOf(NotifySettings{}.ToJson()), FieldsOf(notify)},
      {Method::kNotifyTest, none, FieldsOf(tested)},
      // Requests that carry a passphrase are JSON only (see the header).
      {Method::kInit, {"name", "passphrase"}, FieldsOf(status)},
      {Method::kRestore, {"path", "passphrase", "force"}, FieldsOf(status)},
      {Method::kUnlock, {"passphrase"}, FieldsOf(LockedReply{})},
      {Method::kLock, none, FieldsOf(LockedReply{})},
      {Method::kPassphraseSet, {"passphrase", "current"}, FieldsOf(PassphraseReply{})},
      {Method::kPassphraseRemove, {"current"}, FieldsOf(PassphraseReply{})},
      {Method::kBackup, {"path", "passphrase", "force"}, FieldsOf(BackupReply{})},
      {Method::kCheckIn, FieldsOf(CheckIn{"a note", 5, 5}), FieldsOf(AppendedReply{})},
      {Method::kAppend, {"kind"}, FieldsOf(AppendedReply{"ab", "talk.request", 1, 1, "now"})},
      {Method::kLog, FieldsOf(LogRequest{50, 7}), FieldsOf(LogReply{})},
      {Method::kVerify, none, FieldsOf(VerifyReply{})},
      {Method::kPending, none, FieldsOf(PendingReply{})},
      {Method::kTogether, none, FieldsOf(TogetherReply{})},
      {Method::kAgreements, FieldsOf(AgreementsRequest{"active"}), FieldsOf(AgreementsReply{})},
      {Method::kTimeline, FieldsOf(TimelineRequest{50, "cursor", "me", "checkin", "2026-01-01", "2026-01-31"}),
       FieldsOf(TimelineReply{})},
      {Method::kTrends, FieldsOf(TrendsRequest{"2026-01-01", "2026-01-31"}), FieldsOf(TrendsReply{})},
  };
}

}  // namespace kintsugi::protocol
