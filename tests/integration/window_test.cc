// The window, for real: two paired daemons on loopback and each partner's
// `kintsugi` window on one X display (Xvfb, started by ctest through
// xvfb-run). Partner A's window is driven by real input events (xdotool
// moves the pointer, clicks and types; X delivers them to GLFW like a
// person's) to propose an agreement; partner B's window accepts it; then
// both windows show it as active. The windows report where they drew their
// widgets through KINTSUGI_UI_PROBE, which is how the test knows where to
// click and what each window shows.
//
// Also: `kintsugi --screenshot DIR` writes one non-blank PNG per screen.
#include <stb_image.h>

#include "tests/integration/window_support.h"

namespace kintsugi::testing {
namespace {

bool ActiveOn(const Partner& p, const std::string& title) {
  json agreements = p.Json({"agreements"})["agreements"];
  for (const auto& a : agreements) {
    if (a.value("title", "") == title) return a.value("state", "") == "active";
  }
  return false;
}

TEST_F(WindowTest, AProposesInHerWindowBAcceptsInHisAndBothShowItActive) {
  const std::string title = "Tell before plans change";
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  Window sam(b_.data(), dir_ / "sam.probe", 660);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && sam.Shows("Today"); }, std::chrono::seconds(20)))
      << "alex: " << alex.Probe().dump() << "\nsam: " << sam.Probe().dump();

  // Alex: Agreements, title, text, Propose.
  ASSERT_TRUE(alex.Click("nav:Agreements"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Agreements") && alex.Has("propose title"); }));
  ASSERT_TRUE(alex.Click("propose title"));
  ASSERT_TRUE(alex.Type(title));
  ASSERT_TRUE(alex.Click("propose text"));
  ASSERT_TRUE(alex.Type("When my plans change, I tell you before, not after."));
  ASSERT_TRUE(alex.Click("Propose"));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("agreement:Awaiting your partner:" + title); }))
      << alex.Probe().dump();
  json proposed = a_.Json({"agreements"})["agreements"];
  ASSERT_EQ(proposed.size(), 1u);
  EXPECT_EQ(proposed[0]["title"], title);
  EXPECT_EQ(proposed[0]["text"], "When my plans change, I tell you before, not after.");
  EXPECT_EQ(proposed[0]["state"], "proposed");

  // Sam's window learns of it from the daemon's event and offers to accept.
  ASSERT_TRUE(WaitFor([&] { return sam.Has("accept:" + title); }, std::chrono::seconds(20)))
      << sam.Probe().dump() << b_.Log();
  ASSERT_TRUE(sam.Click("accept:" + title));
  ASSERT_TRUE(WaitFor([&] { return ActiveOn(b_, title) && ActiveOn(a_, title); }, std::chrono::seconds(20)));

  // Both windows show it as active.
  ASSERT_TRUE(sam.Click("nav:Agreements"));
  EXPECT_TRUE(WaitFor([&] { return sam.Has("agreement:Active:" + title); })) << sam.Probe().dump();
  EXPECT_TRUE(WaitFor([&] { return alex.Has("agreement:Active:" + title); })) << alex.Probe().dump();
  EXPECT_FALSE(alex.Has("agreement:Awaiting your partner:" + title));

  // Alex proposes to end it, with a reason: Sam's window says why, beside
  // the question it asks.
  const std::string id = a_.Json({"agreements"})["agreements"][0]["id"];
  const std::string reason = "we do this without a rule now";
  ASSERT_EQ(a_.Ctl({"agree", "retire", id, "--reason", reason}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return sam.Has("awaiting words:" + reason); }, std::chrono::seconds(20)))
      << sam.Probe().dump();
  EXPECT_TRUE(alex.running());
  EXPECT_TRUE(sam.running());
}

// Whether the window drew an item whose name holds `part` (the probe names
// rows after what they say).
bool HasItemWith(const Window& w, const std::string& part) {
  const json p = w.Probe();
  if (!p.contains("items")) return false;
  for (const auto& [name, rect] : p["items"].items()) {
    if (name.find(part) != std::string::npos) return true;
  }
  return false;
}

