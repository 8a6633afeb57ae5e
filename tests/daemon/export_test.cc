// The export for a counsellor (daemon/export.h) over a real ledger: the
// sample history of two partners, written through the real engines, then
// exported by range, directly and through the IPC dispatcher.
#include "daemon/export.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <string>

#include "daemon/ipc/dispatch.h"
#include "daemon/sample_history.h"
#include "protocol/ipc.h"
#include "protocol/kinds.h"
#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

using nlohmann::json;
using testing::TempDir;
using testing::TestClock;

constexpr std::uint64_t kDayMs = 86'400'000;
constexpr int kDays = 42;
constexpr char kPrivateNote[] = "Ask about Sunday gently; do not make it a test.";

// Alex's side of a sample couple, written once per test and reopened with a
// clock the test holds. Days are UTC, so the sample's days are the export's.
class Export : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    SampleOptions options;
    options.days = kDays;
    options.end_ms = TestClock::kStart;
    auto written = CreateSampleCouple(dir_.File("alex"), "Alex", dir_.File("sam"), "Sam", options);
    ASSERT_TRUE(written.ok()) << written.error().message;
    start_day_ = static_cast<std::int64_t>(TestClock::kStart / kDayMs) - kDays;
    clock_.Set(TestClock::kStart + 60'000);
    auto store = Store::Open(dir_.File("alex") + "/ledger.db");
    ASSERT_TRUE(store.ok());
    auto engine = Engine::Open(std::move(store).value(), dir_.File("alex") + "/identity.key", clock_, rng_);
    ASSERT_TRUE(engine.ok()) << engine.error().message;
    engine_ = std::move(engine).value();
    ASSERT_TRUE(engine_->initialized());
  }

  // The sample's day `d` (0 = the first day of its history).
  std::int64_t Day(int d) const { return start_day_ + d; }
  json Exported(std::int64_t from, std::int64_t to) {
    auto doc = BuildExport(*engine_, ExportRange{from, to});
    EXPECT_TRUE(doc.ok()) << (doc.ok() ? "" : doc.error().message);
    return doc.ok() ? *doc : json::object();
  }
  std::string Append(const json& params) {
    auto body = protocol::BodyFromParams(params);
    EXPECT_TRUE(body.ok());
    if (!body.ok()) return "";
    auto appended = engine_->AppendKind(std::move(body).value());
    EXPECT_TRUE(appended.ok()) << (appended.ok() ? "" : appended.error().message);
    return appended.ok() ? ToHex(appended->id) : "";
  }

  TempDir dir_;
  TestClock clock_;
  crypto::SystemRandom rng_;
  std::unique_ptr<Engine> engine_;
  std::int64_t start_day_ = 0;
};

const json* FindBy(const json& list, const char* key, const std::string& value) {
  for (const auto& item : list) {
    if (item.value(key, "") == value) return &item;
  }
  return nullptr;
}

