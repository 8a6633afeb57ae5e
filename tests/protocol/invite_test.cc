#include "protocol/invite.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "test_util.h"

namespace kintsugi::protocol {
namespace {

using fixtures::FilledHash;

std::string_view Word(std::uint8_t index) { return InviteWordList()[index]; }

std::uint8_t IndexOf(std::string_view word) {
  auto list = InviteWordList();
  auto it = std::find(list.begin(), list.end(), word);
  EXPECT_NE(it, list.end()) << word;
  return static_cast<std::uint8_t>(it - list.begin());
}

InviteCode Code(std::uint16_t nameplate, std::string_view a, std::string_view b,
                std::string_view c) {
  return InviteCode{nameplate, {IndexOf(a), IndexOf(b), IndexOf(c)}};
}

// The checksum word as the header specifies it, computed independently.
std::string_view ExpectedChecksumWord(const InviteCode& code) {
  std::string password = std::to_string(code.nameplate);
  for (auto w : code.words) password += "-" + std::string(Word(w));
  Hash32 h = crypto::Blake2b256({AsBytes("kintsugi invite v1"), AsBytes(password)});
  return Word(h[0]);
}

// Optimal string alignment distance: a swap of neighbours is one edit.
std::size_t Distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string ParseError(std::string_view text) {
  auto parsed = ParseInviteCode(text);
  if (parsed.ok()) {
    ADD_FAILURE() << "\"" << text << "\" parsed";
    return "";
  }
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument) << text;
  return parsed.error().message;
}

// Returns scripted bytes, so tests can see exactly what NewInviteCode draws.
class ScriptedRandom final : public crypto::RandomSource {
 public:
  explicit ScriptedRandom(std::vector<std::uint8_t> bytes) : bytes_(bytes.begin(), bytes.end()) {}
  void Fill(std::span<std::uint8_t> out) override {
    for (auto& b : out) {
      if (bytes_.empty()) {
        ADD_FAILURE() << "drew more bytes than scripted";
        b = 0;
        continue;
      }
      b = bytes_.front();
      bytes_.pop_front();
    }
  }
  std::size_t left() const { return bytes_.size(); }

