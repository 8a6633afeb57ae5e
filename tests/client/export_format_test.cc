// The export renderers (client/export_format.h) on hand-made documents with
// hostile text, on an empty range, and on a real ledger's export. (The
// private file an export is saved to is tested in tests/base/files_test.cc.)
#include "client/export_format.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/export.h"
#include "daemon/sample_history.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::client {
namespace {

using daemon::testing::TempDir;
using nlohmann::json;

constexpr ExportFormat kAll[] = {ExportFormat::kMarkdown, ExportFormat::kHtml, ExportFormat::kCsv,
                                 ExportFormat::kJson};
const std::string kHostileTitle = "<script>alert(1)</script> Rock & roll | pipes";
const std::string kAwkwardText = "Say \"when\", then, go\nhome";

// A small export document as the daemon writes one, with hostile words.
json Doc(bool empty = false) {
  json doc{{"kind", "kintsugi.export"},
           {"version", 1},
           {"generated", "2024-03-31T20:00:00.000Z"},
           {"from", "2024-03-01"},
           {"to", "2024-03-31"},
           {"days", 31},
           {"empty", empty},
           {"partners", json::array({{{"author", "aa"}, {"name", "Robin"}, {"me", true}},
                                     {{"author", "bb"}, {"name", "Kim"}, {"me", false}}})},
           {"counts", {{"entries", empty ? 0 : 5}, {"missed", empty ? 0 : 1}}},
           {"phase", {{"current", ""}}},
           {"agreements", json::array()},
           {"checkins", json::array()},
           {"trends", {{"partners", json::array()}}}};
  for (const char* s : {"meetings", "bring_up", "triggers", "repairs", "pauses", "appreciations", "time_together",
                        "phase_changes", "withdrawn"}) {
    doc[s] = json::array();
  }
  if (empty) return doc;
  doc["agreements"].push_back({{"id", "cc"},
                               {"title", kHostileTitle},
                               {"text", kAwkwardText},
                               {"category", "commitment"},
                               {"state", "active"},
                               {"state_at_end", "active"},
                               {"proposer", "Robin"},
                               {"version", 1},
                               {"signed_by", {"Robin", "Kim"}},
                               {"in_range", {{"kept", 2}, {"struggled", 0}, {"missed", 1}}},
                               {"history", json::array({{{"date", "2024-03-02"},
                                                         {"time", "09:00"},
                                                         {"kind", "propose"},
                                                         {"who", "Robin"},
                                                         {"in_range", true},
                                                         {"status", "accepted"},
                                                         {"title", kHostileTitle}}})}});
  doc["checkins"].push_back({{"date", "2024-03-03"}, {"time", "21:10"}, {"who", "Kim"}, {"author", "bb"},
                             {"kind", "agreement"}, {"agreement_title", kHostileTitle}, {"outcome", "missed"},
                             {"reflection", kAwkwardText}});
  doc["checkins"].push_back({{"date", "2024-03-04"}, {"time", "08:00"}, {"who", "Robin"}, {"author", "aa"},
                             {"kind", "feelings"}, {"mood", 6}, {"trust", 7}, {"appreciated", "The tea, = + - @"}});
  doc["trends"]["partners"].push_back(
      {{"author", "aa"},
       {"name", "Robin"},
       {"days", json::array({{{"date", "2024-03-04"}, {"mood", 6.0}, {"mood_avg7", 6.0}, {"trust", 7.0}, {"trust_avg7", 7.0}},
                             {{"date", "2024-03-05"}, {"mood", 4.0}, {"mood_avg7", 5.0}, {"trust", 5.0}, {"trust_avg7", 6.0}}})},
       {"weeks", json::array({{{"week", "2024-03-04"}, {"checkins", 2}, {"appreciations", 0}, {"triggers", 0},
                               {"meetings", 0}, {"repairs", 0}, {"time_together", 0}}})}});
  doc["bring_up"].push_back({{"date", "2024-03-05"}, {"who", "Kim"}, {"author", "bb"}, {"kind", "talk.request"},
                             {"topic", "=HYPERLINK(1) Sundays | weekends"}, {"addressed", false}});
  doc["withdrawn"].push_back({{"date", "2024-03-06"}, {"time", "10:00"}, {"who", "Kim"}, {"author", "bb"},
                              {"withdrawn", true}});
  return doc;
}

std::string Render(const json& doc, ExportFormat format) {
  auto text = RenderExport(doc, format);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message);
  return text.ok() ? *text : "";
}

