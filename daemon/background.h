// Background: runs one slow, pure piece of work (a key's derivation from a
// passphrase: Argon2id, half a second, several under load) on a thread of its
// own, and hands its end back to the loop's thread, so the daemon answers
// everyone else meanwhile. The loop polls fd(); when it is readable, Finish()
// runs the `then` of the work that ended, on the loop's thread.
//
// One piece of work at a time: the callers refuse a second while busy().
//
// Thread-safety: Run(), Finish() and busy() on the loop's thread; `work` on
// the background thread, touching only what it was given.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/files.h"
#include "base/result.h"

namespace kintsugi::daemon {

class Background {
 public:
  static Result<std::unique_ptr<Background>> Open();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  // Waits for the work under way, if any, and drops its `then`.
  ~Background();

  // Whether work runs now, or ended and its `then` has yet to run.
  bool busy() const { return thread_.joinable(); }
  // What runs (as Run() was told: "an unlock"), while busy().
  const std::string& what() const { return what_; }
  // Starts `work`; `then` runs on the loop's thread once it ends.
  // REQUIRES: !busy().
  void Run(std::string what, std::function<void()> work, std::function<void()> then);
  // Readable once the work ended.
  int fd() const { return done_.get(); }
  // Runs the ended work's `then` (nothing when none ended).
  void Finish();

 private:
  explicit Background(base::UniqueFd done) : done_(std::move(done)) {}

  base::UniqueFd done_;  // an eventfd the work's thread signals as it ends
  std::thread thread_;
  std::function<void()> then_;
  std::string what_;
};

}  // namespace kintsugi::daemon
