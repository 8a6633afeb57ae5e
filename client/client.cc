#include "client/client.h"

#include "base/files.h"
#include "base/zmq_status.h"
#include "crypto/secure_buffer.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include <vector>
#include <zmq_addon.hpp>

#include "protocol/ipc.h"

namespace kintsugi::client {
namespace {

using Clock = std::chrono::steady_clock;

// A plain connect() tells at once whether a daemon listens on the socket; a
// socket file left by a killed daemon refuses. (ZeroMQ's own connect would
// retry silently until the request timed out.)
bool SocketAccepts(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  const base::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  return fd.valid() && ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

Result<protocol::Layout> FindDaemon(const ClientOptions& options) {
  auto layout = protocol::ResolveLayout(protocol::LayoutInputsFromEnvironment(options.data_dir));
  if (!layout.ok()) return layout.take_error();
  std::string socket_path = layout->control_endpoint.substr(sizeof("ipc://") - 1);
  if (!SocketAccepts(socket_path)) {
    return MakeError(ErrorCode::kUnavailable, "no kintsugid is running for " + layout->data_dir +
                                                  " (start it with: kintsugid --data-dir " +
                                                  layout->data_dir + ")");
  }
  return layout;
}

}  // namespace

Result<std::uint64_t> DaemonInstance(const ClientOptions& options) {
  auto layout = FindDaemon(options);
  if (!layout.ok()) return layout.take_error();
  struct stat st {};
  const std::string socket_path = layout->control_endpoint.substr(sizeof("ipc://") - 1);
  if (::stat(socket_path.c_str(), &st) != 0) return MakeError(ErrorCode::kUnavailable, "the daemon's socket is gone");
  return static_cast<std::uint64_t>(st.st_ino);
}

Client::Client(protocol::Layout layout, ClientOptions options)
    : layout_(std::move(layout)), options_(std::move(options)) {
  ResetSocket();
}

void Client::ResetSocket() {
  socket_.emplace(context_, zmq::socket_type::dealer);
  socket_->set(zmq::sockopt::linger, 0);
  socket_->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(protocol::kMaxIpcReplyBytes));
  socket_->connect(layout_.control_endpoint);
}

Result<std::unique_ptr<Client>> Client::Connect(const ClientOptions& options) {
  auto layout = FindDaemon(options);
  if (!layout.ok()) return layout.take_error();
  return base::ZmqCall(ErrorCode::kUnavailable, "cannot connect", [&]() -> Result<std::unique_ptr<Client>> {
    return std::unique_ptr<Client>(new Client(std::move(layout).value(), options));
  });
}

Result<nlohmann::json> Client::Call(std::string_view method, const nlohmann::json& params) {
  answered_ = false;  // until a reply to this request comes: then the socket stays
  silent_ = false;
  const nlohmann::json id = next_id_++;
  const std::optional<protocol::MethodSpec> spec = protocol::FindMethod(method);
  const std::chrono::milliseconds timeout = spec && spec->derives_key ? options_.key_timeout : options_.timeout;
  std::string request = protocol::EncodeIpcRequest(id, method, params);
  if (request.size() > protocol::kMaxIpcRequestBytes) {
    // The daemon would refuse it: say so now rather than after a round trip.
    const std::size_t bytes = request.size();
    crypto::WipeString(request);
    return protocol::RequestTooLarge(bytes);
  }
  Result<nlohmann::json> outcome = base::ZmqCall(ErrorCode::kUnavailable, "IPC failed", [&]() -> Result<nlohmann::json> {
    (void)socket_->send(zmq::buffer(request), zmq::send_flags::none);
    crypto::WipeString(request);  // it may carry a passphrase; ZeroMQ has its copy
    auto deadline = Clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) break;
      zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, left);
      if (!(item.revents & ZMQ_POLLIN)) continue;
      zmq::message_t reply;
      if (!socket_->recv(reply, zmq::recv_flags::dontwait)) continue;
      auto parsed = protocol::ParseIpcReply(
          ByteView(static_cast<const std::uint8_t*>(reply.data()), reply.size()));
      answered_ = !parsed.ok() || parsed->id == id;
      if (!parsed.ok()) return parsed.take_error();
      // A late reply to an earlier, timed-out request: keep waiting for ours.
      if (parsed->id != id) continue;
      return std::move(parsed->outcome);
    }
    silent_ = true;
    return MakeError(ErrorCode::kUnavailable,
                     "kintsugid did not answer within " + std::to_string(timeout.count()) + " ms");
  });
  crypto::WipeString(request);  // also when the send failed
  // After a failure or a time-out, a fresh socket, so that a reply that
  // arrives later cannot be mistaken for the next request's.
  if (!answered_) ResetSocket();
  return outcome;
}

Result<std::unique_ptr<EventStream>> EventStream::Connect(const ClientOptions& options) {
  auto layout = FindDaemon(options);
  if (!layout.ok()) return layout.take_error();
  return base::ZmqCall(ErrorCode::kUnavailable, "cannot subscribe", [&]() -> Result<std::unique_ptr<EventStream>> {
    std::unique_ptr<EventStream> stream(new EventStream());
    stream->socket_.set(zmq::sockopt::linger, 0);
    stream->socket_.set(zmq::sockopt::subscribe, "");
    stream->socket_.connect(layout->events_endpoint);
    return stream;
  });
}

std::optional<Event> EventStream::Next(std::chrono::milliseconds timeout) {
  // A failed poll or receive is no event, as a malformed one is.
  auto next = base::ZmqCall(ErrorCode::kIo, "events", [&]() -> Result<std::optional<Event>> {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, timeout);
    if (!(item.revents & ZMQ_POLLIN)) return std::optional<Event>();
    std::vector<zmq::message_t> frames;
    if (!zmq::recv_multipart(socket_, std::back_inserter(frames), zmq::recv_flags::dontwait) ||
        frames.size() != 2) {
      return std::optional<Event>();
    }
    auto data = nlohmann::json::parse(frames[1].to_string_view(), nullptr, false);
    if (data.is_discarded()) return std::optional<Event>();
    return std::optional<Event>(Event{frames[0].to_string(), std::move(data)});
  });
  return next.ok() ? std::move(next).value() : std::nullopt;
}

}  // namespace kintsugi::client
