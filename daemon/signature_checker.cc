#include "daemon/signature_checker.h"

#include <algorithm>
#include <system_error>

#include "protocol/validation.h"

namespace kintsugi::daemon {

std::size_t SignatureChecker::DefaultWorkers() {
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4) - 1;
}

SignatureChecker::SignatureChecker(std::size_t workers) : worker_count_(workers) {}

SignatureChecker::~SignatureChecker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void SignatureChecker::StartWorkers() {
  while (workers_.size() < worker_count_) {
    try {
      workers_.emplace_back([this] { Work(); });
    } catch (const std::system_error&) {
      break;  // fewer helpers (the caller checks what they do not): slower, not wrong
    }
  }
}

std::unique_ptr<SignatureChecker::Batch> SignatureChecker::Check(
    std::span<const Result<protocol::Entry>> entries) {
  auto job = std::make_shared<Job>();
  job->entries = entries;
  job->verdicts = std::make_unique<std::atomic<std::uint8_t>[]>(entries.size());  // all kPending
  const bool shared = entries.size() >= kMinSharedBatch && worker_count_ > 0;
  if (shared && workers_.empty()) StartWorkers();
  {
    std::lock_guard lock(mutex_);
    ++open_;
    if (shared) shared_.push_back(job);
  }
  if (shared) wake_.notify_all();
  return std::unique_ptr<Batch>(new Batch(this, std::move(job)));
}

std::size_t SignatureChecker::open_batches() {
  std::lock_guard lock(mutex_);
  return open_;
}

std::shared_ptr<SignatureChecker::Job> SignatureChecker::NextJobLocked() const {
  for (const auto& job : shared_) {
    if (job->Unclaimed()) return job;
  }
  return nullptr;
}

void SignatureChecker::Work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || (job = NextJobLocked()) != nullptr; });
      if (stopping_) return;
      ++job->active;
    }
    while (CheckNext(*job)) {
    }
    {
      std::lock_guard lock(mutex_);
      --job->active;
    }
    settled_.notify_all();
  }
}

bool SignatureChecker::CheckNext(Job& job) {
  const std::size_t i = job.next.fetch_add(1, std::memory_order_relaxed);
  if (i >= job.entries.size()) return false;
  const bool valid = job.entries[i].ok() && protocol::SignatureValid(*job.entries[i]);
  job.verdicts[i].store(valid ? kValid : kInvalid, std::memory_order_release);
  job.verdicts[i].notify_one();
  return true;
}

void SignatureChecker::Close(const std::shared_ptr<Job>& job) {
  job->next.store(job->entries.size(), std::memory_order_relaxed);  // nothing more is claimed
  std::unique_lock lock(mutex_);
  settled_.wait(lock, [&] { return job->active == 0; });
  std::erase(shared_, job);
  --open_;
}

SignatureChecker::Batch::~Batch() { owner_->Close(job_); }

std::size_t SignatureChecker::Batch::checked() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < job_->entries.size(); ++i) {
    if (job_->verdicts[i].load(std::memory_order_acquire) != kPending) ++n;
  }
  return n;
}

bool SignatureChecker::Batch::Valid(std::size_t i) {
  std::atomic<std::uint8_t>& verdict = job_->verdicts[i];
  for (;;) {
    const std::uint8_t v = verdict.load(std::memory_order_acquire);
    if (v != kPending) return v == kValid;
    // Claimed by a worker: check another one meanwhile, or wait for it.
    if (!CheckNext(*job_)) verdict.wait(kPending, std::memory_order_acquire);
  }
}

}  // namespace kintsugi::daemon