TEST_F(Export, WholeHistoryHoldsAgreementsCheckInsMeetingsAndTopics) {
  const json doc = Exported(Day(0), Day(kDays));
  EXPECT_FALSE(doc["empty"].get<bool>());
  EXPECT_EQ(doc["from"], protocol::DateFromDay(Day(0)));
  ASSERT_EQ(doc["partners"].size(), 2u);
  EXPECT_TRUE(FindBy(doc["partners"], "name", "Alex") != nullptr);
  EXPECT_TRUE(FindBy(doc["partners"], "name", "Sam") != nullptr);

  const json* tell = FindBy(doc["agreements"], "title", "Tell before plans change");
  ASSERT_NE(tell, nullptr);
  EXPECT_EQ((*tell)["state_at_end"], "active");
  EXPECT_EQ((*tell)["in_range"]["missed"], 1);  // day 18
  EXPECT_GT((*tell)["in_range"]["kept"].get<int>(), 5);
  EXPECT_EQ((*tell)["history"][0]["kind"], "propose");
  EXPECT_EQ((*tell)["history"][0]["who"], "Alex");
  const json* passwords = FindBy(doc["agreements"], "title", "Share every password");
  ASSERT_NE(passwords, nullptr);
  EXPECT_EQ((*passwords)["state_at_end"], "declined");
  EXPECT_EQ((*passwords)["history"].back()["reason"],
            "I would rather answer anything you ask, openly, than hand over everything. Can we talk about it?");
  const json* phones = FindBy(doc["agreements"], "title", "Phones away at dinner");
  ASSERT_NE(phones, nullptr);
  EXPECT_EQ((*phones)["text"], "No phones at the table, and none in the bedroom after 22:00.");
  EXPECT_EQ((*phones)["version"], 2);

  EXPECT_EQ(doc["counts"]["missed"], 1);
  EXPECT_EQ(doc["counts"]["meetings"], 2);
  EXPECT_EQ(doc["counts"]["triggers"], 1);
  EXPECT_EQ(doc["counts"]["repairs"], 1);
  EXPECT_EQ(doc["counts"]["talk_requests"], 2);  // Sundays (addressed), and Christmas on the last day
  EXPECT_EQ(doc["counts"]["withdrawn"], 0);
  EXPECT_GT(doc["counts"]["feelings"].get<int>(), 40);

  const json* missed = FindBy(doc["checkins"], "outcome", "missed");
  ASSERT_NE(missed, nullptr);
  EXPECT_EQ((*missed)["reflection"], "I forgot to say it, and I know what that does.");
  EXPECT_EQ((*missed)["agreement_title"], "Tell before plans change");
  EXPECT_EQ((*missed)["date"], protocol::DateFromDay(Day(18)));
  EXPECT_EQ((*missed)["who"], "Alex");
  EXPECT_NE(FindBy(doc["checkins"], "text", "The meeting runs late: home by 19:30."), nullptr);

  ASSERT_EQ(doc["meetings"].size(), 2u);
  EXPECT_EQ(doc["meetings"][0]["issue"], "Sundays: time with friends, and with us.");
  EXPECT_EQ(doc["meetings"][0]["talks"], json::array({"How we spend Sundays, and with whom."}));
  ASSERT_EQ(doc["bring_up"].size(), 2u);
  const json* sundays = FindBy(doc["bring_up"], "topic", "How we spend Sundays, and with whom.");
  ASSERT_NE(sundays, nullptr);
  EXPECT_EQ((*sundays)["who"], "Sam");
  EXPECT_TRUE((*sundays)["addressed"].get<bool>());
  const json* christmas = FindBy(doc["bring_up"], "topic", "Christmas: your parents, or ours?");
  ASSERT_NE(christmas, nullptr);
  EXPECT_FALSE((*christmas)["addressed"].get<bool>());
  EXPECT_EQ(doc["triggers"][0]["intensity"], 8);
  EXPECT_EQ(doc["repairs"][0]["plan"], "I say who writes late, before you ask.");

  ASSERT_EQ(doc["trends"]["partners"].size(), 2u);
  EXPECT_GE(doc["trends"]["partners"][0]["days"].size(), 25u);
  EXPECT_EQ(doc["phase"]["current"], "atone");
}

TEST_F(Export, PrivateNotesNeverAppear) {
  auto notes = engine_->Notes();
  ASSERT_TRUE(notes.ok());
  ASSERT_EQ(notes->size(), 1u);
  ASSERT_EQ((*notes)[0].text, kPrivateNote);  // the note is there, on this device
  const std::string text = protocol::DumpJson(Exported(Day(0), Day(kDays)));
  EXPECT_EQ(text.find("Ask about Sunday"), std::string::npos);
  EXPECT_NE(text.find("Tell before plans change"), std::string::npos);
}

TEST_F(Export, ARangeHoldsOnlyItsOwnDays) {
  const json doc = Exported(Day(14), Day(14));
  EXPECT_EQ(doc["days"], 1);
  ASSERT_EQ(doc["meetings"].size(), 1u);
  EXPECT_EQ(doc["meetings"][0]["date"], protocol::DateFromDay(Day(14)));
  EXPECT_TRUE(doc["bring_up"].empty());  // asked on day 12
  ASSERT_FALSE(doc["checkins"].empty());
  for (const auto& c : doc["checkins"]) EXPECT_EQ(c["date"], protocol::DateFromDay(Day(14))) << c.dump();
  ASSERT_FALSE(doc["trends"]["partners"].empty());
  for (const auto& p : doc["trends"]["partners"]) {
    for (const auto& d : p["days"]) EXPECT_EQ(d["date"], protocol::DateFromDay(Day(14)));
  }
  // The agreements in force then, without the answers that came later.
  const json* phones = FindBy(doc["agreements"], "title", "Phones away at dinner");
  ASSERT_NE(phones, nullptr);
  for (const auto& h : (*phones)["history"]) EXPECT_NE(h["kind"], "amend");
  EXPECT_EQ((*phones)["in_range"]["kept"], 0);
}

