// Fuzzes invite code parsing (protocol/invite.h): ParseInviteCode on arbitrary
// text, as typed or pasted by a person.
//
// Properties checked:
//  - nothing crashes or throws;
//  - a failure is kInvalidArgument with a non-empty message of printable ASCII
//    (the message is shown to the user and may repeat what was typed);
//  - a code that parses has a nameplate in 1..999, and its canonical form
//    FormatInviteCode -> ParseInviteCode gives the same code back, is itself
//    canonical, and starts with InvitePassword followed by one more word.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/invite.h"

namespace {

using namespace kintsugi;

bool PrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto code = protocol::ParseInviteCode(text);
  if (!code.ok()) {
    if (code.error().code != ErrorCode::kInvalidArgument) __builtin_trap();
    if (code.error().message.empty() || !PrintableAscii(code.error().message)) __builtin_trap();
    return 0;
  }
  if (code->nameplate < 1 || code->nameplate > protocol::kMaxNameplate) __builtin_trap();

  std::string formatted = protocol::FormatInviteCode(*code);
  auto again = protocol::ParseInviteCode(formatted);
  if (!again.ok() || *again != *code) __builtin_trap();
  if (protocol::FormatInviteCode(*again) != formatted) __builtin_trap();

  std::string password = protocol::InvitePassword(*code);
  if (formatted.size() <= password.size() + 1) __builtin_trap();
  if (formatted.compare(0, password.size(), password) != 0) __builtin_trap();
  if (formatted[password.size()] != '-') __builtin_trap();
  if (formatted.find('-', password.size() + 1) != std::string::npos) __builtin_trap();
  return 0;
}
