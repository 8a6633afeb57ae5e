// DaemonLinks for the view-model tests, without a window and without mocks.
//
// DispatcherLink is the daemon minus its sockets: each Call is encoded as an
// IPC request frame (protocol/ipc.h), handed to a real daemon::Dispatcher
// over a real Engine, and its reply frame parsed with the client's own
// parser. It can be cut, as when kintsugid stops answering, and it records
// the methods called, so a test can tell that a refused form sent nothing.
//
// DeadLink is a window with no daemon at all: every call fails as the IPC
// client fails when nothing listens on the control socket.
//
// Partner wires one partner's side: a Device (tests/daemon/pairing_support.h),
// the dispatcher over its engine, the link and the window's view-model.
//
// Thread-safety: test-thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "crypto/bytes.h"
#include "daemon/ipc/dispatch.h"
#include "daemon/desktop/notifier.h"
#include "protocol/ipc.h"
#include "tests/daemon/pairing_support.h"
#include "ui/view_model.h"

namespace kintsugi::ui::testing {

class DispatcherLink final : public DaemonLink {
 public:
  explicit DispatcherLink(daemon::Dispatcher& dispatcher) : dispatcher_(dispatcher) {}

  Result<nlohmann::json> Call(std::string_view method, const nlohmann::json& params) override {
    methods_.emplace_back(method);
    if (cut_after_ && (*cut_after_)-- == 0) {
      cut_after_.reset();
      cut_ = std::move(cut_why_);
    }
    answered_ = !cut_;
    if (cut_) return MakeError(ErrorCode::kUnavailable, *cut_);
    const nlohmann::json id = ++last_id_;
    const std::string reply = dispatcher_.Handle(AsBytes(protocol::EncodeIpcRequest(id, method, params)));
    auto parsed = protocol::ParseIpcReply(AsBytes(reply));
    if (!parsed.ok()) {
      ADD_FAILURE() << method << ": the dispatcher's reply does not parse: " << reply;
      return parsed.take_error();
    }
    EXPECT_EQ(parsed->id, id) << method << ": the reply is not to this request";
    return std::move(parsed->outcome);
  }

  bool answered() const override { return answered_; }
  bool silent() const override { return !answered_ && silent_; }

  // From now on every call fails with `why`, unanswered, as when the daemon
  // froze (`silent`: it is there, and says nothing) or went away.
  void Cut(std::string why, bool silent = true) {
    cut_ = std::move(why);
    silent_ = silent;
  }
  // The same, frozen, after `calls` more calls have been answered.
  void CutAfter(std::size_t calls, std::string why) {
    cut_after_ = calls;
    cut_why_ = std::move(why);
    silent_ = true;
  }
  void Restore() { cut_.reset(); }

  // The methods called since the last Forget(), in order.
  const std::vector<std::string>& methods() const { return methods_; }
  void Forget() { methods_.clear(); }

 private:
  daemon::Dispatcher& dispatcher_;
  std::int64_t last_id_ = 0;
  std::optional<std::string> cut_;
  std::optional<std::size_t> cut_after_;
  std::string cut_why_;
  bool silent_ = true;
  bool answered_ = false;
  std::vector<std::string> methods_;
};

class DeadLink final : public DaemonLink {
 public:
  static constexpr const char* kProblem =
      "no kintsugid is running for /tmp/kintsugi-none (start it with: kintsugid --data-dir /tmp/kintsugi-none)";

  Result<nlohmann::json> Call(std::string_view, const nlohmann::json&) override {
    ++calls_;
    return MakeError(ErrorCode::kUnavailable, kProblem);
  }
  bool answered() const override { return false; }
  int calls() const { return calls_; }

 private:
  int calls_ = 0;
};

// One partner's side: a device (ledger files and engine), the daemon's
// dispatcher over it, and the window's link and view-model, whose clock is
// the test's. `vm` is null when the engine did not open.
struct Partner {
  Partner(std::uint8_t seed, daemon::testing::TestClock& clock) : device(seed, clock) {
    if (device.engine == nullptr) return;
    notifier = std::make_unique<daemon::Notifier>(*device.engine, nullptr);
    notifier->Load();
    daemon::DaemonServices services;
    services.notifier = notifier.get();
    dispatcher = std::make_unique<daemon::Dispatcher>(*device.engine, daemon::DaemonInfo{device.dir.path(), seed},
                                                      services);
    link = std::make_unique<DispatcherLink>(*dispatcher);
    vm = std::make_unique<ViewModel>(*link, [&clock] { return clock.NowMillis(); });
  }

  // Creates this partner's ledger from the first-run screen, then reads.
  void Init(const std::string& name) {
    ASSERT_NE(vm, nullptr);
    vm->name_input = name;
    Notice done = vm->Init();
    ASSERT_FALSE(done.error) << done.text;
    ASSERT_TRUE(vm->Refresh()) << vm->connection_problem();
    ASSERT_TRUE(vm->initialized());
  }

  daemon::testing::Device device;
  std::unique_ptr<daemon::Notifier> notifier;  // settings only: nothing here is shown on a desktop
  std::unique_ptr<daemon::Dispatcher> dispatcher;
  std::unique_ptr<DispatcherLink> link;
  std::unique_ptr<ViewModel> vm;
};

}  // namespace kintsugi::ui::testing
