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

#include "crypto/result.h"
#include "protocol/entry.h"

namespace kintsugi::daemon {

class SignatureChecker {
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
  // must not outlive `entries`, and only one is open at a time. Closing it
  // waits for any worker still checking one of its entries.
  class Batch {
   public:
    ~Batch();
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    // Whether entry i decoded and its signature is valid; waits for its
    // check, checking other entries of the batch meanwhile.
    bool Valid(std::size_t i);

   private:
    friend class SignatureChecker;
    explicit Batch(SignatureChecker* owner) : owner_(owner) {}
    SignatureChecker* owner_;
  };

  // Starts checking `entries` (a decode that failed counts as invalid).
  [[nodiscard]] std::unique_ptr<Batch> Check(std::span<const Result<protocol::Entry>> entries);

 private:
  enum Verdict : std::uint8_t { kPending = 0, kValid = 1, kInvalid = 2 };

  void StartWorkers();
  void Work();
  // Claims the next unchecked entry and checks it; false when none is left.
  bool CheckNext();
  void Close();

  const std::size_t worker_count_;
  std::vector<std::thread> workers_;

  // The open batch. Workers read it only between taking `active_` up and
  // down, which Close() waits for.
  std::span<const Result<protocol::Entry>> entries_;
  std::unique_ptr<std::atomic<std::uint8_t>[]> verdicts_;
  std::size_t capacity_ = 0;
  std::atomic<std::size_t> next_{0};

  std::mutex mutex_;
  std::condition_variable wake_;     // a batch opened, or stopping
  std::condition_variable settled_;  // no worker holds the batch any longer
  std::uint64_t generation_ = 0;     // batches opened so far
  std::size_t active_ = 0;           // workers inside the open batch
  bool open_ = false;
  bool stopping_ = false;
};

}  // namespace kintsugi::daemon
