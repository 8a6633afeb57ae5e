// SignatureChecker: a batch's signatures checked on standing workers while
// the caller asks for the verdicts in order.
#include "daemon/signature_checker.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "tests/daemon/test_support.h"

namespace kintsugi::daemon {
namespace {

// A batch of `count` entries where every `bad_every`-th has a damaged
// signature and every `undecodable_every`-th failed to decode.
struct Batch {
  std::vector<Result<protocol::Entry>> entries;
  std::vector<bool> expected;
};

Batch MakeBatch(std::size_t count, std::size_t bad_every, std::size_t undecodable_every) {
  crypto::DeterministicRandom rng(testing::Seed(41));
  auto author = testing::TestAuthor::Make(rng, testing::Seed(42));
  Batch out;
  protocol::EntryId prev{};
  for (std::size_t i = 0; i < count; ++i) {
    auto sealed = author.Seal(rng, i + 1, prev, 1000 + i, "entry " + std::to_string(i));
    prev = sealed.id;
    if (undecodable_every != 0 && i % undecodable_every == undecodable_every - 1) {
      Bytes cut = sealed.encoded;
      cut.resize(cut.size() / 2);  // half an entry: Decode refuses it
      out.entries.push_back(protocol::Decode(cut));
      out.expected.push_back(false);
      continue;
    }
    if (bad_every != 0 && i % bad_every == bad_every - 1) {
      sealed.entry.signature[7] ^= 0x01;
      out.entries.push_back(sealed.entry);
      out.expected.push_back(false);
      continue;
    }
    out.entries.push_back(sealed.entry);
    out.expected.push_back(true);
  }
  return out;
}

std::vector<bool> VerdictsInOrder(SignatureChecker& checker, const Batch& batch) {
  auto checking = checker.Check(batch.entries);
  std::vector<bool> got;
  for (std::size_t i = 0; i < batch.entries.size(); ++i) got.push_back(checking->Valid(i));
  return got;
}

TEST(SignatureChecker, AVerdictIsTheSignaturesWhetherWorkersOrTheCallerCheckedIt) {
  const Batch batch = MakeBatch(300, 7, 23);
  for (std::size_t workers : {0u, 1u, 3u}) {
    SignatureChecker checker(workers);
    EXPECT_EQ(VerdictsInOrder(checker, batch), batch.expected) << workers << " workers";
  }
}

TEST(SignatureChecker, ASmallBatchIsCheckedOnTheCallersThread) {
  const Batch batch = MakeBatch(SignatureChecker::kMinSharedBatch - 1, 3, 0);
  SignatureChecker checker(2);
  EXPECT_EQ(VerdictsInOrder(checker, batch), batch.expected);
  // A big batch after it still has its verdicts right with the workers.
  const Batch big = MakeBatch(256, 5, 0);
  EXPECT_EQ(VerdictsInOrder(checker, big), big.expected);
}

TEST(SignatureChecker, BatchesOneAfterAnotherGrowAndShrinkWithoutMixingVerdicts) {
  SignatureChecker checker(1);
  const Batch small = MakeBatch(40, 2, 0);
  const Batch large = MakeBatch(512, 0, 9);
  for (int round = 0; round < 50; ++round) {
    const Batch& batch = round % 3 == 0 ? large : small;
    ASSERT_EQ(VerdictsInOrder(checker, batch), batch.expected) << "round " << round;
  }
}

TEST(SignatureChecker, ABatchLeftHalfAskedClosesAndTheNextIsRight) {
  // The caller stops early (a store error ends a batch mid-way): closing
  // waits for the workers, and the next batch starts clean.
  SignatureChecker checker(3);
  const Batch first = MakeBatch(256, 4, 0);
  for (int round = 0; round < 20; ++round) {
    auto checking = checker.Check(first.entries);
    EXPECT_EQ(checking->Valid(static_cast<std::size_t>(round)), first.expected[static_cast<std::size_t>(round)]);
  }
  const Batch second = MakeBatch(64, 0, 0);
  EXPECT_EQ(VerdictsInOrder(checker, second), second.expected);
}

TEST(SignatureChecker, VerdictsAskedOutOfOrderAreStillEach) {
  SignatureChecker checker(2);
  const Batch batch = MakeBatch(128, 3, 11);
  auto checking = checker.Check(batch.entries);
  for (std::size_t i = batch.entries.size(); i-- > 0;) {
    EXPECT_EQ(checking->Valid(i), batch.expected[i]) << i;
  }
}

TEST(SignatureChecker, TheNextBatchIsCheckedWhileTheOneBeforeIsStillOpen) {
  // The loop holds batch k open while it stores it; batch k+1, read ahead,
  // is checked by the workers meanwhile, without a verdict asked of either.
  SignatureChecker checker(1);
  const Batch first = MakeBatch(64, 5, 0);
  const Batch second = MakeBatch(256, 7, 13);
  auto held = checker.Check(first.entries);
  auto ahead = checker.Check(second.entries);
  EXPECT_EQ(checker.open_batches(), 2u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ahead->checked() < second.entries.size() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(ahead->checked(), second.entries.size());
  EXPECT_EQ(held->checked(), first.entries.size());  // the older one went first
  for (std::size_t i = 0; i < first.entries.size(); ++i) EXPECT_EQ(held->Valid(i), first.expected[i]) << i;
  for (std::size_t i = 0; i < second.entries.size(); ++i) EXPECT_EQ(ahead->Valid(i), second.expected[i]) << i;
}

TEST(SignatureChecker, BatchesClosedOutOfOrderLeaveNoneOpen) {
  // A reset drops a batch read ahead before the one being stored closes.
  SignatureChecker checker(2);
  const Batch batch = MakeBatch(200, 3, 0);
  for (int round = 0; round < 20; ++round) {
    auto current = checker.Check(batch.entries);
    auto ahead = checker.Check(batch.entries);
    auto third = checker.Check(batch.entries);
    EXPECT_EQ(checker.open_batches(), 3u);
    EXPECT_EQ(current->Valid(static_cast<std::size_t>(round)), batch.expected[static_cast<std::size_t>(round)]);
    ahead.reset();
    EXPECT_EQ(third->Valid(199), batch.expected[199]);
    third.reset();
    current.reset();
    EXPECT_EQ(checker.open_batches(), 0u);
  }
  EXPECT_EQ(VerdictsInOrder(checker, batch), batch.expected);
}

}  // namespace
}  // namespace kintsugi::daemon
