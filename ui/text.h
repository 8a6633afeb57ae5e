// Text as the window draws it: every script a person writes, in reading
// order. Pure (no ImGui, no I/O), so it is unit-tested on fixed strings.
//
// Dear ImGui 1.86 as Debian builds it draws left to right, one glyph per
// 16-bit code point, with no shaping. So, before drawing:
// - right-to-left text (Hebrew, Arabic) is put in visual order by the Unicode
//   bidirectional algorithm (FriBidi), one line at a time, and Arabic letters
//   are joined into their presentation forms;
// - characters beyond the Basic Multilingual Plane (most emoji) take a slot in
//   the Private Use Area, which the font atlas fills with their glyph (Slots).
//
// Thread-safety: Slots is the window thread's; the functions are reentrant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kintsugi::ui::text {

// Whether any character is written right to left (Hebrew, Arabic, ...).
bool HasRightToLeft(std::u32string_view chars);

// Characters that take no room and have no glyph of their own: variation
// selectors, joiners, bidi controls, the byte-order mark.
bool IsInvisible(char32_t c);

// Where the atlas draws characters beyond U+FFFF: each one met gets a slot in
// the Private Use Area (U+E000..U+F8FF) for the life of the window, so a field
// can hold it and give it back unchanged. A character met after the slots run
// out is drawn as U+FFFD (and kept as it is where no field edits it).
class Slots {
 public:
  static constexpr char32_t kFirst = 0xE000;
  static constexpr char32_t kLast = 0xF8FF;

  static Slots& Get();  // the window's

  // The slot of `c` (> U+FFFF), given on first sight; U+FFFD when none is left.
  char32_t SlotFor(char32_t c);
  // The character in `slot`, or `slot` itself when it holds none.
  char32_t CharIn(char32_t slot) const;
  // Every slot given so far, with its character, in the order given.
  const std::vector<std::pair<char32_t, char32_t>>& given() const { return given_; }

 private:
  std::unordered_map<char32_t, char32_t> slot_of_;
  std::vector<std::pair<char32_t, char32_t>> given_;
};

// What an editable field holds while ImGui edits it (characters beyond U+FFFF
// in their slots), and back. FromField(ForField(s)) == s for any s whose
// Private Use characters are not slots already given.
std::string ForField(std::string_view utf8, Slots& slots = Slots::Get());
std::string FromField(std::string_view field, const Slots& slots = Slots::Get());

// One paragraph, ready to be broken into lines and drawn: Arabic joined, in
// logical order (shaped()), with what reorders any line of it to visual order.
class Paragraph {
 public:
  explicit Paragraph(std::string_view utf8, Slots& slots = Slots::Get());

  // Whether the paragraph reads right to left (its first strong character).
  bool right_to_left() const { return rtl_; }
  // Whether any line of it needs reordering (it has right-to-left characters).
  bool reorders() const { return mixed_; }
  // The paragraph in logical order, shaped, slots in place: what to measure
  // and to break into lines (at byte offsets of this string).
  const std::string& shaped() const { return shaped_; }
  // The bytes [begin, end) of shaped() in visual (left to right) order.
  std::string Line(std::size_t begin, std::size_t end) const;

 private:
  std::u32string chars_;          // shaped, logical order
  std::vector<std::size_t> at_;   // byte offset in shaped_ of each char, and the end
  std::vector<std::uint32_t> types_;
  std::vector<std::int8_t> levels_;
  std::uint32_t base_ = 0;
  bool rtl_ = false;
  bool mixed_ = false;            // has right-to-left characters: lines need reordering
  std::string shaped_;
};

// A single line to draw as it reads (no breaking): Paragraph(s).Line(all).
std::string Drawn(std::string_view utf8, Slots& slots = Slots::Get());

}  // namespace kintsugi::ui::text
