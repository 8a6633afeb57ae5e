// The window's view-model (see view_model.h): what it reads from the daemon.
// Refresh() asks for every view the screens show in one read (Inputs() on
// the window's thread, Read() on the worker's, Adopt() back on the
// window's); then the timeline's filters and the pages read further down.
#include <algorithm>

#include "base/local_time.h"
#include "client/json_fields.h"
#include "protocol/kinds.h"
#include "ui/view_model.h"
#include "ui/view_model_internal.h"

namespace kintsugi::ui {
namespace {

using nlohmann::json;

constexpr std::size_t kTimelinePage = 100;
constexpr std::size_t kTimelineReadMax = 1000;  // the daemon's largest page

}  // namespace

struct ViewModel::ReadInputs {
  std::string kind, author, from, to;  // the timeline's filters
  std::string oldest;                  // the oldest entry shown, when more than the first page is
  std::size_t shown = 0;               // how many entries are shown
  std::int64_t today = 0;              // the local day
  std::uint64_t generation = 0;        // timeline_generation_ then
};

// What a read brought: each part stays as it was (null) when its request failed.
struct ViewModel::Snapshot {
  ReadInputs inputs;
  Result<protocol::DaemonStatus> status = protocol::DaemonStatus{};
  bool silent = false;  // `status` failed as a daemon that is there but said nothing in time
  bool views = false;  // initialised and unlocked: the views below were asked for
  std::optional<protocol::AgreementsReply> agreements;
  std::optional<protocol::NoteListReply> notes;
  std::optional<protocol::TrendsReply> trends;
  std::optional<protocol::PendingReply> pending;
  std::optional<protocol::TogetherReply> together;
  std::optional<protocol::PairStatus> pair;
  std::optional<protocol::PeersReply> peers;
  bool timeline_read = false;
  std::vector<protocol::TimelineEntry> timeline;
  std::optional<std::string> timeline_next;
  std::vector<protocol::TimelineEntry> partner_feelings;
  std::vector<protocol::TimelineEntry> partner_checkins;
  std::string last_word;
};

namespace {

// A view.timeline request: the filters, `limit`, and `before` when given.
json TimelineParams(const std::string& kind, const std::string& author, const std::string& from,
                    const std::string& to, std::size_t limit, const std::optional<std::string>& before) {
  return protocol::TimelineRequest{static_cast<std::int64_t>(limit), before.value_or(""), author, kind, from, to};
}

// A view.timeline reply; nullopt for one that fails or does not read.
std::optional<protocol::TimelineReply> TimelineOf(const Result<json>& r) {
  if (!r.ok()) return std::nullopt;
  return protocol::ReadMessage<protocol::TimelineReply>(*r);
}

}  // namespace

ViewModel::ReadInputs ViewModel::Inputs() const {
  ReadInputs in{timeline_kind_, timeline_author_, timeline_from_, timeline_to_, "", timeline_.size(), LocalToday(),
                timeline_generation_};
  if (timeline_.size() > kTimelinePage) in.oldest = timeline_.back().cursor;
  return in;
}

ViewModel::Snapshot ViewModel::Read(DaemonLink& link, const ReadInputs& in) {
  Snapshot snap;
  snap.inputs = in;
  // A call the daemon leaves unanswered (it is frozen, or went away) ends
  // the read: each call after it would wait as long again, and a person's
  // request queued behind the read with them. The read then fails as a
  // status that was not answered does.
  std::optional<Error> lost;
  auto ask = [&](std::string_view method, const json& params) -> Result<json> {
    if (lost) return *lost;
    auto r = link.Call(method, params);
    if (!r.ok() && !link.answered()) {
      lost = r.error();
      snap.silent = link.silent();
    }
    return r;
  };
  auto status = ask("status", json::object());
  if (!status.ok()) {
    snap.status = status.take_error();
    return snap;
  }
  auto read_status = protocol::ReadMessage<protocol::DaemonStatus>(*status);
  if (!read_status) {
    snap.status = MakeError(ErrorCode::kMalformed, "its status could not be read");
    return snap;
  }
  snap.status = *read_status;
  if (!read_status->initialized || read_status->locked) return snap;
  snap.views = true;
  auto read = [&](std::string_view method, json params, json& into) {
    auto r = ask(method, params);
    if (r.ok()) into = std::move(r).value();
    return r.ok();
  };
  if (json pending; read("view.pending", json::object(), pending)) {
    snap.pending = protocol::ReadMessage<protocol::PendingReply>(pending);
  }
  if (json agreements; read("view.agreements", protocol::AgreementsRequest{}, agreements)) {
    snap.agreements = protocol::ReadMessage<protocol::AgreementsReply>(agreements);
  }
  if (json trends; read("view.trends", protocol::TrendsRequest{}, trends)) {
    snap.trends = protocol::ReadMessage<protocol::TrendsReply>(trends);
  }
  if (json together; read("view.together", json::object(), together)) {
    snap.together = protocol::ReadMessage<protocol::TogetherReply>(together);
  }
  if (json pair; read("pair.status", json::object(), pair)) {
    snap.pair = protocol::ReadMessage<protocol::PairStatus>(pair);
  }
  if (json peers; read("peers", json::object(), peers)) {
    snap.peers = protocol::ReadMessage<protocol::PeersReply>(peers);
  }
  if (json notes; read("note.list", json::object(), notes)) {
    snap.notes = protocol::ReadMessage<protocol::NoteListReply>(notes);
  }

  // The timeline's first page. When more than the first page is shown,
  // everything shown is read again, down to the oldest entry shown: an entry
  // that arrived from the partner may belong among older pages, and a
  // withdrawal takes words out of them.
  const std::size_t most = in.shown + kTimelineReadMax;  // when the oldest is filtered out now
  std::optional<std::string> cursor;
  snap.timeline_read = true;
  for (;;) {
    auto page = TimelineOf(ask("view.timeline", TimelineParams(in.kind, in.author, in.from, in.to,
                                                               in.oldest.empty() ? kTimelinePage : kTimelineReadMax,
                                                               cursor)));
    if (!page) {
      snap.timeline_read = false;
      break;
    }
    bool found = false;
    std::size_t used = 0;
    for (auto& e : page->entries) {
      ++used;
      found = !in.oldest.empty() && e.cursor == in.oldest;
      snap.timeline.push_back(std::move(e));
      if (found) break;
    }
    snap.timeline_next = std::move(page->next_before);
    if (found && used < page->entries.size()) snap.timeline_next = snap.timeline.back().cursor;  // more after it
    if (in.oldest.empty() || found || !snap.timeline_next || snap.timeline.size() >= most) break;
    cursor = snap.timeline_next;
  }

  // The partner's check-ins of today, with their words: feelings, and the
  // free ones (a word about their day).
  if (read_status->paired) {
    for (auto [kind, into] :
         {std::pair{"feelings", &snap.partner_feelings}, std::pair{"checkin", &snap.partner_checkins}}) {
      auto page = TimelineOf(ask("view.timeline", protocol::TimelineRequest{5, "", "partner", kind,
                                                                            protocol::DateFromDay(in.today), ""}));
      if (page) *into = std::move(page->entries);
    }
  }
  // The partner's last word, when they left.
  const auto& sharing = read_status->sharing;
  if (sharing && sharing->ended && !sharing->ended->by_me) {
    auto leave = TimelineOf(ask("view.timeline", protocol::TimelineRequest{1, "", "", "leave", "", ""}));
    if (leave && !leave->entries.empty() && leave->entries[0].body.is_object()) {
      snap.last_word = leave->entries[0].body.value("note", "");
    }
  }
  if (lost) snap.status = std::move(*lost);
  return snap;
}

void ViewModel::Adopt(Snapshot snap) {
  answered_ = true;
  if (!snap.status.ok()) {
    connected_ = false;
    daemon_silent_ = snap.silent;
    connection_problem_ = snap.status.error().message;
    stale_ = true;  // asked again at the next frame
    return;
  }
  if (!connected_ && starting_) last_notice_ = Notice{};  // "Starting Kintsugi..." is done
  connected_ = was_connected_ = true;
  daemon_silent_ = false;
  connection_problem_.clear();
  status_ = std::move(snap.status).value();
  if (!initialized()) {
    screen_ = Screen::kFirstRun;
    return;
  }
  if (screen_ == Screen::kFirstRun) screen_ = paired() ? Screen::kToday : Screen::kPair;
  me_ = status_.author;
  if (!snap.views) {
    // Nothing that was opened stays in the window while the keys are closed.
    agreements_ = protocol::AgreementsReply{};
    trends_ = protocol::TrendsReply{};
    pending_ = protocol::PendingReply{};
    together_ = protocol::TogetherReply{};
    notes_.clear();
    timeline_.clear();
    partner_feelings_.clear();
    partner_checkins_.clear();
    timeline_next_.reset();
    ++timeline_generation_;
    return;
  }
  if (snap.agreements) agreements_ = std::move(*snap.agreements);
  if (snap.notes) notes_ = std::move(snap.notes->notes);
  if (snap.trends) trends_ = std::move(*snap.trends);
  if (snap.pending) pending_ = std::move(*snap.pending);
  if (snap.together) together_ = std::move(*snap.together);
  if (snap.pair) pair_ = std::move(*snap.pair);
  if (snap.peers) peers_ = std::move(*snap.peers);
  if (pair_.invite) {
    invite_expires_ms_ = pair_.invite->expires_ms;
  } else if (paired()) {
    invite_expires_ms_.reset();
  }
  if (snap.timeline_read) {
    if (snap.inputs.generation == timeline_generation_) {
      timeline_ = std::move(snap.timeline);
      timeline_next_ = std::move(snap.timeline_next);
      ++timeline_generation_;
    } else {
      stale_ = true;  // the filters or the pages changed meanwhile: read them again
    }
  }
  partner_feelings_ = std::move(snap.partner_feelings);
  partner_checkins_ = std::move(snap.partner_checkins);
  last_word_ = std::move(snap.last_word);
}

bool ViewModel::Refresh() {
  if (starting_ && start_daemon_.watch) {
    if (std::optional<Status> went = start_daemon_.watch()) {
      starting_ = false;
      if (!went->ok()) Failed(went->error());
    }
  }
  if (reading_) return connected_;  // stale_ stays: another read follows this one
  stale_ = false;
  reading_ = true;
  ++in_flight_;
  Run([this, in = Inputs()](DaemonLink& link) {
    auto snap = std::make_shared<Snapshot>(Read(link, in));
    return std::function<void()>([this, snap] {
      reading_ = false;
      --in_flight_;
      Adopt(std::move(*snap));
    });
  });
  return connected_;
}

void ViewModel::SetTimelineFilter(std::string kind, std::string author) {
  timeline_kind_ = std::move(kind);
  timeline_author_ = std::move(author);
  timeline_.clear();
  timeline_next_.reset();
  ++timeline_generation_;
  Refresh();
}

Notice ViewModel::ApplyTimelineDays() {
  const std::string from = Trimmed(timeline_from_input);
  const std::string to = Trimmed(timeline_to_input);
  for (const std::string* date : {&from, &to}) {
    if (!date->empty() && !protocol::DayFromDate(*date)) {
      return Failed(MakeError(ErrorCode::kInvalidArgument, "'" + *date + "' is not a date like 2026-11-26"));
    }
  }
  if (!from.empty() && !to.empty() && *protocol::DayFromDate(from) > *protocol::DayFromDate(to)) {
    return Failed(MakeError(ErrorCode::kInvalidArgument, "the first day must not be after the last"));
  }
  timeline_from_ = from;
  timeline_to_ = to;
  timeline_.clear();
  timeline_next_.reset();
  ++timeline_generation_;
  Refresh();
  return Done(from.empty() && to.empty() ? "Showing every day." : "Showing " + (from.empty() ? "the start" : from) +
                                                                      " to " + (to.empty() ? "today" : to) + ".");
}

bool ViewModel::LoadMoreTimeline() {
  if (!timeline_next_ || loading_more_) return false;
  loading_more_ = true;
  ++in_flight_;
  const json params = TimelineParams(timeline_kind_, timeline_author_, timeline_from_, timeline_to_, kTimelinePage,
                                     timeline_next_);
  Run([this, params, generation = timeline_generation_](DaemonLink& link) {
    auto r = std::make_shared<Result<json>>(link.Call("view.timeline", params));
    return std::function<void()>([this, r, generation] {
      loading_more_ = false;
      --in_flight_;
      if (generation != timeline_generation_) return;  // asked again when scrolled there
      auto page = TimelineOf(*r);
      if (!page) return;
      for (auto& e : page->entries) timeline_.push_back(std::move(e));
      timeline_next_ = std::move(page->next_before);
      ++timeline_generation_;
    });
  });
  return true;
}

}  // namespace kintsugi::ui
