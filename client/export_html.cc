// The HTML rendering of the export (see export_format.h): one self-contained
// page with inline CSS (and a print stylesheet), inline SVG line charts of
// each partner's mood and trust, no scripts and nothing fetched. Every text
// from the ledger is escaped.
#include <algorithm>
#include <cstdio>

#include "client/export_format.h"
#include "client/export_report.h"
#include "protocol/kinds.h"

namespace kintsugi::client {
namespace {

using export_report::Report;
using export_report::Series;
using export_report::Table;

std::string Esc(const std::string& text) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

constexpr const char* kStyle = R"(
body { font-family: Georgia, "DejaVu Serif", serif; color: #222; background: #fbfaf7; margin: 2em auto; max-width: 60em; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 1px solid #c9a44c; padding-bottom: 0.2em; margin-top: 2em; }
h3 { font-size: 1.05em; margin-bottom: 0.3em; }
p.empty { font-size: 1.2em; font-weight: bold; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1.2em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.45em; text-align: left; vertical-align: top; }
th { background: #efe9dc; }
td { white-space: pre-wrap; }
.chart { margin: 0.5em 0 1em; }
.chart svg { width: 100%; max-width: 44em; height: auto; }
footer { margin-top: 3em; font-size: 0.85em; color: #555; border-top: 1px solid #bbb; padding-top: 0.5em; }
@media print {
  body { background: #fff; color: #000; margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-before: page; page-break-before: always; }
  h2.first { break-before: auto; page-break-before: auto; }
  th { background: #fff; }
  table, .chart { break-inside: auto; }
  tr, .chart svg { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
}
)";

void HtmlTable(const Table& t, std::string& out) {
  if (!t.caption.empty()) out += "<h3>" + Esc(t.caption) + "</h3>\n";
  if (!t.note.empty()) out += "<p>" + Esc(t.note) + "</p>\n";
  out += "<table>\n<thead><tr>";
  for (const auto& c : t.columns) out += "<th>" + Esc(c) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (const auto& cell : row) out += "<td>" + Esc(cell) + "</td>";
    out += "</tr>\n";
  }
  out += "</tbody>\n</table>\n";
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A line chart of one measure (1 to 10) over the range: the daily values as
// dots, the 7-day average as a line, with axes, gridlines and date labels.
void Chart(const Series& series, bool mood, std::int64_t from_day, std::int64_t to_day, std::string& out) {
  constexpr double kW = 640, kH = 220, kLeft = 40, kRight = 16, kTop = 28, kBottom = 36;
  const double span = static_cast<double>(std::max<std::int64_t>(to_day - from_day, 1));
  auto x = [&](std::int64_t day) { return kLeft + (kW - kLeft - kRight) * static_cast<double>(day - from_day) / span; };
  auto y = [&](double v) { return kTop + (kH - kTop - kBottom) * (10.0 - v) / 9.0; };
  const std::string measure = mood ? "Mood" : "Trust";
  const char* colour = mood ? "#b5651d" : "#2e6f8e";
  out += "<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 640 220\" role=\"img\" "
         "aria-label=\"" + Esc(measure + " of " + series.partner) + "\">\n";
  out += "<title>" + Esc(measure + " of " + series.partner + ", daily and 7-day average") + "</title>\n";
  out += "<text x=\"" + Num(kLeft) + "\" y=\"16\" font-size=\"13\" font-family=\"sans-serif\">" +
         Esc(measure + ": " + series.partner) + "</text>\n";
  // Gridlines and the value axis.
  for (int v : {1, 4, 7, 10}) {
    out += "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(y(v)) + "\" x2=\"" + Num(kW - kRight) + "\" y2=\"" +
           Num(y(v)) + "\" stroke=\"#ccc\" stroke-width=\"0.6\"/>\n";
    out += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y(v) + 4) +
           "\" font-size=\"10\" text-anchor=\"end\" font-family=\"sans-serif\">" + std::to_string(v) + "</text>\n";
  }
  out += "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(kTop) + "\" x2=\"" + Num(kLeft) + "\" y2=\"" +
         Num(kH - kBottom) + "\" stroke=\"#444\"/>\n";
  out += "<line x1=\"" + Num(kLeft) + "\" y1=\"" + Num(kH - kBottom) + "\" x2=\"" + Num(kW - kRight) + "\" y2=\"" +
         Num(kH - kBottom) + "\" stroke=\"#444\"/>\n";
  // Date labels: the first day, the middle and the last.
  const std::int64_t days[] = {from_day, from_day + (to_day - from_day) / 2, to_day};
  const char* anchors[] = {"start", "middle", "end"};
  for (int i = 0; i < 3; ++i) {
    if (i == 1 && to_day - from_day < 2) continue;
    out += "<text x=\"" + Num(x(days[i])) + "\" y=\"" + Num(kH - kBottom + 14) + "\" font-size=\"10\" text-anchor=\"" +
           anchors[i] + "\" font-family=\"sans-serif\">" + Esc(protocol::DateFromDay(days[i])) + "</text>\n";
  }
  // The 7-day average as a line, the daily values as dots.
  std::string path;
  for (const auto& p : series.points) {
    const auto& avg = mood ? p.mood_avg7 : p.trust_avg7;
    if (!avg) continue;
    path += (path.empty() ? "M" : " L") + Num(x(p.day)) + " " + Num(y(*avg));
  }
  if (!path.empty()) {
    out += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + std::string(colour) + "\" stroke-width=\"2\"/>\n";
  }
  for (const auto& p : series.points) {
    const auto& v = mood ? p.mood : p.trust;
    if (!v) continue;
    out += "<circle cx=\"" + Num(x(p.day)) + "\" cy=\"" + Num(y(*v)) + "\" r=\"2.5\" fill=\"" + colour + "\"><title>" +
           Esc(protocol::DateFromDay(p.day) + ": " + Num(*v)) + "</title></circle>\n";
  }
  // Legend.
  const double ly = kH - 8;
  out += "<circle cx=\"" + Num(kLeft + 4) + "\" cy=\"" + Num(ly - 3) + "\" r=\"2.5\" fill=\"" + colour + "\"/>\n";
  out += "<text x=\"" + Num(kLeft + 12) + "\" y=\"" + Num(ly) +
         "\" font-size=\"10\" font-family=\"sans-serif\">each day</text>\n";
  out += "<line x1=\"" + Num(kLeft + 80) + "\" y1=\"" + Num(ly - 3) + "\" x2=\"" + Num(kLeft + 100) + "\" y2=\"" +
         Num(ly - 3) + "\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
  out += "<text x=\"" + Num(kLeft + 106) + "\" y=\"" + Num(ly) +
         "\" font-size=\"10\" font-family=\"sans-serif\">7-day average</text>\n";
  out += "</svg></div>\n";
}

}  // namespace

std::string RenderExportHtml(const Report& r) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + Esc(r.title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  out += "<h1>" + Esc(r.title) + "</h1>\n";
  for (const auto& line : r.summary) out += "<p>" + Esc(line) + "</p>\n";
  bool first = true;
  for (const auto& s : r.sections) {
    out += std::string("<section id=\"") + Esc(s.key) + "\">\n<h2" + (first ? " class=\"first\"" : "") + ">" +
           Esc(s.title) + "</h2>\n";
    first = false;
    for (const auto& p : s.paragraphs) {
      const bool empty_line = r.empty && s.key == "summary" && &p == &s.paragraphs.front();
      out += std::string(empty_line ? "<p class=\"empty\">" : "<p>") + Esc(p) + "</p>\n";
    }
    if (s.key == "trends") {
      for (const auto& series : r.trends) {
        Chart(series, true, r.from_day, r.to_day, out);
        Chart(series, false, r.from_day, r.to_day, out);
      }
    }
    for (const auto& t : s.tables) HtmlTable(t, out);
    out += "</section>\n";
  }
  out += "<footer>" + Esc(r.footer) + "</footer>\n</body>\n</html>\n";
  return out;
}

}  // namespace kintsugi::client
