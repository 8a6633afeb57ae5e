#include "protocol/ipc_events.h"

namespace kintsugi::protocol {
namespace {

template <class Event>
std::vector<std::string> FieldsOf() {
  const nlohmann::json example = Event{};
  std::vector<std::string> fields;
  for (const auto& [name, value] : example.items()) fields.push_back(name);
  return fields;
}

}  // namespace

std::vector<EventSpec> EventSpecs() {
  return {
      {kEventEntryAppended, FieldsOf<EntryAppendedEvent>()},
      {kEventPeerUp, FieldsOf<PeerEvent>()},
      {kEventPeerDown, FieldsOf<PeerEvent>()},
      {kEventSyncProgress, FieldsOf<SyncProgressEvent>()},
      {kEventForkDetected, FieldsOf<ForkDetectedEvent>()},
      {kEventPeerReset, {}},
      {kEventPaired, FieldsOf<PairCompletedEvent>()},
      {kEventLocked, {}},
      {kEventUnlocked, {}},
      {kEventSharingChanged, {}},
      {kEventVerifyFailed, FieldsOf<VerifyFailedEvent>()},
      {kEventWindowOpen, FieldsOf<WindowOpenEvent>()},
  };
}

}  // namespace kintsugi::protocol
