// SignatureChecker: checks the signatures of a received batch on standing
// worker threads while the caller stores the entries already checked.
//
// Signature checks are most of the cost of taking in a batch, each is
// independent of the others, and the chain checks and inserts that follow
// must go in order on the daemon's loop. So the loop hands the whole batch
// in, then asks for each entry's verdict in order: a worker has usually
// checked it by then; if not, the loop checks the next unclaimed entry
// itself while it waits, so no core idles while work is left. The workers
// start with the first batch large enough to share (an idle daemon has
// none) and stay for the checker's life: no thread is made per batch.
//
// Several batches may be open at once, in the order they were handed in:
// while the loop stores one batch, the next one read from the socket is
// already being checked. Workers take the oldest batch with entries left.
//
// Thread-safety: Check() and Valid() from one thread (the daemon loop); the
// workers are internal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "base/result.h"
#include "protocol/entry.h"

namespace kintsugi::daemon {

class SignatureChecker {
  struct Job;  // one batch's entries and verdicts, below

 public:
  // Batches smaller than this are checked on the caller's thread alone:
  // waking a worker costs more than it saves.
  static constexpr std::size_t kMinSharedBatch = 32;

  // `workers` threads beside the caller's; by default one per core beyond
  // the first, at most 3.
  explicit SignatureChecker(std::size_t workers = DefaultWorkers());
  ~SignatureChecker();
  SignatureChecker(const SignatureChecker&) = delete;
  SignatureChecker& operator=(const SignatureChecker&) = delete;

  static std::size_t DefaultWorkers();

  // One batch being checked. Its verdicts are asked for with Valid(); it
  // must not outlive `entries` or the checker. Closing it waits for any
  // worker still checking one of its entries.
  class Batch {
   public:
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    // Whether entry i decoded and its signature is valid; waits for its
    // check, checking other entries of the batch meanwhile.
    bool Valid(std::size_t i);
    // How many of its entries have a verdict so far (for tests).
    std::size_t checked() const;

   private:
    friend class SignatureChecker;
    Batch(SignatureChecker* owner, std::shared_ptr<Job> job) : owner_(owner), job_(std::move(job)) {}
    SignatureChecker* owner_;
    std::shared_ptr<Job> job_;
  };

  // Starts checking `entries` (a decode that failed counts as invalid),
  // after the batches still open.
  [[nodiscard]] std::unique_ptr<Batch> Check(std::span<const Result<protocol::Entry>> entries);

  // Batches handed in and not yet closed (for tests).
  std::size_t open_batches();

 private:
  enum Verdict : std::uint8_t { kPending = 0, kValid = 1, kInvalid = 2 };

  // A batch's entries and verdicts. Workers read `entries` only while they
  // count themselves in `active`, which Close() waits to fall to zero.
  struct Job {
    std::span<const Result<protocol::Entry>> entries;
    std::unique_ptr<std::atomic<std::uint8_t>[]> verdicts;
    std::atomic<std::size_t> next{0};
    std::size_t active = 0;  // guarded by the checker's mutex_
    bool Unclaimed() const { return next.load(std::memory_order_relaxed) < entries.size(); }
  };

  void StartWorkers();
  void Work();
  // The oldest shared batch with entries left to claim; null when none.
  // Called with mutex_ held.
  std::shared_ptr<Job> NextJobLocked() const;
  // Claims the next unchecked entry of `job` and checks it; false when none is left.
  static bool CheckNext(Job& job);
  void Close(const std::shared_ptr<Job>& job);

  const std::size_t worker_count_;
  std::vector<std::thread> workers_;

  std::mutex mutex_;
  std::condition_variable wake_;     // a batch opened, or stopping
  std::condition_variable settled_;  // a worker left a batch
  std::vector<std::shared_ptr<Job>> shared_;  // open batches the workers help with, oldest first
  std::size_t open_ = 0;                      // open batches, shared or not
  bool stopping_ = false;
};

}  // namespace kintsugi::daemon
