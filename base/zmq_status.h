// ZeroMQ's errors as Results: the one place where cppzmq's exceptions
// (zmq::error_t, thrown by a bind, a connect, a send, a receive or a poll
// that fails) become the Errors every other module returns. Header-only, for
// the programs that link ZeroMQ (the daemon and the client library);
// `kintsugi_base` itself stays without it.
//
// Thread-safety: the functions keep no state.
#pragma once

#include <cerrno>
#include <chrono>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "base/result.h"

namespace kintsugi::base {

// Runs `body`, which returns nothing, a Status or a Result<T>; a ZeroMQ error
// it throws becomes an Error of `code`: "<what>: <ZeroMQ's words>". A body
// that returns nothing gives a Status.
template <typename Body>
auto ZmqCall(ErrorCode code, std::string_view what, Body&& body) {
  using Returned = std::invoke_result_t<Body&>;
  using Out = std::conditional_t<std::is_void_v<Returned>, Status, Returned>;
  try {
    if constexpr (std::is_void_v<Returned>) {
      body();
      return Out(OkStatus());
    } else {
      return Out(body());
    }
  } catch (const zmq::error_t& e) {
    return Out(MakeError(code, std::string(what) + ": " + e.what()));
  }
}

// The next message waiting on `socket`, all its frames appended to `frames`,
// without waiting: true when one was there.
inline Result<bool> ZmqReceive(zmq::socket_t& socket, std::vector<zmq::message_t>& frames) {
  return ZmqCall(ErrorCode::kIo, "receive", [&]() -> Result<bool> {
    return zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait).has_value();
  });
}

// zmq::poll, its failures as Errors. A poll a signal interrupted (EINTR)
// returns as one that timed out, with nothing ready: the caller's loop then
// looks at what the signal changed.
inline Status ZmqPoll(std::span<zmq::pollitem_t> items, std::chrono::milliseconds timeout) {
  try {
    zmq::poll(items.data(), items.size(), timeout);
  } catch (const zmq::error_t& e) {
    for (auto& item : items) item.revents = 0;
    if (e.num() == EINTR) return OkStatus();
    return MakeError(ErrorCode::kIo, std::string("poll failed: ") + e.what());
  }
  return OkStatus();
}

}  // namespace kintsugi::base
