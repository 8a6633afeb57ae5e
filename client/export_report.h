// The export for a counsellor as sections of tables: what every format of
// client/export_format.h renders, so that Markdown, HTML and CSV say the same
// things in the same order. Internal to the export renderers.
//
// Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace kintsugi::client::export_report {

struct Table {
  std::string caption;  // "" for a section's only table
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each as wide as `columns`
  std::string note = "";  // a paragraph under the caption, or ""
};

struct Section {
  std::string key;    // stable name: "agreements", "checkins", ... (the CSV's section column)
  std::string title;  // for people
  std::vector<std::string> paragraphs;
  std::vector<Table> tables;
};

// One partner's daily mood and trust, for the HTML charts.
struct Series {
  std::string partner;
  struct Point {
    std::int64_t day = 0;  // days since 1970-01-01
    std::optional<double> mood, mood_avg7, trust, trust_avg7;
  };
  std::vector<Point> points;
};

struct Report {
  std::string title;                 // "Kintsugi: Alex and Sam"
  std::vector<std::string> summary;  // the range, who, when generated; the empty sentence
  bool empty = false;
  std::int64_t from_day = 0, to_day = 0;
  std::vector<Section> sections;
  std::vector<Series> trends;        // the charts (HTML), before the "trends" section's tables
  std::string footer;
};

// The report of an export document. Fails with kMalformed when `doc` is not
// an export document this version understands.
Result<Report> BuildReport(const nlohmann::json& doc);

}  // namespace kintsugi::client::export_report
