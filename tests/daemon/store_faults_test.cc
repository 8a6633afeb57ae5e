// Faults a killed process cannot make, injected under the store with the
// fault VFS (tests/daemon/fault_vfs.h): a failing fsync, a write error in
// the middle of a batch, a read error on a page. Each: a clear error to the
// caller, nothing acknowledged lost, the engine still serving, and `verify`
// clean once the fault clears (docs/RELIABILITY.md, "Faults under the
// store"). A full disk is tested for real in tests/integration/disk_full_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/daemon/fault_vfs.h"
#include "tests/daemon/pairing_support.h"

namespace kintsugi::daemon::testing {
namespace {

class StoreFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    FaultVfs::Install();
    ana.durability = Store::Durability::kFull;  // as the daemon runs: every commit fsyncs
    ana.Reopen();
    ASSERT_NE(ana.engine, nullptr);
    ana.Init("Ana");
  }
  void TearDown() override { FaultVfs::Uninstall(); }

  // The notes of Ana's ledger, oldest first.
  std::vector<std::string> Notes() {
    auto log = ana.engine->Log(1000, std::nullopt);
    EXPECT_TRUE(log.ok()) << (log.ok() ? "" : log.error().message);
    std::vector<std::string> notes;
    if (!log.ok()) return notes;
    for (const LogItem& item : *log) {
      if (item.body && item.body->contains("note")) notes.push_back((*item.body)["note"].get<std::string>());
    }
    std::reverse(notes.begin(), notes.end());
    return notes;
  }

  TestClock clock;
  Device ana{1, clock};
};

bool Contains(const std::vector<std::string>& notes, const std::string& note) {
  return std::find(notes.begin(), notes.end(), note) != notes.end();
}

TEST_F(StoreFaults, AFailingFsyncFailsTheAppendAndLosesNothingAcknowledged) {
  for (int i = 0; i < 10; ++i) ana.Append("kept " + std::to_string(i));
  FaultVfs::Fail(FaultVfs::kSync);
  clock.Advance(1'000);
  auto failed = ana.engine->Append(Note("not acknowledged"));
  ASSERT_FALSE(failed.ok()) << "an append whose commit could not be flushed was acknowledged";
  EXPECT_GT(FaultVfs::failed(FaultVfs::kSync), 0);
  EXPECT_EQ(failed.error().code, ErrorCode::kIo);
  EXPECT_NE(failed.error().message.find("I/O"), std::string::npos) << failed.error().message;

  FaultVfs::ClearAll();
  ana.Append("after the fault");
  std::vector<std::string> notes = Notes();
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Contains(notes, "kept " + std::to_string(i))) << i;
  EXPECT_TRUE(Contains(notes, "after the fault"));
  ana.ExpectVerifies();
  // After a restart (the log recovered from the file), the same, and the
  // entry never acknowledged is not there either.
  ana.Reopen();
  ASSERT_NE(ana.engine, nullptr);
  notes = Notes();
  EXPECT_FALSE(Contains(notes, "not acknowledged"));
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Contains(notes, "kept " + std::to_string(i))) << i;
  EXPECT_TRUE(Contains(notes, "after the fault"));
  ana.ExpectVerifies();
  ana.Append("after the restart");
  ana.ExpectVerifies();
}

TEST_F(StoreFaults, AWriteErrorInTheMiddleOfABatchStoresNoneOfItThenAllOfIt) {
  Device bea{2, clock};
  bea.Init("Bea");
  PairDevices(ana, bea, clock, 9);
  for (int i = 0; i < 300; ++i) bea.Append("from Bea " + std::to_string(i));
  const std::vector<protocol::SyncEntry> batch = ServeChain(bea, bea.self(), 1);
  ASSERT_EQ(batch.size(), 300u);
  const std::int64_t before = *ana.engine->store().CountEntries(ana.engine->ledger_id());

  // Some pages reach the log, then the disk fails.
  FaultVfs::Fail(FaultVfs::kWrite, 5);
  auto failed = ana.engine->Receive(bea.self(), batch);
  ASSERT_FALSE(failed.ok()) << "a batch whose pages could not be written was stored";
  EXPECT_GT(FaultVfs::failed(FaultVfs::kWrite), 0);
  EXPECT_EQ(failed.error().code, ErrorCode::kIo);
  FaultVfs::ClearAll();
  EXPECT_EQ(*ana.engine->store().CountEntries(ana.engine->ledger_id()), before) << "part of the batch stayed";
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 1u);

  auto stored = ana.engine->Receive(bea.self(), batch);
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ(stored->stored, 300u);
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 301u);
  ana.ExpectVerifies();
  ana.Reopen();
  ASSERT_NE(ana.engine, nullptr);
  EXPECT_EQ(ana.engine->Head(bea.self())->seq, 301u);
  ana.ExpectVerifies();
}

TEST_F(StoreFaults, AReadErrorIsAClearErrorAndReadsWorkOnceItClears) {
  for (int i = 0; i < 2000; ++i) ana.Append("page filler " + std::to_string(i));
  // A fresh connection: nothing of the ledger in its cache yet, so reading
  // the entries goes to the file.
  ana.Reopen();
  ASSERT_NE(ana.engine, nullptr);
  FaultVfs::Fail(FaultVfs::kRead);
  auto verified = ana.engine->Verify();
  ASSERT_FALSE(verified.ok()) << "verify read every entry through a failing disk";
  EXPECT_GT(FaultVfs::failed(FaultVfs::kRead), 0);
  EXPECT_EQ(verified.error().code, ErrorCode::kIo);
  EXPECT_NE(verified.error().message.find("I/O"), std::string::npos) << verified.error().message;
  clock.Advance(1'000);
  EXPECT_FALSE(ana.engine->Append(Note("through a failing disk")).ok());

  FaultVfs::ClearAll();
  ana.Append("once it clears");
  const std::vector<std::string> notes = Notes();
  EXPECT_EQ(notes.size(), 1000u);  // the newest page of the log
  EXPECT_EQ(notes.back(), "once it clears");
  ana.ExpectVerifies();
}

TEST_F(StoreFaults, OpeningALedgerThatCannotBeReadFailsClearlyAndLeavesItWhole) {
  for (int i = 0; i < 20; ++i) ana.Append("kept " + std::to_string(i));
  ana.engine.reset();
  FaultVfs::Fail(FaultVfs::kRead);
  auto opened = ana.TryOpen();
  ASSERT_FALSE(opened.ok()) << "opened a ledger it could not read";
  EXPECT_EQ(opened.error().code, ErrorCode::kIo) << opened.error().message;
  FaultVfs::ClearAll();
  ana.engine = ana.Open();
  ASSERT_NE(ana.engine, nullptr);
  EXPECT_EQ(Notes().size(), 20u);
  ana.ExpectVerifies();
}

}  // namespace
}  // namespace kintsugi::daemon::testing
