// kintsugictl's human output (client/terminal_text.h): a partner's control
// characters are shown, never obeyed; names in any script line up.
#include "client/terminal_text.h"

#include <gtest/gtest.h>

#include <sstream>

namespace kintsugi::client {
namespace {

TEST(TerminalText, EscapeSequencesAreShownNotObeyed) {
  EXPECT_EQ(Visible("ok\x1b[2J\x1b[1;1Hfake"), "ok\u241b[2J\u241b[1;1Hfake");
  EXPECT_EQ(Visible("line\rover"), "line\u240dover");
  EXPECT_EQ(Visible("bell\x07 del\x7f nul"), "bell\u2407 del\u2421 nul");
}

TEST(TerminalText, LineFeedsAndTabsStay) { EXPECT_EQ(Visible("a\tb\nc"), "a\tb\nc"); }

TEST(TerminalText, C1ControlsAndBidiOverridesAreNamed) {
  EXPECT_EQ(Visible("a\u009b2Jb"), "a<U+009B>2Jb");            // CSI as one character
  EXPECT_EQ(Visible("kept \u202edessim\u202c"), "kept <U+202E>dessim<U+202C>");
  EXPECT_EQ(Visible("\u2067x\u2069"), "<U+2067>x<U+2069>");
}

TEST(TerminalText, BytesThatAreNotUtf8BecomeTheReplacementCharacter) {
  EXPECT_EQ(Visible("a\x9b" "b"), "a\ufffdb");  // a lone 8-bit CSI byte
  EXPECT_EQ(Visible("\xe2\x82"), "\ufffd\ufffd");  // each byte of a cut character
}

TEST(TerminalText, EveryScriptIsPrintedAsWritten) {
  const std::string words = "Désolé — I’m sorry ❤️ שלום مرحبا Zażółć Привет 你好 😀";
  EXPECT_EQ(Visible(words), words);
}

TEST(TerminalText, ColumnsCountWhatATerminalShows) {
  EXPECT_EQ(Columns("Sam"), 3u);
  EXPECT_EQ(Columns("Łukasz"), 6u);
  EXPECT_EQ(Columns("王小明"), 6u);
  EXPECT_EQ(Columns("e\u0301"), 1u);  // e and a combining acute
  EXPECT_EQ(PadRight("Łukasz", 8), "Łukasz  ");
  EXPECT_EQ(PadRight("王小明", 8), "王小明  ");
}

TEST(TerminalText, AStreamIsFilteredEvenWhenACharacterArrivesInPieces) {
  std::ostringstream out;
  {
    VisibleOutput visible(out);
    out << "a\x1b";
    out.flush();
    out << "\xe2\x80";  // the first two bytes of U+202E
    out.flush();
    out << "\xae" "b\n" << "\xd7\xa9";
  }
  EXPECT_EQ(out.str(), "a\u241b<U+202E>b\n\u05e9");
}

}  // namespace
}  // namespace kintsugi::client