 private:
  std::deque<std::uint8_t> bytes_;
};

// --- The word list --------------------------------------------------------

TEST(InviteWords, AreShortLowercaseAndDistinct) {
  auto list = InviteWordList();
  std::set<std::string_view> distinct(list.begin(), list.end());
  EXPECT_EQ(distinct.size(), 256u);
  for (std::string_view w : list) {
    EXPECT_GE(w.size(), 3u) << w;
    EXPECT_LE(w.size(), 7u) << w;
    EXPECT_TRUE(std::all_of(w.begin(), w.end(), [](char c) { return c >= 'a' && c <= 'z'; })) << w;
  }
}

TEST(InviteWords, AreSortedSoTheIndexOfAWordIsItsRank) {
  auto list = InviteWordList();
  EXPECT_TRUE(std::is_sorted(list.begin(), list.end()));
}

TEST(InviteWords, NoTwoShareTheirFirstThreeLetters) {
  std::set<std::string_view> prefixes;
  for (std::string_view w : InviteWordList()) {
    EXPECT_TRUE(prefixes.insert(w.substr(0, 3)).second) << w;
  }
}

TEST(InviteWords, NoTwoAreWithinOneEditOfEachOther) {
  auto list = InviteWordList();
  for (std::size_t i = 0; i < list.size(); ++i) {
    for (std::size_t j = i + 1; j < list.size(); ++j) {
      EXPECT_GE(Distance(list[i], list[j]), 2u) << list[i] << " " << list[j];
    }
  }
}

TEST(InviteWords, NoTwoSoundAlike) {
  // Homophone groups of words that are tempting in such a list; at most one
  // word of each group may be a code word.
  const std::vector<std::vector<std::string_view>> homophones = {
      {"beach", "beech"},     {"bear", "bare"},        {"berry", "bury"},
      {"blue", "blew"},       {"board", "bored"},      {"bread", "bred"},
      {"cereal", "serial"},   {"cheap", "cheep"},      {"colonel", "kernel"},
      {"coral", "choral"},    {"cymbal", "symbol"},    {"dear", "deer"},
      {"flea", "flee"},       {"flour", "flower"},     {"flu", "flew", "flue"},
      {"fir", "fur"},         {"gorilla", "guerrilla"}, {"hair", "hare"},
      {"heal", "heel"},       {"hoarse", "horse"},     {"hole", "whole"},
      {"hour", "our"},        {"idle", "idol"},        {"jewel", "joule"},
      {"knight", "night"},    {"knot", "not"},         {"made", "maid"},
      {"mail", "male"},       {"meat", "meet"},        {"medal", "meddle", "metal"},
      {"morning", "mourning"}, {"pail", "pale"},       {"pain", "pane"},
      {"pair", "pear", "pare"}, {"peace", "piece"},    {"plain", "plane"},
      {"plum", "plumb"},      {"pole", "poll"},        {"rain", "reign", "rein"},
      {"read", "red"},        {"right", "write", "rite"}, {"road", "rode"},
      {"root", "route"},      {"rose", "rows"},        {"sail", "sale"},
      {"sea", "see"},         {"son", "sun"},          {"stair", "stare"},
      {"steal", "steel"},     {"suite", "sweet"},      {"tail", "tale"},
      {"tide", "tied"},       {"timber", "timbre"},    {"toe", "tow"},
      {"wail", "whale"},      {"wait", "weight"},      {"weak", "week"},
      {"weather", "whether"}, {"which", "witch"},      {"whine", "wine"},
      {"whirled", "world"},   {"wood", "would"},       {"yoke", "yolk"},
  };
  auto list = InviteWordList();
  for (const auto& group : homophones) {
    int present = 0;
    for (std::string_view w : group) present += std::binary_search(list.begin(), list.end(), w);
    EXPECT_LE(present, 1) << group[0];
  }
}

// --- New codes ------------------------------------------------------------

TEST(Invite, NewCodesRoundTripThroughFormatAndParse) {
  crypto::DeterministicRandom rng(FilledHash(0x17));
  for (int i = 0; i < 2000; ++i) {
    InviteCode code = NewInviteCode(rng);
    ASSERT_GE(code.nameplate, 1);
    ASSERT_LE(code.nameplate, kMaxNameplate);
    std::string text = FormatInviteCode(code);
    auto parsed = ParseInviteCode(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, code) << text;
  }
}

TEST(Invite, NewCodesCoverEveryNameplateAndEveryWord) {
  crypto::DeterministicRandom rng(FilledHash(0x29));
  std::vector<int> nameplates(kMaxNameplate + 1, 0);
  std::vector<std::vector<int>> words(kInviteWords, std::vector<int>(256, 0));
  for (int i = 0; i < 30000; ++i) {
    InviteCode code = NewInviteCode(rng);
    ASSERT_GE(code.nameplate, 1);
    ASSERT_LE(code.nameplate, kMaxNameplate);
    ++nameplates[code.nameplate];
    for (std::size_t k = 0; k < kInviteWords; ++k) ++words[k][code.words[k]];
  }
  // 30 draws of each nameplate expected; a value folded in by a modulo would
  // get about twice that, a value never drawn none.
  for (std::uint16_t n = 1; n <= kMaxNameplate; ++n) {
    EXPECT_GE(nameplates[n], 8) << n;
    EXPECT_LE(nameplates[n], 55) << n;
  }
  for (std::size_t k = 0; k < kInviteWords; ++k) {
    for (int w = 0; w < 256; ++w) EXPECT_GT(words[k][w], 0) << k << " " << w;
  }
}

TEST(Invite, NewCodeRedrawsANameplateOutOfRangeInsteadOfFoldingIt) {
  // Draws are 10 bits from two bytes; 0 and 1000..1023 must be redrawn.
  ScriptedRandom rng({0x00, 0x00,    // 0: redraw
                      0x03, 0xE8,    // 1000: redraw
                      0xFF, 0xFF,    // 1023: redraw
                      0xFC, 0x07,    // high bits ignored: 7
                      0x01, 0x02, 0x03});
  InviteCode code = NewInviteCode(rng);
  EXPECT_EQ(code.nameplate, 7);
  EXPECT_EQ(code.words, (std::array<std::uint8_t, 3>{1, 2, 3}));
  EXPECT_EQ(rng.left(), 0u);

  ScriptedRandom top({0x03, 0xE7, 0xFF, 0x00, 0x80});
  code = NewInviteCode(top);
  EXPECT_EQ(code.nameplate, 999);
  EXPECT_EQ(code.words, (std::array<std::uint8_t, 3>{0xFF, 0x00, 0x80}));
}

// --- Format and password --------------------------------------------------

TEST(Invite, HeaderExampleIsAValidCode) {
  InviteCode code = Code(417, "amber", "harbor", "velvet");
  EXPECT_EQ(FormatInviteCode(code), "417-amber-harbor-velvet-basket");
  auto parsed = ParseInviteCode("417-amber-harbor-velvet-basket");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, code);
}

