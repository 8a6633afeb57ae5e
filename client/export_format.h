// Renders the export for a counsellor (the daemon's `export` document,
// docs/EXPORT.md) as Markdown, HTML, CSV or JSON, for kintsugictl and the
// window alike. Pure: no I/O, no clock; the same document always renders to
// the same bytes.
//
// Every format says the same things in the same order; an empty range says
// plainly "Nothing was recorded between FROM and TO." HTML is one
// self-contained page (inline CSS with a print stylesheet, inline SVG charts,
// no scripts, nothing fetched), with every text escaped.
//
// Thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace kintsugi::client {

enum class ExportFormat { kMarkdown, kHtml, kCsv, kJson };

// "md" (or "markdown"), "html", "csv", "json"; nullopt for anything else.
std::optional<ExportFormat> ExportFormatFromName(std::string_view name);
// The file name extension, without the dot: "md", "html", "csv", "json".
std::string_view ExportFormatExtension(ExportFormat format);

// The document as text in `format`. Fails with kMalformed when `doc` is not
// an export document (or not one this version understands).
Result<std::string> RenderExport(const nlohmann::json& doc, ExportFormat format);

// "Nothing was recorded between FROM and TO." for an empty export's range.
std::string NothingRecorded(const nlohmann::json& doc);

}  // namespace kintsugi::client