bool Has(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        records.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        records.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      records.back().emplace_back();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      records.emplace_back(1);
      ++i;
    } else {
      records.back().back() += c;
    }
  }
  if (records.back().size() == 1 && records.back()[0].empty()) records.pop_back();
  return records;
}

TEST(ExportFormat, NamesAndExtensions) {
  EXPECT_EQ(ExportFormatFromName("md"), ExportFormat::kMarkdown);
  EXPECT_EQ(ExportFormatFromName("html"), ExportFormat::kHtml);
  EXPECT_EQ(ExportFormatFromName("csv"), ExportFormat::kCsv);
  EXPECT_EQ(ExportFormatFromName("json"), ExportFormat::kJson);
  EXPECT_FALSE(ExportFormatFromName("pdf").has_value());
  EXPECT_EQ(ExportFormatExtension(ExportFormat::kHtml), "html");
  EXPECT_EQ(ExportFormatExtension(ExportFormat::kMarkdown), "md");
}

TEST(ExportFormat, HtmlEscapesEveryTextAndIsSelfContained) {
  const std::string html = Render(Doc(), ExportFormat::kHtml);
  std::string lower = html;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  EXPECT_FALSE(Has(lower, "<script")) << "a title became markup";
  EXPECT_TRUE(Has(html, "&lt;script&gt;alert(1)&lt;/script&gt; Rock &amp; roll | pipes"));
  EXPECT_TRUE(Has(html, "Say &quot;when&quot;, then, go\nhome"));
  for (const char* external : {"src=", "href=", "<link", "@import", "url(", "<iframe", "<object"}) {
    EXPECT_FALSE(Has(lower, external)) << external;
  }
  EXPECT_TRUE(Has(html, "@media print"));
  EXPECT_TRUE(Has(html, "break-before: page"));
  EXPECT_TRUE(Has(html, "background: #fff"));
}

TEST(ExportFormat, HtmlChartsEachPartnersMoodAndTrust) {
  const std::string html = Render(Doc(), ExportFormat::kHtml);
  std::size_t charts = 0;
  for (auto at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) ++charts;
  EXPECT_EQ(charts, 2u);  // Robin's mood and trust; Kim recorded none
  EXPECT_TRUE(Has(html, "Mood: Robin"));
  EXPECT_TRUE(Has(html, "Trust: Robin"));
  EXPECT_TRUE(Has(html, "<path d=\"M"));  // the 7-day average
  EXPECT_TRUE(Has(html, "<title>2024-03-05: 4.0</title>"));  // a daily point
  EXPECT_TRUE(Has(html, ">2024-03-01</text>"));                // the axis starts at the range
  EXPECT_TRUE(Has(html, ">2024-03-31</text>"));
  EXPECT_FALSE(Has(html, "Mood: Kim"));
}

TEST(ExportFormat, CsvQuotesCommasQuotesAndLineBreaks) {
  std::string csv = Render(Doc(), ExportFormat::kCsv);
  EXPECT_TRUE(Has(csv, "Say \"\"when\"\", then, go\nhome"));
  ASSERT_EQ(csv.rfind("\xEF\xBB\xBF", 0), 0u) << "a spreadsheet learns the encoding from the byte-order mark";
  auto records = ParseCsv(csv.substr(3));
  ASSERT_GT(records.size(), 10u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"section", "table", "row", "column", "value"}));
  bool found_text = false, found_title = false, formula = false;
  for (const auto& r : records) {
    ASSERT_EQ(r.size(), 5u) << "every record has five fields";
    found_text |= r[4].find(kAwkwardText) != std::string::npos;
    found_title |= r[0] == "agreements" && r[4] == kHostileTitle;
    formula |= !r[4].empty() && (r[4][0] == '=' || r[4][0] == '+' || r[4][0] == '@');
  }
  EXPECT_TRUE(found_text);
  EXPECT_TRUE(found_title);
  EXPECT_FALSE(formula) << "a cell a spreadsheet would run";
}

// Every format keeps every character a person wrote, byte for byte: UTF-8
// throughout, the HTML page says so.
TEST(ExportFormat, EveryFormatKeepsEveryScript) {
  const std::string words = "Désolé — I’m sorry ❤️ שלום مرحبا Zażółć Привет Γειά 你好 Ngọc 😀🙏";
  json doc = Doc();
  doc["appreciations"].push_back({{"date", "2024-03-07"}, {"time", "10:00"}, {"who", "Kim"}, {"author", "bb"},
                                  {"text", words}});
  doc["checkins"][1]["appreciated"] = words;
  for (ExportFormat f : kAll) {
    const std::string out = Render(doc, f);
    EXPECT_TRUE(Has(out, words)) << ExportFormatExtension(f);
  }
  EXPECT_TRUE(Has(Render(doc, ExportFormat::kHtml), "<meta charset=\"utf-8\">"));
}

