// UTF-8, one code point at a time: what the window draws and the command
// line prints are read the same way. A byte that does not start a whole,
// shortest, valid sequence (an overlong form, a UTF-16 surrogate, beyond
// U+10FFFF, cut short) reads as U+FFFD, one byte long.
//
// Pure; reentrant.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace kintsugi::protocol {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// The code point at byte `i` of `text` (i < text.size()) and its length in bytes.
std::pair<char32_t, std::size_t> NextCodePoint(std::string_view text, std::size_t i);
// Appends `c` (at most U+10FFFF) to `out` in UTF-8.
void AppendUtf8(std::string& out, char32_t c);

std::u32string DecodeUtf8(std::string_view text);
std::string EncodeUtf8(std::u32string_view chars);

}  // namespace kintsugi::protocol
