// Fuzzes the notification settings and texts (protocol/notify.h): a change
// as notify.set takes it from a client, and a partner's words as they would
// reach a notification.
//
// Properties checked:
//  - nothing crashes or throws;
//  - a refused change is kInvalidArgument with a message;
//  - an accepted one reads back equal from its own JSON, keeps alarms on and
//    quiet hours of two different times;
//  - NoticeText gives valid UTF-8 with no markup character, no control
//    character and at most kMaxNoticeChars characters (and an ellipsis), its
//    entities counted as one; Compose with words passes only such text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "protocol/notify.h"
#include "protocol/utf8.h"

namespace {

using namespace kintsugi;

void CheckNoticeText(const std::string& out) {
  if (protocol::EncodeUtf8(protocol::DecodeUtf8(out)) != out) __builtin_trap();
  std::size_t chars = 0;
  for (std::size_t i = 0; i < out.size();) {
    auto [c, n] = protocol::NextCodePoint(out, i);
    if (c == '<' || c == '>' || c < 0x20 || (c >= 0x7F && c < 0xA0)) __builtin_trap();
    if (c == '&') {
      const std::string_view rest = std::string_view(out).substr(i);
      const std::size_t skip = rest.starts_with("&amp;") ? 5 : rest.starts_with("&lt;") || rest.starts_with("&gt;") ? 4 : 0;
      if (skip == 0) __builtin_trap();  // a bare & would start markup
      i += skip;
    } else {
      i += n;
    }
    ++chars;
  }
  if (chars > protocol::kMaxNoticeChars + 1) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  CheckNoticeText(protocol::NoticeText(text));
  protocol::NotifySettings words;
  words.show = protocol::NotifyShow::kWords;
  const auto shown = protocol::Compose(protocol::Notice{protocol::NotifyEvent::kTalk, text, text}, words, text);
  CheckNoticeText(shown.summary);
  CheckNoticeText(shown.body);

  const auto change = nlohmann::json::parse(text, nullptr, false);
  if (change.is_discarded()) return 0;
  auto settings = protocol::ApplyNotifyChange(protocol::NotifySettings{}, change);
  if (!settings.ok()) {
    if (settings.error().code != ErrorCode::kInvalidArgument || settings.error().message.empty()) __builtin_trap();
    return 0;
  }
  if (protocol::NotifySettingsFromJson(settings->ToJson()) != *settings) __builtin_trap();
  if (!settings->On(protocol::NotifyEvent::kAlarm)) __builtin_trap();
  if (settings->quiet && settings->quiet->first == settings->quiet->second) __builtin_trap();
  return 0;
}
