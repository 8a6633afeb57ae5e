#include "daemon/background.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>
#include <utility>

namespace kintsugi::daemon {

Result<std::unique_ptr<Background>> Background::Open() {
  base::UniqueFd done(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!done.valid()) return MakeError(ErrorCode::kIo, "cannot make an eventfd for work off the loop");
  return std::unique_ptr<Background>(new Background(std::move(done)));
}

Background::~Background() {
  if (thread_.joinable()) thread_.join();
}

void Background::Run(std::string what, std::function<void()> work, std::function<void()> then) {
  what_ = std::move(what);
  then_ = std::move(then);
  thread_ = std::thread([this, work = std::move(work)] {
    work();
    const std::uint64_t one = 1;
    (void)::write(done_.get(), &one, sizeof one);
  });
}

void Background::Finish() {
  std::uint64_t count = 0;
  if (::read(done_.get(), &count, sizeof count) != sizeof count) return;  // nothing ended
  thread_.join();
  std::function<void()> then = std::exchange(then_, nullptr);
  if (then) then();
}

}  // namespace kintsugi::daemon
