#include "protocol/body.h"

#include "protocol/kinds.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

Error Invalid(std::string message) { return MakeError(ErrorCode::kInvalidArgument, std::move(message)); }

// Text that is non-empty after trimming, at most `max_characters` long, and
// free of control characters other than tab and line breaks.
Result<std::string> RequiredText(const json& params, const char* field, std::size_t max_characters) {
  auto it = params.find(field);
  if (it == params.end() || !it->is_string()) {
    return Invalid(std::string(field) + " is required and must be text");
  }
  const auto& text = it->get_ref<const std::string&>();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Invalid(std::string(field) + " must not be empty");
  }
  if (CountCharacters(text) > max_characters) {
    return Invalid(std::string(field) + " is longer than " + std::to_string(max_characters) + " characters");
  }
  if (HasControlCharacters(text)) return Invalid(std::string(field) + " must not hold control characters");
  return text;
}

Result<std::optional<int>> OptionalScale(const json& params, const char* field) {
  auto it = params.find(field);
  if (it == params.end() || it->is_null()) return std::optional<int>();
  if (!it->is_number_integer() || it->get<long long>() < 1 || it->get<long long>() > 10) {
    return Invalid(std::string(field) + " must be a whole number from 1 to 10");
  }
  return std::optional<int>(it->get<int>());
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

Result<MemberIntro> MemberIntroFromJson(const json& params) {
  if (!params.is_object()) return Invalid("params must be an object");
  auto name = RequiredText(params, "name", kMaxNameCharacters);
  if (!name.ok()) return name.take_error();
  return MemberIntro{std::move(name).value()};
}

Result<CheckIn> CheckInFromJson(const json& params) {
  if (!params.is_object()) return Invalid("params must be an object");
  auto note = RequiredText(params, "note", kMaxNoteCharacters);
  if (!note.ok()) return note.take_error();
  auto mood = OptionalScale(params, "mood");
  if (!mood.ok()) return mood.take_error();
  auto trust = OptionalScale(params, "trust");
  if (!trust.ok()) return trust.take_error();
  return CheckIn{std::move(note).value(), *mood, *trust};
}

std::string EncodeBody(const MemberIntro& intro) {
  return Dump(json{{"kind", kKindMember}, {"name", intro.name}});
}

std::string EncodeBody(const CheckIn& checkin) {
  json j{{"kind", kKindCheckIn}, {"note", checkin.note}};
  if (checkin.mood) j["mood"] = *checkin.mood;
  if (checkin.trust) j["trust"] = *checkin.trust;
  return Dump(j);
}

Result<json> ParseBody(std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return MakeError(ErrorCode::kMalformed, "body is not a JSON object");
  }
  auto kind = j.find("kind");
  if (kind == j.end() || !kind->is_string()) {
    return MakeError(ErrorCode::kMalformed, "body has no kind");
  }
  return j;
}

}  // namespace kintsugi::protocol