// What Alex writes in her window, Sam reads in his: her feelings with what
// she appreciated and needs on his Today and his timeline; her talk request
// on his Today, which he answers there; his answer on her Today.
TEST_F(WindowTest, WhatAlexWritesSamReadsAndAnswersInHisWindow) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  Window sam(b_.data(), dir_ / "sam.probe", 660);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && sam.Shows("Today"); }, std::chrono::seconds(20)))
      << "alex: " << alex.Probe().dump() << "\nsam: " << sam.Probe().dump();
  // Each window says whose it is.
  EXPECT_TRUE(WaitFor([&] { return alex.Title() == "Kintsugi: Alex" && sam.Title() == "Kintsugi: Sam"; }))
      << alex.Title() << " / " << sam.Title();

  ASSERT_TRUE(alex.Click("appreciated"));
  ASSERT_TRUE(alex.Type("You made tea without asking"));
  ASSERT_TRUE(alex.Click("needed"));
  ASSERT_TRUE(alex.Type("A quiet evening"));
  ASSERT_TRUE(alex.Click("check in"));
  ASSERT_TRUE(WaitFor([&] { return HasItemWith(sam, "partner:appreciated:You made tea without asking"); },
                      std::chrono::seconds(20)))
      << sam.Probe().dump() << b_.Log();
  EXPECT_TRUE(HasItemWith(sam, "partner:needs:A quiet evening")) << sam.Probe().dump();
  EXPECT_TRUE(HasItemWith(sam, "partner:feelings:mood 5, trust 5")) << sam.Probe().dump();

  ASSERT_TRUE(sam.Click("nav:Timeline"));
  EXPECT_TRUE(WaitFor([&] {
    return HasItemWith(sam, "Alex checked in: mood 5, trust 5. Appreciated: You made tea without asking. "
                            "Needs: A quiet evening.");
  })) << sam.Probe().dump();

  ASSERT_TRUE(alex.Click("nav:Together"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Together") && alex.Has("talk"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("talk"));
  ASSERT_TRUE(alex.Type("the holidays"));
  ASSERT_TRUE(alex.Click("Ask to talk"));
  ASSERT_TRUE(WaitFor([&] { return a_.Json({"timeline", "--kind", "talk.request"}).value("entries", json::array()).size() == 1; }))
      << alex.Probe().dump();

  ASSERT_TRUE(sam.Click("nav:Today"));
  ASSERT_TRUE(WaitFor([&] { return sam.Has("partner:asks:the holidays") && sam.Has("answer:Yes, tonight"); },
                      std::chrono::seconds(20)))
      << sam.Probe().dump();
  ASSERT_TRUE(sam.Click("answer:Yes, tonight"));
  ASSERT_TRUE(alex.Click("nav:Today"));
  EXPECT_TRUE(WaitFor([&] { return alex.Has("partner:answer:Yes, tonight"); }, std::chrono::seconds(20)))
      << alex.Probe().dump();
  EXPECT_TRUE(WaitFor([&] { return !sam.Has("partner:asks:the holidays"); })) << sam.Probe().dump();
  EXPECT_TRUE(alex.running());
  EXPECT_TRUE(sam.running());
}

// Every script a person writes reaches the other window with a real glyph.
// Alex pastes, with real key events (Ctrl+V), Latin with diacritics (Vietnamese
// included), typographic punctuation, Hebrew, Arabic, Greek, Cyrillic, CJK and
// emoji (in and beyond the Basic Multilingual Plane); her daemon stores every
// character; Sam's window draws her words with no replacement glyph: the
// font atlas has every character it was asked for, and the frame's draw data
// holds not one U+FFFD. Then a character no font has (U+10FFFD) shows that
// the window does see a missing glyph when there is one.
TEST_F(WindowTest, EveryScriptAlexTypesSamReadsWithARealGlyph) {
  const std::string appreciated = "Désolé — I’m sorry ❤️ שלום مرحبا Zażółć Привет Γειά 你好 😀";
  const std::string needed = "Ngọc — תודה, شكرا 🙏";
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  Window sam(b_.data(), dir_ / "sam.probe", 660);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && sam.Shows("Today"); }, std::chrono::seconds(20)))
      << "alex: " << alex.Probe().dump() << "\nsam: " << sam.Probe().dump();
  ASSERT_TRUE(alex.Click("appreciated"));
  ASSERT_TRUE(alex.Paste(appreciated));
  ASSERT_TRUE(alex.Click("needed"));
  ASSERT_TRUE(alex.Paste(needed));
  ASSERT_TRUE(alex.Click("check in"));
  ASSERT_TRUE(WaitFor([&] { return HasItemWith(sam, "partner:appreciated:" + appreciated); }, std::chrono::seconds(20)))
      << sam.Probe().dump() << a_.Log();
  const json stored = a_.Json({"timeline", "--kind", "feelings"}).value("entries", json::array());
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_NE(stored[0].dump().find(appreciated), std::string::npos) << stored.dump();
  EXPECT_NE(stored[0].dump().find(needed), std::string::npos) << stored.dump();
  EXPECT_TRUE(HasItemWith(sam, "partner:needs:" + needed)) << sam.Probe().dump();

  auto clean = [&] {
    const json g = sam.Probe().value("glyphs", json::object());
    return g.value("replacements_drawn", -1) == 0 && g.value("missing", json::array()).empty() &&
           g.value("noted", 0) > 20;
  };
  EXPECT_TRUE(WaitFor(clean)) << sam.Probe()["glyphs"].dump();
  ASSERT_TRUE(sam.Click("nav:Timeline"));
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Timeline") && HasItemWith(sam, appreciated); })) << sam.Probe().dump();
  EXPECT_TRUE(WaitFor(clean)) << sam.Probe()["glyphs"].dump();

  ASSERT_EQ(a_.Ctl({"appreciate", "a character no font has: \U0010FFFD"}).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] {
    const json g = sam.Probe().value("glyphs", json::object());
    return g.value("replacements_drawn", 0) >= 1 && g.value("missing", json::array()) == json::array({0x10FFFD});
  }, std::chrono::seconds(20))) << sam.Probe()["glyphs"].dump();
  EXPECT_TRUE(alex.running());
  EXPECT_TRUE(sam.running());
}

