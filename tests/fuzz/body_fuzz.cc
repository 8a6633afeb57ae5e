// Fuzzes entry bodies (protocol/body.h): ParseBody on arbitrary text, then the
// user-input validators CheckInFromJson and MemberIntroFromJson on whatever
// parses (they also receive the IPC `params` object, so every JSON value is
// fair game).
//
// Properties checked:
//  - nothing crashes or throws;
//  - ParseBody accepts exactly the JSON objects with a string "kind";
//  - a check-in or member intro that validates survives the round trip
//    EncodeBody -> ParseBody -> *FromJson unchanged, with the right kind.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/body.h"

namespace {

using namespace kintsugi;
using nlohmann::json;

void CheckCheckIn(const json& params) {
  auto checkin = protocol::CheckInFromJson(params);
  if (!checkin.ok()) {
    if (checkin.error().code != ErrorCode::kInvalidArgument) __builtin_trap();
    return;
  }
  if (checkin->note.size() > protocol::kMaxNoteBytes) __builtin_trap();
  if (checkin->mood && (*checkin->mood < 1 || *checkin->mood > 10)) __builtin_trap();
  if (checkin->trust && (*checkin->trust < 1 || *checkin->trust > 10)) __builtin_trap();

  std::string text = protocol::EncodeBody(*checkin);
  auto body = protocol::ParseBody(text);
  if (!body.ok()) __builtin_trap();
  if (body->value("kind", "") != protocol::kKindCheckIn) __builtin_trap();
  auto again = protocol::CheckInFromJson(*body);
  if (!again.ok()) __builtin_trap();
  if (again->note != checkin->note || again->mood != checkin->mood ||
      again->trust != checkin->trust) {
    __builtin_trap();
  }
  // Canonical: encoding the re-read check-in gives the same text.
  if (protocol::EncodeBody(*again) != text) __builtin_trap();
}

void CheckMember(const json& params) {
  auto intro = protocol::MemberIntroFromJson(params);
  if (!intro.ok()) {
    if (intro.error().code != ErrorCode::kInvalidArgument) __builtin_trap();
    return;
  }
  if (intro->name.size() > protocol::kMaxNameBytes) __builtin_trap();

  std::string text = protocol::EncodeBody(*intro);
  auto body = protocol::ParseBody(text);
  if (!body.ok()) __builtin_trap();
  if (body->value("kind", "") != protocol::kKindMember) __builtin_trap();
  auto again = protocol::MemberIntroFromJson(*body);
  if (!again.ok() || again->name != intro->name) __builtin_trap();
  if (protocol::EncodeBody(*again) != text) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto body = protocol::ParseBody(text);
  json any = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  const bool is_body = !any.is_discarded() && any.is_object() && any.contains("kind") &&
                       any["kind"].is_string();
  if (body.ok() != is_body) __builtin_trap();
  if (!body.ok() && body.error().code != ErrorCode::kMalformed) __builtin_trap();
  if (body.ok() && *body != any) __builtin_trap();

  if (!any.is_discarded()) {
    // The validators get any JSON value: non-objects must be refused politely.
    CheckCheckIn(any);
    CheckMember(any);
  }
  return 0;
}
