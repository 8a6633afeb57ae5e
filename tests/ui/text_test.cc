// The window's text layer (ui/text.h) on fixed strings: UTF-8 in and out,
// right-to-left text in visual order line by line, Arabic joined, and the
// Private Use slots that carry characters beyond U+FFFF through ImGui.
#include "ui/text.h"

#include <gtest/gtest.h>

#include <string>

#include "protocol/utf8.h"

namespace kintsugi::ui::text {
namespace {

std::u32string Chars(const std::string& s) { return protocol::DecodeUtf8(s); }

TEST(TextTest, LeftToRightTextIsDrawnAsItIs) {
  const std::string s = "Désolé — I’m sorry, Zażółć Привет 你好 Ngọc";
  EXPECT_EQ(Drawn(s), s);
  EXPECT_FALSE(Paragraph(s).reorders());
}

TEST(TextTest, HebrewReadsRightToLeftInsideALeftToRightLine) {
  EXPECT_EQ(Drawn("Sam: שלום!"), "Sam: םולש!");
}

TEST(TextTest, ARightToLeftParagraphPutsItsFirstWordOnTheRight) {
  const Paragraph p("שלום Sam!");
  EXPECT_TRUE(p.right_to_left());
  EXPECT_EQ(p.Line(0, p.shaped().size()), "!Sam םולש");
}

TEST(TextTest, ArabicLettersAreJoinedIntoTheirConnectedForms) {
  // س ل ا م: seen initial, lam-alef as one ligature, meem alone; then reversed.
  EXPECT_EQ(Chars(Drawn("سلام")), (std::u32string{0xFEE1, 0xFEFC, 0xFEFF, 0xFEB3}));
}

TEST(TextTest, BracketsAroundRightToLeftTextAreMirrored) {
  EXPECT_EQ(Chars(Drawn("(5 أيام)")), (std::u32string{U'(', 0xFEE1, 0xFE8E, 0xFEF3, 0xFE83, U' ', U'5', U')'}));
}

TEST(TextTest, EachLineOfAWrappedParagraphIsReorderedOnItsOwn) {
  // Broken after the first word in reading order: the first line holds the
  // first word, not the end of the paragraph, each reversed.
  const Paragraph p("אבג דהו");
  const std::size_t space = p.shaped().find(' ');
  EXPECT_EQ(p.Line(0, space + 1), " גבא");
  EXPECT_EQ(p.Line(space + 1, p.shaped().size()), "והד");
}

TEST(TextTest, EmojiBeyondUFFFFTravelThroughAFieldInPrivateUseSlots) {
  Slots slots;
  const std::string typed = "ok 😀 and 🙏, 😀 again";
  const std::string field = ForField(typed, slots);
  const std::u32string chars = Chars(field);
  for (char32_t c : chars) EXPECT_LE(c, 0xFFFFu);
  EXPECT_EQ(chars[3], Slots::kFirst);
  EXPECT_EQ(chars[9], Slots::kFirst + 1);
  EXPECT_EQ(chars[12], Slots::kFirst);  // the same character, the same slot
  EXPECT_EQ(FromField(field, slots), typed);
  EXPECT_EQ(slots.CharIn(Slots::kFirst + 1), 0x1F64Fu);
}

TEST(TextTest, APrivateUseCharacterThatIsNoSlotComesBackUnchanged) {
  Slots slots;
  const std::string s = "\ue123 and \U0001F600";
  EXPECT_EQ(FromField(ForField(s, slots), slots), s);
}

TEST(TextTest, WhenTheSlotsRunOutACharacterIsDrawnAsTheReplacement) {
  Slots slots;
  for (char32_t c = 0x20000; c <= 0x20000 + (Slots::kLast - Slots::kFirst); ++c) ASSERT_LE(slots.SlotFor(c), Slots::kLast);
  EXPECT_EQ(slots.SlotFor(0x30000), 0xFFFDu);
  EXPECT_EQ(slots.SlotFor(0x20000), Slots::kFirst);  // those given stay
}

TEST(TextTest, InvisibleCharactersAreKnown) {
  for (char32_t c : {0xFE0Fu, 0x200Du, 0x200Fu, 0x202Eu, 0x2066u, 0xFEFFu, 0xE0067u}) EXPECT_TRUE(IsInvisible(c)) << static_cast<unsigned>(c);
  for (char32_t c : {0x20u, 0x2764u, 0x5D0u}) EXPECT_FALSE(IsInvisible(c)) << static_cast<unsigned>(c);
}

}  // namespace
}  // namespace kintsugi::ui::text
