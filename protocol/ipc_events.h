// The daemon's events (docs/PROTOCOL.md, "Local IPC"): the fields each topic
// carries, declared once for the daemon that publishes them and the programs
// that read them. No event carries the ledger's words.
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/ipc.h"

namespace kintsugi::protocol {

// entry.appended: an entry stored, written here or pushed live by the partner.
struct EntryAppendedEvent {
  std::string id;      // hex
  std::string author;  // hex
  std::uint64_t seq = 0;
  std::uint64_t hlc = 0;
  std::string kind;   // empty for the partner's entries
  bool local = true;  // written on this device
};
// peer.up, peer.down: the link to the partner came or went.
struct PeerEvent {
  std::uint64_t time_ms = 0;
};
// sync.progress: a catch-up batch stored (its entries get no entry.appended).
struct SyncProgressEvent {
  std::string author;  // hex
  std::uint64_t stored = 0;
  std::uint64_t head = 0;    // the author's chain head now
  std::uint64_t behind = 0;  // entries the partner said it has beyond it
};
// fork.detected: the partner's history was rewritten (evidence kept).
struct ForkDetectedEvent {
  std::string author;  // hex
};
// pair.completed
struct PairCompletedEvent {
  std::string partner;  // hex
};
// verify.failed
struct VerifyFailedEvent {
  std::uint64_t faults = 0;  // how many `verify` found
};
// window.open: a notification was clicked while a window runs.
struct WindowOpenEvent {
  std::string screen;  // today, pending, agreements or together
};
// peer.reset, vault.locked and vault.unlocked carry no fields;
// sharing.changed carries the `sharing` object of sharing.status.

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(EntryAppendedEvent, id, author, seq, hlc, kind, local)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PeerEvent, time_ms)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SyncProgressEvent, author, stored, head, behind)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ForkDetectedEvent, author)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PairCompletedEvent, partner)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(VerifyFailedEvent, faults)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(WindowOpenEvent, screen)

// Every topic the daemon publishes and the fields its event carries (the
// sharing object's are those of sharing.status, listed there: none here).
struct EventSpec {
  std::string_view topic;
  std::vector<std::string> fields;
};
std::vector<EventSpec> EventSpecs();

}  // namespace kintsugi::protocol
