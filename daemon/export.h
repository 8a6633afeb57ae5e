// The export for a counsellor (docs/EXPORT.md): one JSON document that
// gathers, for a range of days, the agreements and their history, the
// check-ins, the trends, the meetings, what each partner wanted to bring up,
// triggers, repairs, pauses, appreciations and time together.
//
// Built only from the engine's views and its timeline, whose bodies the engine
// verifies before it opens them. Private notes are not entries and never
// appear. A withdrawn entry appears only as "withdrawn", with no words; a
// corrected entry carries its corrections. Days are the entries' local days
// (the day its author wrote it, by the entry's "tz"). Rendering the document
// for people is client/export_format.h.
//
// Thread-safety: one thread (the daemon loop), like the engine.
#pragma once

#include <cstdint>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace kintsugi::daemon {

class Engine;

// The longest range one export may cover, in days.
inline constexpr std::int64_t kMaxExportDays = 3660;
// The default range: this many days, ending today.
inline constexpr std::int64_t kDefaultExportDays = 30;

struct ExportRange {
  std::int64_t from_day = 0;  // local days since 1970-01-01, inclusive
  std::int64_t to_day = 0;
};

// Reads `from` and `to` ("YYYY-MM-DD", both optional) from IPC params. `to`
// defaults to `today`, `from` to kDefaultExportDays days ending at `to`.
// Fails with kInvalidArgument for a date that is not one, from after to, or a
// range longer than kMaxExportDays.
Result<ExportRange> ParseExportRange(const nlohmann::json& params, std::int64_t today);

// The export of `range`: see docs/EXPORT.md for its fields. A range in which
// nothing was recorded gives a document with "empty": true and every count 0.
// Fails with kFailedPrecondition before the ledger exists, kTooLarge when the
// document would not fit in an IPC reply, or with the store's error.
Result<nlohmann::json> BuildExport(Engine& engine, const ExportRange& range);

}  // namespace kintsugi::daemon
