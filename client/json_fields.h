// Reading one field of the daemon's JSON (a reply, an event, a view) without
// copying it or inserting it, and a declared reply whole: shared by
// kintsugictl and the window, which both read what the daemon says.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "protocol/ipc.h"

namespace kintsugi::client {

// j[key] without inserting or copying; null (which holds nothing) when
// absent, or when j is no object.
inline const nlohmann::json& At(const nlohmann::json& j, const char* key) {
  static const nlohmann::json kAbsent;
  auto it = j.find(key);
  return it != j.end() ? *it : kAbsent;
}

// j[field] when it is a string, else "".
inline std::string Str(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// What a program says of a daemon's reply it cannot read (a daemon of
// another version): one sentence wherever it is found.
inline constexpr char kReplyNotExpected[] = "the daemon's reply is not what this program expects";

// A declared reply (protocol/ipc_messages.h) read whole, or kMalformed when
// a field has the wrong type: said as such, never taken for an empty reply
// ("Nothing awaits your answer" when the reply could not be read at all).
template <class Message>
Result<Message> ReadReply(const nlohmann::json& reply) {
  std::optional<Message> read = protocol::ReadMessage<Message>(reply);
  if (!read) return MakeError(ErrorCode::kMalformed, kReplyNotExpected);
  return std::move(*read);
}

}  // namespace kintsugi::client