// A note far over its limit (100 kB pasted): the window says which limit
// beside a greyed-out button, at once, and writes nothing; it keeps answering.
TEST_F(WindowTest, ANoteOverItsLimitGreysOutItsButtonAndSaysWhy) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && alex.Has("checkin note"); }, std::chrono::seconds(20)))
      << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("checkin note"));
  ASSERT_TRUE(alex.Paste(std::string(100 * 1000, 'x')));
  EXPECT_TRUE(WaitFor([&] { return alex.Has("why:Write it:note is longer than 4000 characters"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("Write it"));
  EXPECT_TRUE(a_.Json({"timeline", "--kind", "checkin"}).value("entries", json::array()).empty());
  ASSERT_TRUE(alex.Click("nav:Timeline"));
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Timeline"); })) << "the window stopped answering";
  EXPECT_TRUE(alex.running());
}

// A message is drawn beside the action that caused it, not at the foot of
// the screen: "Thank you for checking in" under Check in, then, after a
// status, the status's own message under Tell, and only that one.
TEST_F(WindowTest, AMessageIsShownBesideTheActionThatCausedIt) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && alex.Has("check in"); }, std::chrono::seconds(20)))
      << alex.Probe().dump();
  auto top = [&](const std::string& item) { return alex.Probe()["items"][item][1].get<double>(); };
  auto bottom = [&](const std::string& item) { return alex.Probe()["items"][item][3].get<double>(); };
  ASSERT_TRUE(alex.Click("check in"));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("notice"); })) << alex.Probe().dump();
  EXPECT_GE(top("notice"), bottom("check in"));
  EXPECT_LT(top("notice") - bottom("check in"), 40) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("status"));
  ASSERT_TRUE(WaitFor([&] { return alex.Probe().value("focused", "") == "status"; })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Type("home by nine"));
  ASSERT_TRUE(alex.Click("tell"));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("notice") && top("notice") > bottom("tell"); })) << alex.Probe().dump();
  EXPECT_LT(top("notice") - bottom("tell"), 40) << alex.Probe().dump();
}

