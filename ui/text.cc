#include "ui/text.h"

#include <fribidi.h>

#include <algorithm>

#include "protocol/utf8.h"

namespace kintsugi::ui::text {

using protocol::DecodeUtf8;
using protocol::EncodeUtf8;

bool HasRightToLeft(std::u32string_view chars) {
  return std::any_of(chars.begin(), chars.end(), [](char32_t c) {
    // Hebrew, Arabic, Syriac, Thaana, NKo, ... and their presentation forms.
    return (c >= 0x0590 && c <= 0x08FF) || (c >= 0xFB1D && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFE) ||
           (c >= 0x10800 && c <= 0x10FFF) || (c >= 0x1E800 && c <= 0x1EFFF) ||
           c == 0x200F || c == 0x202B || c == 0x202E || c == 0x2067;  // RLM, RLE, RLO, RLI
  });
}

bool IsInvisible(char32_t c) {
  return (c >= 0xFE00 && c <= 0xFE0F) ||   // variation selectors (emoji or text style)
         (c >= 0x200B && c <= 0x200F) ||   // zero-width space, joiners, direction marks
         (c >= 0x202A && c <= 0x202E) ||   // bidi embeddings and overrides
         (c >= 0x2060 && c <= 0x2069) ||   // word joiner, bidi isolates
         c == 0xFEFF || c == 0x00AD ||     // byte-order mark, soft hyphen
         (c >= 0xE0000 && c <= 0xE007F);   // tags (flag sequences)
}

Slots& Slots::Get() {
  static Slots slots;
  return slots;
}

char32_t Slots::SlotFor(char32_t c) {
  if (auto it = slot_of_.find(c); it != slot_of_.end()) return it->second;
  const char32_t slot = kFirst + static_cast<char32_t>(given_.size());
  if (slot > kLast) return protocol::kReplacementCharacter;
  slot_of_.emplace(c, slot);
  given_.emplace_back(slot, c);
  return slot;
}

char32_t Slots::CharIn(char32_t slot) const {
  if (slot < kFirst || slot > kLast) return slot;
  const std::size_t i = slot - kFirst;
  return i < given_.size() ? given_[i].second : slot;
}

std::string ForField(std::string_view utf8, Slots& slots) {
  const bool wide = std::any_of(utf8.begin(), utf8.end(), [](char b) { return (static_cast<unsigned char>(b) & 0xF8) == 0xF0; });
  if (!wide) return std::string(utf8);
  std::u32string chars = DecodeUtf8(utf8);
  for (char32_t& c : chars) {
    if (c > 0xFFFF) c = slots.SlotFor(c);
  }
  return EncodeUtf8(chars);
}

std::string FromField(std::string_view field, const Slots& slots) {
  // A slot is three bytes starting 0xEE or 0xEF (U+E000..U+F8FF).
  const bool any = std::any_of(field.begin(), field.end(), [](char b) {
    const auto u = static_cast<unsigned char>(b);
    return u == 0xEE || u == 0xEF;
  });
  if (!any || slots.given().empty()) return std::string(field);
  std::u32string chars = DecodeUtf8(field);
  for (char32_t& c : chars) c = slots.CharIn(c);
  return EncodeUtf8(chars);
}

Paragraph::Paragraph(std::string_view utf8, Slots& slots) {
  chars_ = DecodeUtf8(utf8);
  const auto n = static_cast<FriBidiStrIndex>(chars_.size());
  mixed_ = HasRightToLeft(chars_);
  if (mixed_) {
    types_.resize(chars_.size());
    std::vector<FriBidiBracketType> brackets(chars_.size());
    std::vector<FriBidiArabicProp> joining(chars_.size());
    levels_.resize(chars_.size());
    const auto* str = reinterpret_cast<const FriBidiChar*>(chars_.data());
    fribidi_get_bidi_types(str, n, types_.data());
    fribidi_get_bracket_types(str, n, types_.data(), brackets.data());
    FriBidiParType base = FRIBIDI_PAR_ON;
    if (fribidi_get_par_embedding_levels_ex(types_.data(), brackets.data(), n, &base, levels_.data()) == 0) {
      mixed_ = false;  // out of memory: drawn as stored rather than not at all
    } else {
      fribidi_get_joining_types(str, n, joining.data());
      fribidi_join_arabic(types_.data(), n, levels_.data(), joining.data());
      fribidi_shape(FRIBIDI_FLAGS_DEFAULT | FRIBIDI_FLAGS_ARABIC, levels_.data(), n, joining.data(),
                    reinterpret_cast<FriBidiChar*>(chars_.data()));
      base_ = base;
      rtl_ = FRIBIDI_IS_RTL(base);
    }
  }
  for (char32_t& c : chars_) {
    if (c > 0xFFFF) c = slots.SlotFor(c);
  }
  at_.reserve(chars_.size() + 1);
  for (char32_t c : chars_) {
    at_.push_back(shaped_.size());
    protocol::AppendUtf8(shaped_, c);
  }
  at_.push_back(shaped_.size());
}

std::string Paragraph::Line(std::size_t begin, std::size_t end) const {
  end = std::min(end, shaped_.size());
  begin = std::min(begin, end);
  if (!mixed_) return shaped_.substr(begin, end - begin);
  const auto first = static_cast<std::size_t>(std::lower_bound(at_.begin(), at_.end(), begin) - at_.begin());
  const auto last = static_cast<std::size_t>(std::lower_bound(at_.begin(), at_.end(), end) - at_.begin());
  std::u32string visual = chars_;
  std::vector<FriBidiLevel> levels(levels_.begin(), levels_.end());
  std::vector<FriBidiCharType> types(types_.begin(), types_.end());
  if (fribidi_reorder_line(FRIBIDI_FLAGS_DEFAULT, types.data(), static_cast<FriBidiStrIndex>(last - first),
                           static_cast<FriBidiStrIndex>(first), base_, levels.data(),
                           reinterpret_cast<FriBidiChar*>(visual.data()), nullptr) == 0) {
    return shaped_.substr(begin, end - begin);
  }
  return EncodeUtf8(std::u32string_view(visual).substr(first, last - first));
}

std::string Drawn(std::string_view utf8, Slots& slots) {
  const bool plain = std::all_of(utf8.begin(), utf8.end(), [](char b) { return static_cast<unsigned char>(b) < 0x80; });
  if (plain) return std::string(utf8);
  Paragraph p(utf8, slots);
  return p.Line(0, p.shaped().size());
}

}  // namespace kintsugi::ui::text
