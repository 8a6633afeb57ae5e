// The IPC client library shared by the window and kintsugictl: finds the
// daemon of a data dir, sends JSON requests and waits for their replies, and
// subscribes to its event stream (docs/PROTOCOL.md, "Local IPC").
//
// Thread-safety: a Client or EventStream is used by one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "base/result.h"
#include "protocol/layout.h"

namespace kintsugi::client {

struct ClientOptions {
  std::string data_dir;  // empty: the XDG default, as the daemon resolves it
  std::chrono::milliseconds timeout{5000};  // per request
  // Per request that derives a key from a passphrase (protocol::MethodSpec::derives_key).
  std::chrono::milliseconds key_timeout{30000};
};

// Whether a daemon serves this data dir, and which start of it: the identity
// (inode) of its IPC socket, new each time a daemon starts. One connect()
// and one stat(): cheap enough to ask twice a second. kUnavailable when none
// answers.
[[nodiscard]] Result<std::uint64_t> DaemonInstance(const ClientOptions& options);

class Client {
 public:
  // Resolves the daemon's sockets. Fails with kUnavailable when no daemon is
  // listening for that data dir.
  static Result<std::unique_ptr<Client>> Connect(const ClientOptions& options);

  // Sends `method` with `params` and returns the reply's result. Fails with
  // the daemon's error, or kUnavailable when it does not answer in time.
  Result<nlohmann::json> Call(std::string_view method,
                              const nlohmann::json& params = nlohmann::json::object());
  // Whether the last Call had the daemon's reply (its answer or its error):
  // false after a time-out, a failed send, or a request too large to send.
  bool answered() const { return answered_; }
  // Whether the last Call reached a daemon that then said nothing in time:
  // the request went out and its time-out passed (a daemon frozen or stuck,
  // not one that is gone).
  bool silent() const { return silent_; }

  const protocol::Layout& layout() const { return layout_; }

 private:
  Client(protocol::Layout layout, ClientOptions options);
  void ResetSocket();

  protocol::Layout layout_;
  ClientOptions options_;
  zmq::context_t context_{1};
  std::optional<zmq::socket_t> socket_;
  std::int64_t next_id_ = 1;
  bool answered_ = false;
  bool silent_ = false;
};

struct Event {
  std::string topic;
  nlohmann::json data;
};

// A subscription to the daemon's events (all topics).
class EventStream {
 public:
  static Result<std::unique_ptr<EventStream>> Connect(const ClientOptions& options);
  // The next event, or nullopt when none arrives within `timeout`.
  std::optional<Event> Next(std::chrono::milliseconds timeout);
  // The socket, for callers that poll it with other sources.
  zmq::socket_t& socket() { return socket_; }

 private:
  EventStream() = default;
  zmq::context_t context_{1};
  zmq::socket_t socket_{context_, zmq::socket_type::sub};
};

}  // namespace kintsugi::client