// A long entry is read in full on the timeline: its row grows to hold its
// words, wrapped (no tooltip, nothing cut off at the window's edge).
TEST_F(WindowTest, ALongEntryGrowsItsTimelineRowToHoldEveryWord) {
  std::string note = "Tonight I want to say it plainly:";
  for (int i = 0; i < 30; ++i) note += " I am here and I am listening";
  note += ", the end of my long note.";
  ASSERT_EQ(b_.Ctl({"checkin", "--note", note}).exit_code, 0);
  ASSERT_EQ(b_.Ctl({"checkin", "--note", "a short one after it"}).exit_code, 0);
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("nav:Timeline"));
  auto row = [&](const std::string& words) -> json {
    const json items = alex.Probe().value("items", json::object());  // named: items() of a temporary dangles
    for (const auto& [name, rect] : items.items()) {
      if (name.rfind("entry:", 0) == 0 && name.find(words) != std::string::npos) return rect;
    }
    return nullptr;
  };
  auto height = [](const json& rect) { return rect[3].get<double>() - rect[1].get<double>(); };
  // The first frame places rows one line high; the next, as high as their words.
  ASSERT_TRUE(WaitFor([&] {
    const json long_row = row("the end of my long note");
    const json short_row = row("a short one");
    return !long_row.is_null() && !short_row.is_null() && height(long_row) > 4 * height(short_row);
  }, std::chrono::seconds(20))) << alex.Probe().dump();
  const json long_row = row("the end of my long note");
  const json short_row = row("a short one");
  EXPECT_LE(long_row[2].get<double>(), 640) << "the row stays within the window";
  // The rows do not overlap: the newer, short one is above the long one.
  EXPECT_LE(short_row[3].get<double>(), long_row[1].get<double>() + 1) << alex.Probe().dump();
}

