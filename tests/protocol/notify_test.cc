#include "protocol/notify.h"

#include <gtest/gtest.h>

#include "protocol/kinds.h"

namespace kintsugi::protocol {
namespace {

using nlohmann::json;

TEST(NotifySettings, DefaultsAreDiscreetWithQuietNightsAndNoReminders) {
  NotifySettings s;
  EXPECT_TRUE(s.enabled);
  EXPECT_EQ(s.show, NotifyShow::kDiscreet);
  EXPECT_TRUE(InQuietHours(s, 23 * 60));
  EXPECT_TRUE(InQuietHours(s, 7 * 60 + 59));
  EXPECT_FALSE(InQuietHours(s, 8 * 60));
  EXPECT_FALSE(InQuietHours(s, 21 * 60 + 59));
  EXPECT_FALSE(s.checkin);
  EXPECT_FALSE(s.meeting);
  EXPECT_FALSE(s.together);
  for (const auto& spec : kNotifyEvents) EXPECT_TRUE(s.On(spec.event)) << spec.name;
}

TEST(NotifySettings, ChangesApplyAndRoundTripThroughJson) {
  auto s = ApplyNotifyChange(NotifySettings{}, json::parse(R"({
      "show": "words", "events": {"status": false, "review": false},
      "quiet": {"from": "13:00", "to": "14:30"},
      "remind": {"checkin": "20:15", "meeting": {"day": "Sun", "time": "19:00"}, "together": true}})"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->show, NotifyShow::kWords);
  EXPECT_FALSE(s->On(NotifyEvent::kStatus));
  EXPECT_TRUE(s->On(NotifyEvent::kTalk));
  EXPECT_EQ(s->checkin, 20 * 60 + 15);
  EXPECT_EQ(s->meeting, (WeeklyTime{0, 19 * 60}));
  EXPECT_TRUE(InQuietHours(*s, 13 * 60 + 30));
  EXPECT_FALSE(InQuietHours(*s, 23 * 60));
  EXPECT_EQ(NotifySettingsFromJson(s->ToJson()), *s);
  EXPECT_EQ(s->ToJson()["remind"]["meeting"]["day"], "sunday");
  auto cleared = ApplyNotifyChange(*s, json::parse(R"({"quiet": null, "remind": {"checkin": null, "meeting": null}})"));
  ASSERT_TRUE(cleared.ok());
  EXPECT_FALSE(cleared->quiet);
  EXPECT_FALSE(cleared->checkin);
  EXPECT_FALSE(cleared->meeting);
}

TEST(NotifySettings, AlarmsStayOnWhenEverythingIsOff) {
  auto s = ApplyNotifyChange(NotifySettings{}, json{{"enabled", false}});
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->On(NotifyEvent::kAlarm));
  EXPECT_FALSE(s->On(NotifyEvent::kTalk));
  EXPECT_FALSE(s->On(NotifyEvent::kSomething));
  EXPECT_FALSE(ApplyNotifyChange(NotifySettings{}, json{{"events", {{"alarm", false}}}}).ok());
}

TEST(NotifySettings, BadChangesAreNamedAndChangeNothing) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"colour": "red"})", "no setting 'colour'"},
      {R"({"show": "everything"})", "show must be nothing, discreet or words"},
      {R"({"events": {"weather": true}})", "no event 'weather' can be switched"},
      {R"({"events": {"talk": "yes"}})", "events.talk must be true or false"},
      {R"({"quiet": {"from": "24:00", "to": "08:00"}})", "quiet.from must be a time of day"},
      {R"({"quiet": {"from": "08:00", "to": "08:00"}})", "different times"},
      {R"({"quiet": {"from": "08:00"}})", "quiet must be null"},
      {R"({"remind": {"checkin": "8pm"}})", "remind.checkin must be a time of day"},
      {R"({"remind": {"meeting": {"day": "someday", "time": "19:00"}}})", "remind.meeting must be null"},
      {R"({"remind": {"nap": "14:00"}})", "no reminder 'nap'"},
      {R"([1, 2])", "must be an object"},
  };
  for (const auto& [change, message] : cases) {
    auto s = ApplyNotifyChange(NotifySettings{}, json::parse(change));
    ASSERT_FALSE(s.ok()) << change;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message.find(message), std::string::npos) << change << ": " << s.error().message;
  }
  // A stored copy with one damaged value keeps the rest.
  auto read = NotifySettingsFromJson(json::parse(R"({"show": "words", "quiet": "always"})"));
  EXPECT_EQ(read.show, NotifyShow::kWords);
  EXPECT_EQ(read.quiet, NotifySettings{}.quiet);
}

TEST(NotifySettings, TimesAndDays) {
  EXPECT_EQ(ParseDayMinute("00:00"), 0);
  EXPECT_EQ(ParseDayMinute("23:59"), 23 * 60 + 59);
  EXPECT_FALSE(ParseDayMinute("7:30"));
  EXPECT_FALSE(ParseDayMinute("07:60"));
  EXPECT_FALSE(ParseDayMinute("07-30"));
  EXPECT_EQ(FormatDayMinute(7 * 60 + 5), "07:05");
  EXPECT_EQ(ParseWeekday("Saturday"), 6);
  EXPECT_EQ(ParseWeekday("wed"), 3);
  EXPECT_FALSE(ParseWeekday("someday"));
  EXPECT_EQ(WeekdayName(0), "sunday");
}

