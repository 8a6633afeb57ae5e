// protocol/ipc_events.h: each event's fields, declared once, and
// docs/PROTOCOL.md's table of events held to them.
#include "protocol/ipc_events.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "tests/protocol/doc_tables.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

TEST(IpcEvents, AnEventIsTheJsonItsReaderReadsBack) {
  EntryAppendedEvent sent{"ab", "cd", 7, 9, "checkin", false};
  json data = sent;
  EXPECT_EQ(data["local"], false);
  auto read = ReadMessage<EntryAppendedEvent>(data);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->id, "ab");
  EXPECT_EQ(read->seq, 7u);
  EXPECT_FALSE(read->local);
  // A missing field takes its default; a field of the wrong type is no event.
  EXPECT_EQ(ReadMessage<WindowOpenEvent>(json::object())->screen, "");
  EXPECT_FALSE(ReadMessage<WindowOpenEvent>(json{{"screen", 3}}).has_value());
  EXPECT_FALSE(ReadMessage<EntryAppendedEvent>(json{{"seq", "seven"}}).has_value());
}

// The table's rows: each topic in the first column, and the names its
// second gives.
std::map<std::string, std::set<std::string>> DocumentedEvents() {
  std::map<std::string, std::set<std::string>> events;
  for (const auto& cells : testing::ProtocolTable("| event | fields |")) {
    if (cells.size() < 2) continue;
    for (const std::string& topic : testing::NamesIn(cells[0])) events[topic] = testing::NamesIn(cells[1]);
  }
  return events;
}

TEST(IpcEvents, TheProtocolsTableOfEventsIsTheDeclaredOne) {
  const auto documented = DocumentedEvents();
  ASSERT_FALSE(documented.empty()) << "docs/PROTOCOL.md has no table of events";
  std::set<std::string> declared;
  for (const EventSpec& spec : EventSpecs()) {
    const std::string topic(spec.topic);
    declared.insert(topic);
    auto row = documented.find(topic);
    ASSERT_NE(row, documented.end()) << topic << " is not in docs/PROTOCOL.md";
    if (topic == kEventSharingChanged) {
      // "the `sharing` object, as `sharing.status`"
      EXPECT_EQ(row->second, (std::set<std::string>{"sharing", "sharing.status"}));
      continue;
    }
    EXPECT_EQ(row->second, std::set<std::string>(spec.fields.begin(), spec.fields.end())) << topic;
  }
  for (const auto& [topic, fields] : documented) EXPECT_TRUE(declared.contains(topic)) << topic << " is not declared";
}

}  // namespace
}  // namespace kintsugi::protocol
