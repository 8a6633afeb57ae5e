// Markdown, CSV and JSON renderings of the export (see export_format.h); HTML
// is in export_html.cc. Each walks the same report (export_report.h).
#include "client/export_format.h"

#include "client/export_report.h"

namespace kintsugi::client {

// In export_html.cc.
std::string RenderExportHtml(const export_report::Report& report);

namespace {

using export_report::Report;
using export_report::Table;
using nlohmann::json;

// Markdown text that shows as written: the characters that would start
// markup, a table cell's end or raw HTML are escaped with a backslash.
std::string MdText(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\' || c == '|' || c == '<' || c == '>' || c == '*' || c == '_' || c == '`' || c == '[' || c == ']' ||
        c == '#') {
      out += '\\';
    }
    if (c == '\r') continue;
    out += c;
  }
  return out;
}

// A table cell: escaped, on one line.
std::string MdCell(const std::string& text) {
  std::string out;
  for (char c : MdText(text)) {
    if (c == '\n') {
      out += "<br>";
    } else {
      out += c;
    }
  }
  return out.empty() ? " " : out;
}

void MdTable(const Table& t, std::string& out) {
  if (!t.caption.empty()) out += "### " + MdText(t.caption) + "\n\n";
  if (!t.note.empty()) out += MdText(t.note) + "\n\n";
  out += "|";
  for (const auto& c : t.columns) out += " " + MdCell(c) + " |";
  out += "\n|";
  for (std::size_t i = 0; i < t.columns.size(); ++i) out += " --- |";
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const auto& cell : row) out += " " + MdCell(cell) + " |";
    out += "\n";
  }
  out += "\n";
}

std::string RenderMarkdown(const Report& r) {
  std::string out = "# " + MdText(r.title) + "\n\n";
  for (const auto& line : r.summary) out += MdText(line) + "\n\n";
  for (const auto& s : r.sections) {
    out += "## " + MdText(s.title) + "\n\n";
    for (const auto& p : s.paragraphs) out += MdText(p) + "\n\n";
    for (const auto& t : s.tables) MdTable(t, out);
  }
  out += "---\n\n" + MdText(r.footer) + "\n";
  return out;
}

// One field of RFC 4180: quoted when it holds a comma, a quote or a line
// break, with quotes doubled. A field that a spreadsheet would read as a
// formula gets a leading apostrophe.
std::string CsvField(const std::string& text) {
  std::string value = text;
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' || value[0] == '@')) {
    value = "'" + value;
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void CsvRecord(const std::vector<std::string>& fields, std::string& out) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += CsvField(fields[i]);
  }
  out += "\r\n";
}

// One table in "long" form (docs/EXPORT.md): section, table, row, column,
// value; one record per cell, so every record has the same five fields. It
// starts with a UTF-8 byte-order mark, by which spreadsheets know the encoding
// (without it, some read the words in a legacy code page).
std::string RenderCsv(const Report& r) {
  std::string out = "\xEF\xBB\xBF";
  CsvRecord({"section", "table", "row", "column", "value"}, out);
  int n = 0;
  CsvRecord({"title", "", "1", "title", r.title}, out);
  for (const auto& line : r.summary) CsvRecord({"title", "", std::to_string(++n), "text", line}, out);
  for (const auto& s : r.sections) {
    int p = 0;
    for (const auto& para : s.paragraphs) CsvRecord({s.key, "", std::to_string(++p), "text", para}, out);
    for (const auto& t : s.tables) {
      if (!t.note.empty()) CsvRecord({s.key, t.caption, "0", "text", t.note}, out);
      for (std::size_t row = 0; row < t.rows.size(); ++row) {
        for (std::size_t col = 0; col < t.columns.size() && col < t.rows[row].size(); ++col) {
          if (t.rows[row][col].empty()) continue;
          CsvRecord({s.key, t.caption, std::to_string(row + 1), t.columns[col], t.rows[row][col]}, out);
        }
      }
    }
  }
  CsvRecord({"footer", "", "1", "text", r.footer}, out);
  return out;
}

}  // namespace

std::optional<ExportFormat> ExportFormatFromName(std::string_view name) {
  if (name == "md" || name == "markdown") return ExportFormat::kMarkdown;
  if (name == "html") return ExportFormat::kHtml;
  if (name == "csv") return ExportFormat::kCsv;
  if (name == "json") return ExportFormat::kJson;
  return std::nullopt;
}

std::string_view ExportFormatExtension(ExportFormat format) {
  switch (format) {
    case ExportFormat::kMarkdown: return "md";
    case ExportFormat::kHtml: return "html";
    case ExportFormat::kCsv: return "csv";
    case ExportFormat::kJson: return "json";
  }
  return "txt";
}

std::string NothingRecorded(const json& doc) {
  return "Nothing was recorded between " + doc.value("from", std::string("?")) + " and " +
         doc.value("to", std::string("?")) + ".";
}

Result<std::string> RenderExport(const json& doc, ExportFormat format) {
  auto report = export_report::BuildReport(doc);
  if (!report.ok()) return report.take_error();
  switch (format) {
    case ExportFormat::kMarkdown: return RenderMarkdown(*report);
    case ExportFormat::kHtml: return RenderExportHtml(*report);
    case ExportFormat::kCsv: return RenderCsv(*report);
    case ExportFormat::kJson: {
      json shown = doc;
      if (doc.value("empty", false)) shown["message"] = NothingRecorded(doc);
      return shown.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    }
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown export format");
}

}  // namespace kintsugi::client