TEST(Invite, ChecksumWordIsIndexedByTheFirstByteOfTheHashOfThePassword) {
  crypto::DeterministicRandom rng(FilledHash(0x31));
  for (int i = 0; i < 300; ++i) {
    InviteCode code = NewInviteCode(rng);
    std::string text = FormatInviteCode(code);
    std::string_view last = std::string_view(text).substr(text.rfind('-') + 1);
    EXPECT_EQ(last, ExpectedChecksumWord(code)) << text;
  }
}

TEST(Invite, PasswordIsTheCodeWithoutTheChecksumWord) {
  InviteCode code = Code(417, "amber", "harbor", "velvet");
  EXPECT_EQ(InvitePassword(code), "417-amber-harbor-velvet");

  crypto::DeterministicRandom rng(FilledHash(0x44));
  for (int i = 0; i < 300; ++i) {
    code = NewInviteCode(rng);
    std::string password = InvitePassword(code);
    EXPECT_EQ(FormatInviteCode(code), password + "-" + std::string(ExpectedChecksumWord(code)));
    EXPECT_EQ(std::count(password.begin(), password.end(), '-'), 3) << password;
  }
}

TEST(Invite, FormatWritesTheNameplateWithoutPadding) {
  InviteCode code = Code(7, "zone", "acorn", "acorn");
  std::string text = FormatInviteCode(code);
  EXPECT_EQ(text.substr(0, 18), "7-zone-acorn-acorn");
  auto parsed = ParseInviteCode("007" + text.substr(1));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, code);
}

// --- Parsing what people type ---------------------------------------------

