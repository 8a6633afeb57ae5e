// Reading docs/PROTOCOL.md's tables, for the tests that hold them to the
// declarations in protocol/: a table's rows, and the names a cell gives.
//
// Thread-safety: test-thread only.
#pragma once

#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "base/files.h"

namespace kintsugi::protocol::testing {

// The rows of the table in docs/PROTOCOL.md whose header row starts with
// `header` ("| event | fields |"), each split into its cells; empty when
// there is no such table.
inline std::vector<std::vector<std::string>> ProtocolTable(const std::string& header) {
  std::vector<std::vector<std::string>> rows;
  auto bytes = base::ReadFile(std::string(KINTSUGI_SOURCE_DIR) + "/docs/PROTOCOL.md", 1 << 20, "a document");
  if (!bytes.ok()) return rows;
  const std::string doc(bytes->begin(), bytes->end());
  const auto table = doc.find(header);
  if (table == std::string::npos) return rows;
  std::istringstream lines(doc.substr(table));
  std::string line;
  std::getline(lines, line);  // the header
  std::getline(lines, line);  // |---|---|
  while (std::getline(lines, line) && line.starts_with("|")) {
    std::vector<std::string> cells;
    std::size_t start = 1;
    for (std::size_t bar = line.find('|', start); bar != std::string::npos; bar = line.find('|', start)) {
      cells.push_back(line.substr(start, bar - start));
      start = bar + 1;
    }
    rows.push_back(std::move(cells));
  }
  return rows;
}

// The backticked names in `cell` ("`author`, `seq` (`hlc` ...)"), without
// those inside parentheses, which say more of the one before them.
inline std::set<std::string> NamesIn(std::string cell) {
  const std::regex parenthesised("\\([^()]*\\)");
  for (std::string inner; (inner = std::regex_replace(cell, parenthesised, "")) != cell;) cell = inner;
  const std::regex quoted("`([a-z_.]+)`");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(cell.begin(), cell.end(), quoted); it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1]);
  }
  return names;
}

}  // namespace kintsugi::protocol::testing