// Alex reads her timeline, scrolled down among long entries, when Sam's new
// check-in comes in on top: the row she is reading stays where it is. (The
// rows keep the heights they were drawn with, and the view moves down with
// the row that came in above it.)
TEST_F(WindowTest, TheRowAlexIsReadingStaysPutWhenSamsNewEntryComesInOnTop) {
  std::string words;
  for (int i = 0; i < 12; ++i) words += " and we said what we meant, slowly";
  for (int i = 0; i < 60; ++i) {
    char marker[16];
    std::snprintf(marker, sizeof marker, "marker-%03d", i);
    ASSERT_EQ(a_.Ctl({"checkin", "--note", i % 3 == 0 ? marker + words : std::string(marker)}).exit_code, 0);
  }
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("nav:Timeline"));
  // The row drawn with `words` in it: its probe name, or "" when out of view.
  auto row = [&](const std::string& words) -> std::string {
    const json items = alex.Probe().value("items", json::object());
    for (const auto& [name, rect] : items.items()) {
      if (name.rfind("entry:", 0) == 0 && name.find(words) != std::string::npos) return name;
    }
    return "";
  };
  auto top = [&](const std::string& name) -> std::optional<double> {
    const json items = alex.Probe().value("items", json::object());
    if (!items.contains(name)) return std::nullopt;
    return items[name][1].get<double>();
  };
  ASSERT_TRUE(WaitFor([&] { return !row("marker-058").empty(); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Scroll(row("marker-058"), 8));
  ASSERT_TRUE(WaitFor([&] { return row("marker-059").empty(); })) << "not scrolled: " << alex.Probe().dump();
  // The long row lowest in view is the one being read; settled when it is
  // drawn twice at the same place.
  std::string reading;
  std::optional<double> before;
  ASSERT_TRUE(WaitFor([&] {
    const json items = alex.Probe().value("items", json::object());
    std::string lowest;
    double lowest_top = -1;
    for (const auto& [name, rect] : items.items()) {
      if (name.rfind("entry:", 0) != 0 || name.find("we said what we meant") == std::string::npos) continue;
      if (rect[3].get<double>() < 800 && rect[1].get<double>() > lowest_top) {
        lowest_top = rect[1].get<double>();
        lowest = name;
      }
    }
    const bool settled = !lowest.empty() && lowest == reading && top(lowest) == before;
    reading = lowest;
    before = top(lowest);
    return settled;
  })) << alex.Probe().dump();
  const int changes = alex.Probe().value("counts", json::object()).value("timeline rows changed", 0);

  ASSERT_EQ(b_.Ctl({"checkin", "--note", "Sam is home soon"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] {
    return alex.Probe().value("counts", json::object()).value("timeline rows changed", 0) > changes;
  }, std::chrono::seconds(20))) << alex.Probe().dump() << a_.Log();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a few frames more
  const std::optional<double> after = top(reading);
  ASSERT_TRUE(after.has_value()) << reading << " left the view: " << alex.Probe().dump();
  EXPECT_NEAR(*after, *before, 2) << reading << ": " << alex.Probe().dump();
  // Sam's entry is there, on top, above what Alex was reading.
  ASSERT_TRUE(alex.Scroll(reading, -20));
  EXPECT_TRUE(WaitFor([&] { return !row("Sam is home soon").empty(); })) << alex.Probe().dump();
}

// The design bar, measured on every screen: each section is a card whose
// heading is set a size larger than the text; no panel has two primary
// actions, and every screen that writes has one; Sam's words sit inside a
// card of their own on Alex's Today. Then a correction made from a timeline
// row's menu says what it did under that row, not under the filters.
TEST_F(WindowTest, HeadingsAreLargerEachPanelHasOnePrimaryActionAndThePartnerACard) {
  ASSERT_EQ(b_.Ctl({"checkin", "feelings", "--mood", "7", "--trust", "6", "--appreciated", "the tea"}).exit_code, 0);
  ASSERT_EQ(a_.Ctl({"checkin", "--note", "a note to correct"}).exit_code, 0);
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today") && HasItemWith(alex, "partner:appreciated:the tea"); },
                      std::chrono::seconds(20)))
      << alex.Probe().dump();
  auto rect = [&](const std::string& item) { return alex.Probe()["items"][item]; };
  auto height = [](const json& r) { return r[3].get<double>() - r[1].get<double>(); };
  const double line = height(rect("partner:feelings:mood 7, trust 6"));
  const json card = rect("card:partner");
  const json words = rect("partner:appreciated:the tea");
  EXPECT_TRUE(card[1] <= words[1] && words[3] <= card[3]) << "Sam's words are on his card: " << alex.Probe().dump();

  const std::vector<std::pair<std::string, std::string>> screens = {
      {"Today", "primary:Check in"},        {"Agreements", "primary:Propose"},
      {"Timeline", "primary:I have read these"}, {"Progress", ""},
      {"Together", "primary:Ask to talk"},  {"Settings", "primary:Keep it"}};
  for (std::size_t i = 0; i < screens.size(); ++i) {
    const auto& [screen, primary] = screens[i];
    ASSERT_TRUE(alex.Key("ctrl+" + std::to_string(i + 1)));
    ASSERT_TRUE(WaitFor([&] { return alex.Shows(screen) && (primary.empty() || alex.Has(primary)); }))
        << screen << ": " << alex.Probe().dump();
    const json probe = alex.Probe();
    EXPECT_FALSE(probe["counts"].contains("panels with more than one primary action")) << screen;
    int headings = 0;
    for (const auto& [name, r] : probe["items"].items()) {
      if (name.rfind("heading:", 0) != 0) continue;
      ++headings;
      EXPECT_GE(height(r), 1.2 * line) << screen << ": " << name << " is not set larger than the text";
    }
    if (screen != "Timeline") {
      EXPECT_GT(headings, 0) << screen << ": " << probe.dump();
    }
  }

  // Timeline: right-click Alex's own entry, correct it from the menu.
  ASSERT_TRUE(alex.Key("ctrl+3"));
  std::string row;
  ASSERT_TRUE(WaitFor([&] {
    const json items = alex.Probe().value("items", json::object());
    for (const auto& [name, r] : items.items()) {
      if (name.rfind("entry:", 0) == 0 && name.find("a note to correct") != std::string::npos) row = name;
    }
    return !row.empty();
  })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click(row, "3"));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("field:the correction"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("field:the correction"));
  ASSERT_TRUE(alex.Type("a corrected note"));
  ASSERT_TRUE(alex.Click("Correct it"));
  ASSERT_TRUE(WaitFor([&] {
    const json p = alex.Probe();
    if (!p["items"].contains("notice")) return false;
    for (const auto& [name, r] : p["items"].items()) {
      // The notice sits just under the corrected row, inside it.
      if (name.rfind("entry:", 0) == 0 && name.find("a note to correct") != std::string::npos &&
          p["items"]["notice"][1].get<double>() >= r[1].get<double>() &&
          p["items"]["notice"][1].get<double>() < r[1].get<double>() + 3 * line) {
        return true;
      }
    }
    return false;
  }, std::chrono::seconds(10))) << alex.Probe().dump();
}