TEST_F(Export, AWithdrawnEntryShowsNoWordsAndACorrectionShows) {
  const std::string secret = Append({{"kind", "checkin"}, {"note", "zebra-lantern words to take back"}});
  ASSERT_FALSE(secret.empty());
  const std::string status = Append({{"kind", "status"}, {"text", "Home by 19:00."}});
  clock_.Advance(60'000);
  ASSERT_FALSE(Append({{"kind", "withdraw"}, {"ref", secret}}).empty());
  ASSERT_FALSE(Append({{"kind", "correct"}, {"ref", status}, {"text", "Home by 20:00, sorry."}}).empty());

  const std::int64_t today = static_cast<std::int64_t>(clock_.NowMillis() / kDayMs);
  const json doc = Exported(today, today);
  EXPECT_EQ(doc["counts"]["withdrawn"], 1);
  ASSERT_EQ(doc["withdrawn"].size(), 1u);
  EXPECT_EQ(doc["withdrawn"][0]["who"], "Alex");
  EXPECT_TRUE(doc["withdrawn"][0]["withdrawn"].get<bool>());
  EXPECT_FALSE(doc["withdrawn"][0].contains("note"));
  EXPECT_EQ(protocol::DumpJson(doc).find("zebra-lantern"), std::string::npos);
  const json* corrected = FindBy(doc["checkins"], "text", "Home by 19:00.");
  ASSERT_NE(corrected, nullptr);
  ASSERT_EQ((*corrected)["corrections"].size(), 1u);
  EXPECT_EQ((*corrected)["corrections"][0]["text"], "Home by 20:00, sorry.");
}

TEST_F(Export, AnEmptyRangeSaysSoWithEveryCountZero) {
  const json doc = Exported(Day(-200), Day(-100));
  EXPECT_TRUE(doc["empty"].get<bool>());
  ASSERT_FALSE(doc["counts"].empty());
  for (const auto& [name, count] : doc["counts"].items()) EXPECT_EQ(count, 0) << name;
  EXPECT_TRUE(doc["agreements"].empty());  // none existed yet
  EXPECT_TRUE(doc["checkins"].empty());
  EXPECT_TRUE(doc["meetings"].empty());
  EXPECT_EQ(doc["partners"].size(), 2u);
}

TEST_F(Export, RangesAreCheckedAndDefaultToTheLastThirtyDays) {
  const std::int64_t today = 19'675;
  auto fallback = ParseExportRange(json::object(), today);
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ(fallback->to_day, today);
  EXPECT_EQ(fallback->from_day, today - 29);
  auto only_to = ParseExportRange({{"to", "2023-01-31"}}, today);
  ASSERT_TRUE(only_to.ok());
  EXPECT_EQ(protocol::DateFromDay(only_to->from_day), "2023-01-02");

  auto backwards = ParseExportRange({{"from", "2023-02-01"}, {"to", "2023-01-01"}}, today);
  ASSERT_FALSE(backwards.ok());
  EXPECT_EQ(backwards.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(backwards.error().message.find("must not be after"), std::string::npos);
  for (const json& bad : {json{{"from", "2023-13-01"}}, json{{"to", "yesterday"}}, json{{"from", 20230101}}}) {
    auto r = ParseExportRange(bad, today);
    ASSERT_FALSE(r.ok()) << bad.dump();
    EXPECT_NE(r.error().message.find("must be a date YYYY-MM-DD"), std::string::npos) << r.error().message;
  }
  auto too_long = ParseExportRange({{"from", "2000-01-01"}, {"to", "2023-01-01"}}, today);
  ASSERT_FALSE(too_long.ok());
  EXPECT_NE(too_long.error().message.find("at most"), std::string::npos);
  EXPECT_TRUE(ParseExportRange({{"from", "2013-01-03"}, {"to", "2023-01-01"}}, today).ok());
}

TEST_F(Export, TheDispatcherAnswersAndRefusesWithoutThrowing) {
  Dispatcher dispatcher(*engine_, DaemonInfo{dir_.File("alex"), 1});
  auto call = [&](const json& params) {
    auto reply = protocol::ParseIpcReply(AsBytes(dispatcher.Handle(AsBytes(protocol::EncodeIpcRequest(1, "export", params)))));
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? std::move(reply->outcome) : Result<json>(MakeError(ErrorCode::kInternal, "no reply"));
  };
  auto ok = call({{"from", protocol::DateFromDay(Day(0))}, {"to", protocol::DateFromDay(Day(kDays))}});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ((*ok)["counts"]["meetings"], 2);
  auto fallback = call(json::object());  // the last 30 days before the clock's today
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ((*fallback)["days"], 30);
  auto bad = call({{"from", "2023-11-10"}, {"to", "2023-11-01"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  auto empty = call({{"from", "1999-01-01"}, {"to", "1999-01-31"}});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)["empty"].get<bool>());
}

}  // namespace
}  // namespace kintsugi::daemon
