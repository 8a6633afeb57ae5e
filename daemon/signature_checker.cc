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
  if (entries.size() > capacity_) {
    capacity_ = std::max(entries.size(), capacity_ * 2);
    verdicts_ = std::make_unique<std::atomic<std::uint8_t>[]>(capacity_);
  }
  for (std::size_t i = 0; i < entries.size(); ++i) verdicts_[i].store(kPending, std::memory_order_relaxed);
  entries_ = entries;
  next_.store(0, std::memory_order_relaxed);
  if (entries.size() >= kMinSharedBatch && worker_count_ > 0) {
    if (workers_.empty()) StartWorkers();
    {
      std::lock_guard lock(mutex_);
      open_ = true;
      ++generation_;
    }
    wake_.notify_all();
  }
  return std::unique_ptr<Batch>(new Batch(this));
}

void SignatureChecker::Work() {
  std::uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || (open_ && generation_ != seen); });
      if (stopping_) return;
      seen = generation_;
      ++active_;
    }
    while (CheckNext()) {
    }
    {
      std::lock_guard lock(mutex_);
      if (--active_ == 0) settled_.notify_all();
    }
  }
}

bool SignatureChecker::CheckNext() {
  const std::size_t i = next_.fetch_add(1, std::memory_order_relaxed);
  if (i >= entries_.size()) return false;
  const bool valid = entries_[i].ok() && protocol::SignatureValid(*entries_[i]);
  verdicts_[i].store(valid ? kValid : kInvalid, std::memory_order_release);
  verdicts_[i].notify_one();
  return true;
}

void SignatureChecker::Close() {
  next_.store(entries_.size(), std::memory_order_relaxed);  // nothing more is claimed
  std::unique_lock lock(mutex_);
  open_ = false;
  settled_.wait(lock, [&] { return active_ == 0; });
  entries_ = {};
}

SignatureChecker::Batch::~Batch() { owner_->Close(); }

bool SignatureChecker::Batch::Valid(std::size_t i) {
  std::atomic<std::uint8_t>& verdict = owner_->verdicts_[i];
  for (;;) {
    const std::uint8_t v = verdict.load(std::memory_order_acquire);
    if (v != kPending) return v == kValid;
    // Claimed by a worker: check another one meanwhile, or wait for it.
    if (!owner_->CheckNext()) verdict.wait(kPending, std::memory_order_acquire);
  }
}

}  // namespace kintsugi::daemon
