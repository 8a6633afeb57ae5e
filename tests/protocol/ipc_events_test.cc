// protocol/ipc_events.h: each event's fields, declared once, and
// docs/PROTOCOL.md's table of events held to them.
#include "protocol/ipc_events.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "base/files.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

TEST(IpcEvents, AnEventIsTheJsonItsReaderReadsBack) {
  EntryAppendedEvent sent{"ab", "cd", 7, 9, "checkin", false};
  json data = sent;
  EXPECT_EQ(data["local"], false);
  auto read = ReadEvent<EntryAppendedEvent>(data);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->id, "ab");
  EXPECT_EQ(read->seq, 7u);
  EXPECT_FALSE(read->local);
  // A missing field takes its default; a field of the wrong type is no event.
  EXPECT_EQ(ReadEvent<WindowOpenEvent>(json::object())->screen, "");
  EXPECT_FALSE(ReadEvent<WindowOpenEvent>(json{{"screen", 3}}).has_value());
  EXPECT_FALSE(ReadEvent<EntryAppendedEvent>(json{{"seq", "seven"}}).has_value());
}

// The table's rows: each topic in the first column, and the backticked
// names of the second outside parentheses.
std::map<std::string, std::set<std::string>> DocumentedEvents() {
  std::map<std::string, std::set<std::string>> events;
  auto bytes = base::ReadFile(std::string(KINTSUGI_SOURCE_DIR) + "/docs/PROTOCOL.md", 1 << 20, "a document");
  if (!bytes.ok()) return events;  // the test says the table is missing
  const std::string doc(bytes->begin(), bytes->end());
  const auto table = doc.find("| event | fields |");
  if (table == std::string::npos) return events;
  std::istringstream rows(doc.substr(table));
  std::string row;
  std::getline(rows, row);  // the header
  std::getline(rows, row);  // |---|---|
  const std::regex quoted("`([a-z_.]+)`");
  const std::regex parenthesised("\\([^()]*\\)");
  while (std::getline(rows, row) && row.starts_with("|")) {
    const auto middle = row.find('|', 1);
    const std::string topics = row.substr(1, middle - 1);
    const std::string fields = std::regex_replace(row.substr(middle + 1), parenthesised, "");
    std::set<std::string> names;
    for (auto it = std::sregex_iterator(fields.begin(), fields.end(), quoted); it != std::sregex_iterator(); ++it) {
      names.insert((*it)[1]);
    }
    for (auto it = std::sregex_iterator(topics.begin(), topics.end(), quoted); it != std::sregex_iterator(); ++it) {
      events[(*it)[1]] = names;
    }
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
