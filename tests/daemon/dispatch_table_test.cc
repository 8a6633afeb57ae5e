// The Dispatcher's method table (daemon/ipc/dispatch_internal.h): one row per
// method, and the methods a locked daemon answers are the ones
// docs/PROTOCOL.md names.
#include <gtest/gtest.h>

#include <regex>
#include <stdexcept>
#include <set>
#include <string>

#include "base/files.h"
#include "daemon/ipc/dispatch_internal.h"
#include "protocol/ipc.h"

namespace kintsugi::daemon::dispatch {
namespace {

std::set<std::string> AllNames() {
  std::set<std::string> names;
  for (const auto& spec : protocol::kMethods) names.insert(std::string(spec.name));
  return names;
}

TEST(DispatchTable, EveryMethodHasExactlyOneRowOfItsOwn) {
  std::size_t rows = 0;
  for (auto feature : {VaultMethods(), PairingMethods(), LedgerMethods(), ViewMethods(), SettingsMethods()}) {
    rows += feature.size();
    for (const MethodRow& row : feature) EXPECT_NE(row.handle, nullptr) << protocol::MethodName(row.method);
  }
  EXPECT_EQ(rows, std::size(protocol::kMethods)) << "a method with two rows, or a row for no method";
  for (const auto& spec : protocol::kMethods) {
    const MethodRow* row = FindRow(spec.method);
    ASSERT_NE(row, nullptr) << spec.name << " has no row";
    EXPECT_EQ(row->method, spec.method) << spec.name;
  }
}

// `answers_later` marks a method that can only answer through a `later`
// (refused without one); other handlers may still defer when given one, as
// unlock does with the daemon's Background (VaultCli's tests).
TEST(DispatchTable, OnlyPairJoinNeedsALater) {
  for (const auto& spec : protocol::kMethods) {
    EXPECT_EQ(FindRow(spec.method)->answers_later, spec.method == protocol::Method::kPairJoin) << spec.name;
  }
}

// PROTOCOL.md's sentence "While locked a daemon answers `a`, `b.*` ...,
// and the sync ..." against the rows; `b.*` stands for every method b.x.
TEST(DispatchTable, WhatALockedDaemonAnswersIsWhatTheProtocolSays) {
  auto bytes = base::ReadFile(std::string(KINTSUGI_SOURCE_DIR) + "/docs/PROTOCOL.md", 1 << 20, "a document");
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  const std::string doc(bytes->begin(), bytes->end());
  const auto start = doc.find("While locked a daemon answers");
  ASSERT_NE(start, std::string::npos);
  const auto end = doc.find("and the sync", start);
  ASSERT_NE(end, std::string::npos);
  const std::string sentence = doc.substr(start, end - start);

  std::set<std::string> documented;
  const std::regex quoted("`([a-z_.*]+)`");
  for (auto it = std::sregex_iterator(sentence.begin(), sentence.end(), quoted); it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1];
    if (name.ends_with(".*")) {
      const std::string prefix = name.substr(0, name.size() - 1);
      std::size_t matched = 0;
      for (const auto& n : AllNames()) {
        if (n.starts_with(prefix)) {
          documented.insert(n);
          ++matched;
        }
      }
      EXPECT_GT(matched, 0u) << name << " names no method";
    } else {
      EXPECT_TRUE(AllNames().contains(name)) << name << " is not a method";
      documented.insert(name);
    }
  }
  std::set<std::string> answered;
  for (const auto& spec : protocol::kMethods) {
    if (FindRow(spec.method)->answers_while_locked) answered.insert(std::string(spec.name));
  }
  EXPECT_EQ(documented, answered);
}

// A handler's result, its error, and what it throws each become a reply to
// its request; nothing is thrown out of the loop (HandleAsync and the end of
// a request answered later alike).
TEST(DispatchTable, WhatAHandlerGivesOrThrowsIsTheReplyToItsRequest) {
  auto read = [](const std::string& reply) { return nlohmann::json::parse(reply); };
  const auto ok = read(Answer("status", 7, [] { return Result<nlohmann::json>(nlohmann::json{{"locked", true}}); }));
  EXPECT_EQ(ok["id"], 7);
  EXPECT_EQ(ok["result"]["locked"], true);
  const auto refused = read(Answer("unlock", "u", [] {
    return Result<nlohmann::json>(MakeError(ErrorCode::kVerificationFailed, "wrong passphrase"));
  }));
  EXPECT_EQ(refused["id"], "u");
  EXPECT_EQ(refused["error"]["code"], "verification_failed");
  const auto thrown = read(Answer("backup", 9, []() -> Result<nlohmann::json> { throw std::runtime_error("boom"); }));
  EXPECT_EQ(thrown["id"], 9);
  EXPECT_EQ(thrown["error"]["code"], "internal");
  EXPECT_EQ(thrown["error"]["message"], "internal error while handling the request");
}

}  // namespace
}  // namespace kintsugi::daemon::dispatch
