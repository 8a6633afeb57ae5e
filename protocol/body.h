// Entry bodies: the JSON object inside each sealed entry, with its "kind".
// This kinds are "member" (an author introduces themself: the first
// entry of every chain) and "checkin" (a note, optional mood and trust 1-10).
// docs/PROTOCOL.md, "Bodies", lists their fields.
//
// Pure: no I/O. Thread-compatible.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace kintsugi::protocol {

inline constexpr std::string_view kKindMember = "member";
inline constexpr std::string_view kKindCheckIn = "checkin";
// In characters (Unicode code points), as protocol/kinds.h counts them.
inline constexpr std::size_t kMaxNameCharacters = 64;
inline constexpr std::size_t kMaxNoteCharacters = 4000;

struct MemberIntro {
  std::string name;
};

struct CheckIn {
  std::string note;
  std::optional<int> mood;   // 1..10
  std::optional<int> trust;  // 1..10
};

// Validates user input. Each fails with kInvalidArgument and a message that
// names the field and the rule ("mood must be a whole number from 1 to 10").
Result<MemberIntro> MemberIntroFromJson(const nlohmann::json& params);
Result<CheckIn> CheckInFromJson(const nlohmann::json& params);

// The canonical body text (compact JSON, keys sorted) of each kind.
std::string EncodeBody(const MemberIntro& intro);
std::string EncodeBody(const CheckIn& checkin);

// Parses an opened body: a JSON object whose "kind" is a string. Bodies of
// kinds this version does not know are returned as they are.
Result<nlohmann::json> ParseBody(std::string_view text);

}  // namespace kintsugi::protocol
