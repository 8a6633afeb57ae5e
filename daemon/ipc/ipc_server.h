// IpcServer: the daemon's two local ZeroMQ sockets (docs/PROTOCOL.md, "Local
// IPC"): a ROUTER on ipc://<runtime dir>/control for requests and a PUB on
// ipc://<runtime dir>/events for events. The runtime dir is 0700, so only this
// user can connect.
//
// Thread-safety: the daemon loop's thread only.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <zmq.hpp>

#include "base/result.h"
#include "daemon/ipc/dispatch.h"
#include "protocol/layout.h"

namespace kintsugi::daemon {

class IpcServer {
 public:
  // Binds both sockets. Fails with kIo when an endpoint cannot be bound.
  static Result<std::unique_ptr<IpcServer>> Bind(zmq::context_t& context,
                                                 const protocol::Layout& layout);

  // The socket the loop polls for requests.
  zmq::socket_t& control() { return control_; }

  // Answers every request waiting on the control socket; never blocks.
  void ServePending(Dispatcher& dispatcher);

  // Publishes one event; dropped when nobody listens.
  void Publish(std::string_view topic, const std::string& payload);

 private:
  IpcServer(zmq::socket_t control, zmq::socket_t events)
      : control_(std::move(control)), events_(std::move(events)) {}

  zmq::socket_t control_;
  zmq::socket_t events_;
};

}  // namespace kintsugi::daemon
