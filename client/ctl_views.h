// How kintsugictl shows the daemon's replies: as one JSON document (--json),
// or as text for people, one printer per method. A printer writes to stdout
// and may ask the daemon for more (names, titles) through the client it is
// given; a reply that is not the expected shape makes it throw
// nlohmann::json::exception, which Command::Run reports.
//
// Thread-safety: call from the thread that owns the Client.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "client/client.h"
#include "protocol/ipc_messages.h"

namespace kintsugi::ctl {

// Shows the result of one method to a person. A reply that does not read
// as its declared type throws nlohmann's exception (`get<T>()`), which
// Command::Run says as the reply not being what this kintsugictl expects.
using Printer = std::function<void(client::Client&, const nlohmann::json&)>;

// The whole reply, indented, as --json prints it.
void PrintJson(const nlohmann::json& j);

// "3f2a9c1b..." -> "3f2a 9c1b 77e0 12d4" (first 16 hex digits, grouped).
std::string Fingerprint(const std::string& hex);
// "2025-06-01T14:02:03.123Z" (UTC, as the daemon writes times) -> "2025-06-01
// 16:02" in this machine's time zone; what is no such time, as it is.
std::string LocalTime(const std::string& iso);
std::string LocalTime(std::uint64_t unix_ms);

// `status` and `log`.
void PrintStatus(const protocol::DaemonStatus& s);
void PrintLogEntry(const protocol::LogEntry& e);

// The printers of the ledger's meaning: an appended entry, then one per view.
void PrintAppended(client::Client&, const nlohmann::json& r);
void PrintAgreements(client::Client& client, const nlohmann::json& r);
void PrintPending(client::Client& client, const nlohmann::json& r);
void PrintTimeline(client::Client&, const nlohmann::json& r);
void PrintTrends(client::Client& client, const nlohmann::json& r);
void PrintTogether(client::Client& client, const nlohmann::json& r);
void PrintNotes(client::Client&, const nlohmann::json& r);

}  // namespace kintsugi::ctl
