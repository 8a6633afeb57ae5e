#include "daemon/ipc/ipc_server.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <vector>
#include <zmq_addon.hpp>

#include "base/zmq_status.h"
#include "crypto/secure_buffer.h"
#include "protocol/ipc.h"

namespace kintsugi::daemon {
namespace {

// A request is [routing id, (empty delimiter from REQ clients), payload].
constexpr std::size_t kMaxRequestFrames = 3;

}  // namespace

Result<std::unique_ptr<IpcServer>> IpcServer::Bind(zmq::context_t& context,
                                                   const protocol::Layout& layout) {
  return base::ZmqCall(ErrorCode::kIo, "cannot bind the IPC sockets", [&]() -> Result<std::unique_ptr<IpcServer>> {
    zmq::socket_t control(context, zmq::socket_type::router);
    control.set(zmq::sockopt::linger, 0);
    // Frames above this make libzmq drop the sender; smaller oversized
    // requests get a too_large reply from the dispatcher.
    control.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(protocol::kIpcTransportLimitBytes));
    control.set(zmq::sockopt::router_mandatory, false);
    control.set(zmq::sockopt::sndhwm, 1000);
    control.bind(layout.control_endpoint);

    zmq::socket_t events(context, zmq::socket_type::pub);
    events.set(zmq::sockopt::linger, 0);
    events.set(zmq::sockopt::sndhwm, 10000);
    events.bind(layout.events_endpoint);
    return std::unique_ptr<IpcServer>(new IpcServer(std::move(control), std::move(events)));
  });
}

void IpcServer::ServePending(Dispatcher& dispatcher) {
  for (;;) {
    std::vector<zmq::message_t> frames;
    Result<bool> received = base::ZmqReceive(control_, frames);
    if (!received.ok()) spdlog::warn("ipc.recv_failed what=\"{}\"", received.error().message);
    if (!received.ok() || !*received) return;
    if (frames.size() < 2 || frames.size() > kMaxRequestFrames) {
      spdlog::warn("ipc.refused reason=\"{} frames\"", frames.size());
      continue;  // not a request we can answer; the sender times out
    }
    const zmq::message_t& payload = frames.back();
    // The envelope (routing id, and the delimiter of REQ clients) routes the
    // reply back, now or later.
    auto envelope = std::make_shared<std::vector<std::string>>();
    for (std::size_t i = 0; i + 1 < frames.size(); ++i) envelope->push_back(frames[i].to_string());
    auto send = [this, envelope](const std::string& reply) {
      std::vector<zmq::const_buffer> out;
      for (const auto& part : *envelope) out.push_back(zmq::buffer(part));
      out.push_back(zmq::buffer(reply));
      Status sent = base::ZmqCall(ErrorCode::kIo, "send",
                                  [&] { (void)zmq::send_multipart(control_, out, zmq::send_flags::dontwait); });
      if (!sent.ok()) spdlog::warn("ipc.send_failed what=\"{}\"", sent.error().message);
    };
    auto reply = dispatcher.HandleAsync(
        ByteView(static_cast<const std::uint8_t*>(payload.data()), payload.size()), send);
    if (reply) send(*reply);
    // Requests may carry a passphrase: leave no copy in ordinary memory.
    crypto::Wipe(std::span<std::uint8_t>(static_cast<std::uint8_t*>(frames.back().data()), frames.back().size()));
  }
}

void IpcServer::Publish(std::string_view topic, const std::string& payload) {
  Status sent = base::ZmqCall(ErrorCode::kIo, "publish", [&] {
    (void)events_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    (void)events_.send(zmq::buffer(payload), zmq::send_flags::dontwait);
  });
  if (!sent.ok()) spdlog::warn("ipc.publish_failed what=\"{}\"", sent.error().message);
}

}  // namespace kintsugi::daemon