// Every screen draws the buttons that write the kinds it offers (the
// view-model's Offers(), which tests/ui holds to the kinds table).
TEST_F(WindowTest, EachScreenDrawsTheButtonsForTheKindsItOffers) {
  ASSERT_EQ(a_.Ctl({"checkin", "feelings", "--mood", "6", "--trust", "5"}).exit_code, 0);
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  // The screens' order in the window, and so their keys, Ctrl+1 to Ctrl+6.
  const std::vector<std::string> screens = {"Today", "Agreements", "Timeline", "Progress", "Together", "Settings"};
  std::map<std::string, std::vector<std::string>> expected;
  for (const ui::Offer& o : ui::Offers()) {
    if (o.always) expected[std::string(ui::ScreenName(o.screen))].emplace_back(o.button);
  }
  ASSERT_EQ(expected.size(), 5u) << "Settings writes no entry; every other screen does";
  for (std::size_t i = 0; i < screens.size(); ++i) {
    if (!expected.count(screens[i])) continue;
    ASSERT_TRUE(alex.Key("ctrl+" + std::to_string(i + 1)));
    ASSERT_TRUE(WaitFor([&] { return alex.Shows(screens[i]); })) << alex.Probe().dump();
    for (const auto& button : expected[screens[i]]) {
      EXPECT_TRUE(WaitFor([&] { return alex.Has(button); })) << screens[i] << " has no " << button << ": "
                                                              << alex.Probe().dump();
    }
  }
}

// After Alex leaves, Sam's window turns read-only: her last word, what is
// still possible, and no form that would fail on a click.
TEST_F(WindowTest, AfterALeaveThePartnersWindowIsReadOnlyWithTheLastWord) {
  Window sam(b_.data(), dir_ / "sam.probe", 660);
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Today") && sam.Has("Check in"); }, std::chrono::seconds(20)))
      << sam.Probe().dump();
  ASSERT_TRUE(WaitFor([&] { return a_.Json({"peers"}).value("peers", json::array()).size() == 1 &&
                                   a_.Json({"peers"})["peers"][0].value("online", false); },
                      std::chrono::seconds(20)));
  auto left = a_.Ctl({"leave", "--note", "Take care of yourself", "--yes"});
  ASSERT_EQ(left.exit_code, 0) << left.err;
  ASSERT_TRUE(WaitFor([&] { return sam.Has("ended") && sam.Has("ended:last word:Take care of yourself"); },
                      std::chrono::seconds(20)))
      << sam.Probe().dump() << b_.Log();
  EXPECT_FALSE(sam.Has("Check in"));
  EXPECT_FALSE(sam.Has("Tell"));
  ASSERT_TRUE(sam.Key("ctrl+5"));
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Together"); })) << sam.Probe().dump();
  EXPECT_TRUE(sam.Has("ended"));
  EXPECT_FALSE(sam.Has("Ask to talk"));
  EXPECT_FALSE(sam.Has("Start a pause"));
  ASSERT_TRUE(sam.Key("ctrl+2"));
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Agreements"); })) << sam.Probe().dump();
  EXPECT_FALSE(sam.Has("Propose"));
  EXPECT_TRUE(sam.running());
}

// The safety question is in Settings at any time; the helpline a person
// keeps there stays in a private file on this computer, and neither leaves
// anything in the shared ledger.
TEST_F(WindowTest, TheSafetyQuestionAndAHelplineInSettingsLeaveNoTraceInTheLedger) {
  const std::string config = dir_ / "config";
  ASSERT_EQ(setenv("XDG_CONFIG_HOME", config.c_str(), 1), 0);
  const auto entries = [](const Partner& p) { return p.Json({"status"}).value("entries", -1); };
  // Both introductions (one member entry each) on both devices first.
  ASSERT_TRUE(WaitFor([&] { return entries(a_) == 2 && entries(b_) == 2; }, std::chrono::seconds(20)));
  const int before = entries(a_);
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  unsetenv("XDG_CONFIG_HOME");
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("ctrl+6"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Settings") && alex.Has("safety:no"); })) << alex.Probe().dump();
  EXPECT_FALSE(alex.Has("safety:help"));
  ASSERT_TRUE(alex.Click("safety:no"));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("safety:help"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("helpline"));
  ASSERT_TRUE(alex.Type("City helpline 0800 555 0100"));
  ASSERT_TRUE(alex.Click("Keep it"));
  const std::string file = config + "/kintsugi/helpline";
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(file); })) << alex.Probe().dump();
  std::ifstream in(file);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "City helpline 0800 555 0100");
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  usleep(500 * 1000);
  EXPECT_EQ(entries(a_), before) << "the safety question or the helpline wrote to the ledger";
  EXPECT_EQ(entries(b_), before);
}