TEST(Invite, ParseForgivesCaseSpacesAndSeparators) {
  InviteCode expected = Code(417, "amber", "harbor", "velvet");
  for (std::string_view text : {"  417 Amber  harbor.velvet-BASKET ",
                                "417_amber__harbor - velvet...basket\n",
                                "\t417-AMBER-HARBOR-VELVET-BASKET\r\n",
                                "-417-amber-harbor-velvet-basket-",
                                "417 amber harbor velvet basket"}) {
    auto parsed = ParseInviteCode(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message;
    EXPECT_EQ(*parsed, expected) << text;
  }
}

TEST(Invite, RejectsTheWrongShape) {
  for (std::string_view text : {"", "   ", "---", "417", "417-amber-harbor-velvet",
                                "417-amber-harbor-velvet-basket-tulip",
                                "amber-417-harbor-velvet-basket", "amber-harbor-velvet-basket",
                                "4a7-amber-harbor-velvet-basket", "4 17-amber-harbor-velvet-basket",
                                "417amber-harbor-velvet-basket"}) {
    std::string message = ParseError(text);
    EXPECT_NE(message.find("a number and four words"), std::string::npos)
        << text << ": " << message;
    EXPECT_NE(message.find("417-amber-harbor-velvet-basket"), std::string::npos) << message;
  }
}

TEST(Invite, RejectsVeryLongInputWithoutRepeatingIt) {
  std::string text = "417-amber-harbor-velvet-basket" + std::string(300, ' ');
  std::string message = ParseError(text);
  EXPECT_NE(message.find("a number and four words"), std::string::npos) << message;
  EXPECT_TRUE(ParseInviteCode("417-amber-harbor-velvet-basket" + std::string(150, ' ')).ok());
}

TEST(Invite, RejectsNameplatesOutOfRange) {
  InviteCode code = Code(417, "amber", "harbor", "velvet");
  for (std::uint16_t nameplate : {0, 1000}) {
    code.nameplate = nameplate;
    // A checksum word that would be right, so only the number is wrong.
    std::string text = std::to_string(nameplate) + "-amber-harbor-velvet-" +
                       std::string(ExpectedChecksumWord(code));
    std::string message = ParseError(text);
    EXPECT_NE(message.find("between 1 and 999"), std::string::npos) << text << ": " << message;
  }
  for (std::string_view text : {"000-amber-harbor-velvet-basket",
                                "99999999999999999999999-amber-harbor-velvet-basket"}) {
    std::string message = ParseError(text);
    EXPECT_NE(message.find("between 1 and 999"), std::string::npos) << text << ": " << message;
  }
}

TEST(Invite, AcceptsTheSmallestAndLargestNameplates) {
  for (std::uint16_t nameplate : {1, 999}) {
    InviteCode code = Code(nameplate, "amber", "harbor", "velvet");
    auto parsed = ParseInviteCode(FormatInviteCode(code));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->nameplate, nameplate);
  }
}

TEST(Invite, NamesTheNearestWordForATypo) {
  std::string message = ParseError("417-ambre-harbor-velvet-basket");
  EXPECT_NE(message.find("word 1"), std::string::npos) << message;
  EXPECT_NE(message.find("\"ambre\""), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean \"amber\"?"), std::string::npos) << message;

  message = ParseError("417-amber-harbor-velvet-baskt");
  EXPECT_NE(message.find("word 4"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean \"basket\"?"), std::string::npos) << message;
}

TEST(Invite, PrefersTheNearestWordOverOneWithTheSameStart) {
  // "moose" is one edit from "mouse" and starts like "moon".
  std::string message = ParseError("417-moose-harbor-velvet-basket");
  EXPECT_NE(message.find("did you mean \"mouse\"?"), std::string::npos) << message;
  EXPECT_EQ(message.find("moon"), std::string::npos) << message;
}

TEST(Invite, BreaksATieByTheFirstThreeLetters) {
  // "hocey" is one edit from both "hockey" and "honey".
  std::string message = ParseError("417-amber-hocey-velvet-basket");
  EXPECT_NE(message.find("did you mean \"hockey\"?"), std::string::npos) << message;
  EXPECT_EQ(message.find("honey"), std::string::npos) << message;
}

TEST(Invite, NamesBothWordsWhenATypoIsEquallyNearToTwo) {
  std::string message = ParseError("417-amber-harbor-lelon-basket");
  EXPECT_NE(message.find("word 3"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean \"lemon\" or \"melon\"?"), std::string::npos) << message;
}

TEST(Invite, NamesTheWordAnUnknownWordBeginsLike) {
  // Far too many edits from anything, but it starts like "harbor".
  std::string message = ParseError("417-amber-harborfront-velvet-basket");
  EXPECT_NE(message.find("did you mean \"harbor\"?"), std::string::npos) << message;
}