TEST(ExportFormat, MarkdownEscapesPipesAndMarkup) {
  const std::string md = Render(Doc(), ExportFormat::kMarkdown);
  EXPECT_TRUE(Has(md, "\\<script\\>alert(1)\\</script\\> Rock & roll \\| pipes"));
  EXPECT_TRUE(Has(md, "Sundays \\| weekends"));
  for (auto at = md.find('<'); at != std::string::npos; at = md.find('<', at + 1)) {
    EXPECT_TRUE(md.compare(at, 4, "<br>") == 0 || (at > 0 && md[at - 1] == '\\')) << md.substr(at, 20);
  }
  EXPECT_TRUE(Has(md, "## Agreements"));
  // Every row of a table has as many cell separators as its header.
  std::size_t header_pipes = 0;
  std::istringstream lines(md);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '|') {
      header_pipes = 0;
      continue;
    }
    std::size_t pipes = 0;
    for (std::size_t i = 0; i < line.size(); ++i) pipes += line[i] == '|' && (i == 0 || line[i - 1] != '\\');
    if (header_pipes == 0) header_pipes = pipes;
    EXPECT_EQ(pipes, header_pipes) << line;
  }
}

TEST(ExportFormat, JsonIsTheDocumentPrettyPrinted) {
  const std::string text = Render(Doc(), ExportFormat::kJson);
  EXPECT_TRUE(Has(text, "\n  \"agreements\""));
  EXPECT_EQ(json::parse(text), Doc());
}

TEST(ExportFormat, AnEmptyRangeSaysPlainlyThatNothingWasRecorded) {
  const std::string sentence = "Nothing was recorded between 2024-03-01 and 2024-03-31.";
  EXPECT_EQ(NothingRecorded(Doc(true)), sentence);
  for (ExportFormat f : kAll) {
    const std::string text = Render(Doc(true), f);
    EXPECT_TRUE(Has(text, sentence)) << ExportFormatExtension(f);
    EXPECT_FALSE(Has(text, "Agreements")) << ExportFormatExtension(f);
  }
  EXPECT_FALSE(Has(Render(Doc(), ExportFormat::kMarkdown), "Nothing was recorded"));
}

TEST(ExportFormat, RefusesWhatIsNotAnExport) {
  for (const json& bad : {json::array(), json{{"kind", "other"}}, json{{"kind", "kintsugi.export"}, {"version", 9}},
                          json{{"kind", "kintsugi.export"}, {"version", 1}}}) {
    auto r = RenderExport(bad, ExportFormat::kHtml);
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_EQ(r.error().code, ErrorCode::kMalformed);
  }
}

// A real ledger, written by the daemon's engine, exported and rendered.
TEST(ExportFormat, ARealLedgerRendersInEveryFormatWithoutPrivateNotes) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  TempDir dir;
  daemon::SampleOptions options;
  options.end_ms = daemon::testing::TestClock::kStart;
  ASSERT_TRUE(daemon::CreateSampleCouple(dir.File("a"), "Alex", dir.File("b"), "Sam", options).ok());
  daemon::testing::TestClock clock;
  crypto::SystemRandom rng;
  auto store = daemon::Store::Open(dir.File("a") + "/ledger.db");
  ASSERT_TRUE(store.ok());
  auto engine = daemon::Engine::Open(std::move(store).value(), dir.File("a") + "/identity.key", clock, rng);
  ASSERT_TRUE(engine.ok());
  auto notes = (*engine)->Notes();
  ASSERT_TRUE(notes.ok() && notes->size() == 1u);
  const std::string note = (*notes)[0].text;
  const std::int64_t today = static_cast<std::int64_t>(clock.NowMillis() / 86'400'000);
  auto doc = daemon::BuildExport(**engine, daemon::ExportRange{today - 60, today});
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  for (ExportFormat f : kAll) {
    const std::string text = Render(*doc, f);
    EXPECT_TRUE(Has(text, "Tell before plans change")) << ExportFormatExtension(f);
    EXPECT_TRUE(Has(text, "How we spend Sundays, and with whom.")) << ExportFormatExtension(f);
    EXPECT_FALSE(Has(text, note)) << ExportFormatExtension(f);
    EXPECT_FALSE(Has(text, "Ask about Sunday")) << ExportFormatExtension(f);
  }
  EXPECT_TRUE(Has(Render(*doc, ExportFormat::kHtml), "<svg"));
}

}  // namespace
}  // namespace kintsugi::client