// A new couple's Progress: a legend of who is which colour, and a sentence
// of what will appear, after one check-in.
TEST_F(WindowTest, ANewCouplesProgressHasALegendAndSaysWhatWillAppear) {
  ASSERT_EQ(a_.Ctl({"checkin", "feelings", "--mood", "6", "--trust", "5"}).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return b_.Json({"status"}).value("entries", 0) == a_.Json({"status"}).value("entries", -1); },
                      std::chrono::seconds(20)));
  Window sam(b_.data(), dir_ / "sam.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Today"); }, std::chrono::seconds(20))) << sam.Probe().dump();
  ASSERT_TRUE(sam.Key("ctrl+4"));
  ASSERT_TRUE(WaitFor([&] { return sam.Shows("Progress") && sam.Has("legend:Alex"); })) << sam.Probe().dump();
  EXPECT_TRUE(sam.Has("legend:Sam"));
  EXPECT_TRUE(sam.Has("progress:new couple"));
}

TEST_F(WindowTest, ALockedWindowShowsOnlyTheUnlockAndOpensFromTheKeyboard) {
  ASSERT_EQ(testing::Ctl(a_.data(), {"passphrase", "set"}, "a long passphrase\n").exit_code, 0);
  ASSERT_EQ(a_.Ctl({"lock"}).exit_code, 0);
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Locked"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  EXPECT_FALSE(alex.Has("nav:Today"));  // nothing but the unlock is drawn
  EXPECT_FALSE(alex.Has("notice:problem"));
  // The passphrase field has the keyboard at once: no pointer needed.
  ASSERT_TRUE(alex.Type("not the passphrase"));
  ASSERT_TRUE(alex.Key("Return"));
  // Refused (after one derivation): the window says so and stays locked.
  ASSERT_TRUE(WaitFor([&] { return alex.Has("notice:problem"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  EXPECT_TRUE(a_.Json({"status"}).value("locked", false));
  EXPECT_TRUE(alex.Shows("Locked"));
  ASSERT_TRUE(alex.Type("a long passphrase"));
  ASSERT_TRUE(alex.Key("Return"));
  ASSERT_TRUE(WaitFor([&] { return !a_.Json({"status"}).value("locked", true); }, std::chrono::seconds(20)));
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  // The key's derivation ran off the window's thread: frames were drawn
  // (saying "Unlocking...") while the daemon worked, each time.
  EXPECT_GE(alex.Probe()["counts"].value("frames while busy", 0), 2) << alex.Probe().dump();
  EXPECT_TRUE(alex.running());
}

// Everything works without a pointer: Ctrl+1 ... Ctrl+6 open the screens,
// and ImGui's keyboard navigation (arrows and Space between panels and
// controls, Tab between fields) writes a status check-in.
TEST_F(WindowTest, TheKeyboardAloneOpensEveryScreenAndWritesAStatus) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  const std::vector<std::pair<std::string, std::string>> screens = {
      {"ctrl+2", "Agreements"}, {"ctrl+3", "Timeline"}, {"ctrl+4", "Progress"},
      {"ctrl+5", "Together"},   {"ctrl+6", "Settings"}, {"ctrl+1", "Today"}};
  for (const auto& [key, screen] : screens) {
    ASSERT_TRUE(alex.Key(key));
    EXPECT_TRUE(WaitFor([&] { return alex.Shows(screen); })) << key << ": " << alex.Probe().dump();
  }
  // Without Ctrl a digit is only a digit, and there is no seventh screen.
  ASSERT_TRUE(alex.Key("3"));
  ASSERT_TRUE(alex.Key("ctrl+7"));
  EXPECT_TRUE(alex.Shows("Today"));

  auto focused = [&] { return alex.Probe().value("focused", ""); };
  // Into the screen's panel: Down wakes the navigation on the list of
  // screens, Right moves to the panel beside it, Space enters it.
  for (const char* key : {"Down", "Right", "space"}) ASSERT_TRUE(alex.Key(key));
  ASSERT_TRUE(WaitFor([&] { return !focused().empty(); })) << alex.Probe().dump();
  // Tab goes from field to field: mood, trust, the two words, the status.
  for (const char* field : {"mood", "trust", "appreciated", "needed", "status"}) {
    ASSERT_TRUE(alex.Key("Tab"));
    ASSERT_TRUE(WaitFor([&] { return focused() == field; })) << field << ": " << alex.Probe().dump();
  }
  ASSERT_TRUE(alex.Type("home by nine"));
  ASSERT_TRUE(alex.Key("Return"));
  ASSERT_TRUE(alex.Key("Down"));
  ASSERT_TRUE(WaitFor([&] { return focused() == "tell"; })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("space"));
  EXPECT_TRUE(WaitFor([&] {
    const json statuses = a_.Json({"timeline", "--kind", "status"});
    return statuses.contains("entries") && statuses["entries"].size() == 1 &&
           statuses["entries"][0]["body"].value("text", "") == "home by nine";
  })) << a_.Json({"timeline", "--kind", "status"}).dump();
  EXPECT_TRUE(alex.running());
}

// A dialog that asks a question keeps the window until it is answered: a
// screen key pressed meanwhile does nothing.
TEST_F(WindowTest, AScreenKeyWaitsWhileADialogAsks) {
  Window alex(a_.data(), dir_ / "alex.probe", 0);
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Today"); }, std::chrono::seconds(20))) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("ctrl+6"));
  ASSERT_TRUE(WaitFor([&] { return alex.Shows("Settings") && alex.Has("Leave..."); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Click("Leave..."));
  ASSERT_TRUE(WaitFor([&] { return alex.Has("Stay"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("ctrl+1"));
  EXPECT_TRUE(alex.Shows("Settings"));
  EXPECT_TRUE(alex.Has("Stay")) << "the question went away unanswered";
  ASSERT_TRUE(alex.Click("Stay"));
  ASSERT_TRUE(WaitFor([&] { return !alex.Has("Stay"); })) << alex.Probe().dump();
  ASSERT_TRUE(alex.Key("ctrl+1"));
  EXPECT_TRUE(WaitFor([&] { return alex.Shows("Today"); })) << alex.Probe().dump();
  EXPECT_EQ(a_.Status().value("sharing", json::object()).value("state", ""), "sharing");
}

// A PNG's size and how many distinct colours it holds (stb_image, the same
// library the window writes it with): a blank (failed) render has one.
struct Png {
  int width = 0, height = 0;
  std::size_t colours = 0;
};
std::optional<Png> ReadPng(const std::string& path) {
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &w, &h, &channels, 3);
  if (pixels == nullptr) return std::nullopt;
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i < static_cast<std::size_t>(w) * h; ++i) {
    const unsigned char* p = pixels + i * 3;
    colours.insert(std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2]);
  }
  stbi_image_free(pixels);
  return Png{w, h, colours.size()};
}

TEST_F(WindowTest, ScreenshotWritesOneNonBlankPngPerScreen) {
  ASSERT_EQ(a_.Ctl({"checkin", "feelings", "--mood", "6", "--trust", "5"}).exit_code, 0);
  const std::string shots = dir_ / "shots";
  auto r = testing::Run({KINTSUGI_PATH, "--data-dir", a_.data(), "--screenshot", shots, "--geometry", "900x700"},
               std::chrono::seconds(60));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* screen : {"today", "agreements", "timeline", "progress", "together", "settings", "pair"}) {
    const std::string png = shots + "/" + screen + ".png";
    auto image = ReadPng(png);
    ASSERT_TRUE(image.has_value()) << png << ": " << stbi_failure_reason();
    EXPECT_EQ(image->width, 900) << png;
    EXPECT_EQ(image->height, 700) << png;
    EXPECT_GT(image->colours, 8u) << png << " looks blank";
  }
}

}  // namespace
}  // namespace kintsugi::testing