TEST(Invite, SuggestsNothingWhenNoWordIsClose) {
  std::string message = ParseError("417-amber-xyzzy-velvet-basket");
  EXPECT_NE(message.find("word 2, \"xyzzy\", is not one of the code words"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("did you mean"), std::string::npos) << message;
}

TEST(Invite, RefusesAnAbbreviatedWordButNamesIt) {
  std::string message = ParseError("417-amb-harbor-velvet-basket");
  EXPECT_NE(message.find("did you mean \"amber\"?"), std::string::npos) << message;
}

TEST(Invite, RepeatsOnlyPrintableAsciiInMessages) {
  for (std::string_view text : {std::string_view("417-amb\x01r-harbor-velvet-basket"),
                                std::string_view("417-\xc3\xa4mber-harbor-velvet-basket")}) {
    std::string message = ParseError(text);
    EXPECT_TRUE(std::all_of(message.begin(), message.end(),
                            [](char c) { return c >= ' ' && c <= '~'; }))
        << message;
    EXPECT_NE(message.find("word 1 is not one of the code words"), std::string::npos) << message;
    EXPECT_NE(message.find("did you mean \"amber\"?"), std::string::npos) << message;
  }
  std::string long_word(30, 'q');
  std::string message = ParseError("417-amber-" + long_word + "-velvet-basket");
  EXPECT_EQ(message.find(long_word), std::string::npos) << message;
}

TEST(Invite, RejectsAWrongChecksumWord) {
  std::string message = ParseError("417-amber-harbor-velvet-tulip");
  EXPECT_NE(message.find("a word is wrong or out of order"), std::string::npos) << message;
}

TEST(Invite, RejectsWordsOutOfOrder) {
  for (std::string_view text : {"417-harbor-amber-velvet-basket", "417-amber-velvet-harbor-basket",
                                "417-amber-harbor-basket-velvet"}) {
    std::string message = ParseError(text);
    EXPECT_NE(message.find("a word is wrong or out of order"), std::string::npos) << text;
  }
}

TEST(Invite, CatchesAlmostEverySingleWordSubstitution) {
  crypto::DeterministicRandom rng(FilledHash(0x5a));
  std::size_t tried = 0;
  std::size_t missed = 0;
  for (int i = 0; i < 200; ++i) {
    InviteCode code = NewInviteCode(rng);
    std::array<std::string, 5> parts;
    parts[0] = std::to_string(code.nameplate);
    for (std::size_t k = 0; k < kInviteWords; ++k) parts[k + 1] = Word(code.words[k]);
    parts[4] = ExpectedChecksumWord(code);
    for (std::size_t position = 1; position < parts.size(); ++position) {
      auto replaced = parts;
      // Another code word: only the checksum can catch it.
      for (int w = 0; w < 256; ++w) {
        if (Word(static_cast<std::uint8_t>(w)) == parts[position]) continue;
        replaced[position] = Word(static_cast<std::uint8_t>(w));
        std::string text = replaced[0];
        for (std::size_t k = 1; k < replaced.size(); ++k) text += "-" + replaced[k];
        auto parsed = ParseInviteCode(text);
        ++tried;
        if (parsed.ok()) {
          ++missed;
        } else {
          EXPECT_NE(parsed.error().message.find("out of order"), std::string::npos);
        }
      }
      // A word with its last letter lost is never a code word (no two are
      // one edit apart), so it is always caught.
      replaced[position] = parts[position].substr(0, parts[position].size() - 1);
      std::string text = replaced[0];
      for (std::size_t k = 1; k < replaced.size(); ++k) text += "-" + replaced[k];
      std::string message = ParseError(text);
      EXPECT_NE(message.find("is not one of the code words"), std::string::npos) << text;
      ++tried;
    }
  }
  EXPECT_GT(tried, 200000u);
  EXPECT_LE(missed * 256, tried) << missed << " of " << tried << " substitutions were accepted";
  // A checksum that caught nothing, or everything, would be broken too.
  EXPECT_GT(missed, 0u);
}

}  // namespace
}  // namespace kintsugi::protocol