TEST(NotifyCompose, DiscreetNamesOnlyThePartner) {
  NotifySettings s;
  const Notice talk{NotifyEvent::kTalk, "Sam asks to talk", "the holidays"};
  EXPECT_EQ(Compose(talk, s, "Sam"), (Shown{"Kintsugi: something new from Sam", "", "today"}));
  EXPECT_EQ(Compose(talk, s, ""), (Shown{"Kintsugi: something new", "", "today"}));
  s.show = NotifyShow::kNothing;
  EXPECT_EQ(Compose(talk, s, "Sam"), (Shown{"Kintsugi", "", "today"}));
  s.show = NotifyShow::kWords;
  EXPECT_EQ(Compose(talk, s, "Sam"), (Shown{"Sam asks to talk", "the holidays", "today"}));
  const Notice proposal{NotifyEvent::kAnswer, "Sam proposes an agreement", "Phones away"};
  EXPECT_EQ(Compose(proposal, s, "Sam").screen, "pending");
}

TEST(NotifyCompose, LockedAndAlarmsNeverSayWords) {
  NotifySettings s;
  s.show = NotifyShow::kWords;
  EXPECT_EQ(Compose(Notice{NotifyEvent::kSomething, "", ""}, s, "Sam"), (Shown{"Kintsugi: something new", "", "today"}));
  EXPECT_EQ(Compose(Notice{NotifyEvent::kAlarm, "fork at seq 4", "details"}, s, "Sam"),
            (Shown{"Kintsugi needs your attention", "", "today"}));
}

TEST(NotifyCompose, SummariesCountAndNeverQuote) {
  NotifySettings s;
  const NotifyEvent held[] = {NotifyEvent::kTalk, NotifyEvent::kStatus, NotifyEvent::kStatus};
  EXPECT_EQ(Summarize(held, s, "Sam", ""), (Shown{"Kintsugi: 3 new things from Sam", "", "today"}));
  s.show = NotifyShow::kWords;
  EXPECT_EQ(Summarize(held, s, "Sam", "").body, "A talk request or answer and 2 statuses");
  const NotifyEvent one[] = {NotifyEvent::kAnswer};
  EXPECT_EQ(Summarize(one, s, "Sam", ""), (Shown{"Kintsugi: something new from Sam", "An agreement to answer", "pending"}));
  s.show = NotifyShow::kNothing;
  EXPECT_EQ(Summarize(held, s, "Sam", ""), (Shown{"Kintsugi", "", "today"}));
}

TEST(NotifyCompose, Reminders) {
  NotifySettings s;
  EXPECT_EQ(ComposeReminder(Reminder::kCheckIn, s, ""), (Shown{"Kintsugi: time for today's check-in", "", "today"}));
  EXPECT_EQ(ComposeReminder(Reminder::kMeeting, s, "").screen, "together");
  EXPECT_EQ(ComposeReminder(Reminder::kTogether, s, "dinner at Rosa's").body, "");
  s.show = NotifyShow::kWords;
  EXPECT_EQ(ComposeReminder(Reminder::kTogether, s, "dinner at Rosa's").body, "dinner at Rosa's");
  s.show = NotifyShow::kNothing;
  EXPECT_EQ(ComposeReminder(Reminder::kCheckIn, s, ""), (Shown{"Kintsugi", "", "today"}));
}

TEST(NoticeText, EscapesMarkupDropsControlsAndCuts) {
  EXPECT_EQ(NoticeText("<a href='x'>hi</a> & bye"), "&lt;a href='x'&gt;hi&lt;/a&gt; &amp; bye");
  EXPECT_EQ(NoticeText("line one\nline\ttwo\x1b[31m"), "line one line two [31m");
  EXPECT_EQ(NoticeText("\u202Eevil\u202C text"), "evil text");
  EXPECT_EQ(NoticeText("  spaced  "), "spaced");
  const std::string long_text(400, 'x');
  const std::string cut = NoticeText(long_text);
  EXPECT_EQ(cut, std::string(kMaxNoticeChars, 'x') + "\u2026");
  // Cut at a character, never inside one.
  std::string hebrew;
  for (int i = 0; i < 200; ++i) hebrew += "\u05D0";
  EXPECT_EQ(NoticeText(hebrew).size(), kMaxNoticeChars * 2 + 3);
  EXPECT_EQ(NoticeText("\xFF"), "\uFFFD");
}

}  // namespace
}  // namespace kintsugi::protocol

namespace kintsugi::protocol {
namespace {

TEST(NotifyingKind, TheKindsThatCanNotifyAreKindsOfTheLedger) {
  std::size_t notifying = 0;
  for (const auto& spec : Kinds()) notifying += NotifyingKind(spec.name) ? 1 : 0;
  EXPECT_EQ(notifying, 9u);  // propose, amend, retire, phase, talk.request, talk.answer, status, pause, leave
  EXPECT_TRUE(NotifyingKind("talk.request"));
  EXPECT_FALSE(NotifyingKind("checkin"));
  EXPECT_FALSE(NotifyingKind("feelings"));
  EXPECT_FALSE(NotifyingKind("nonsense"));
}

}  // namespace
}  // namespace kintsugi::protocol
