#include "daemon/link/connection_gate.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include "base/zmq_status.h"
#include "daemon/link/monitor_event.h"

namespace kintsugi::daemon {
namespace {

// The peer of a TCP connection accepted on `port`, or "" when `fd` is no
// longer such a connection (a descriptor already closed and reused).
std::string PeerOf(int fd) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return "";
  char text[INET6_ADDRSTRLEN] = {};
  if (peer.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&peer)->sin_addr, text, sizeof text);
  } else if (peer.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr, text, sizeof text);
  } else {
    return "";  // not TCP: not ours to judge
  }
  return text;
}

}  // namespace

Status ConnectionGate::Watch(zmq::context_t& context, zmq::socket_t& listener, const std::string& name) {
  const std::string endpoint = "inproc://gate-" + name;
  if (zmq_socket_monitor(listener.handle(), endpoint.c_str(),
                         ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CLOSED) != 0) {
    return MakeError(ErrorCode::kIo, "cannot watch the sync port's connections");
  }
  Status watching = base::ZmqCall(ErrorCode::kIo, "cannot watch the sync port's connections", [&] {
    zmq::socket_t monitor(context, zmq::socket_type::pair);
    monitor.set(zmq::sockopt::linger, 0);
    monitor.connect(endpoint);
    monitor_.emplace(std::move(monitor));
  });
  if (!watching.ok()) zmq_socket_monitor(listener.handle(), nullptr, 0);
  return watching;
}

void ConnectionGate::Stop(zmq::socket_t& listener) {
  if (!monitor_) return;
  zmq_socket_monitor(listener.handle(), nullptr, 0);
  monitor_.reset();
  by_fd_.clear();
  per_source_.clear();
}

void ConnectionGate::AppendPollItems(std::vector<zmq::pollitem_t>& items) {
  if (monitor_) items.push_back({monitor_->handle(), 0, ZMQ_POLLIN, 0});
}

void ConnectionGate::HandlePoll(const zmq::pollitem_t* items, std::size_t count) {
  if (!monitor_) return;
  bool readable = false;
  for (std::size_t i = 0; i < count; ++i) {
    if (items[i].socket == monitor_->handle() && (items[i].revents & ZMQ_POLLIN)) readable = true;
  }
  if (!readable) return;
  while (std::optional<MonitorEvent> e = NextMonitorEvent(*monitor_)) {
    if (e->event == ZMQ_EVENT_ACCEPTED) {
      Accepted(e->value);
    } else if (e->event == ZMQ_EVENT_DISCONNECTED || e->event == ZMQ_EVENT_CLOSED) {
      Closed(e->value);
    }
  }
}

void ConnectionGate::Accepted(int fd) {
  Closed(fd);  // a descriptor seen again was closed meanwhile
  const std::string source = PeerOf(fd);
  if (source.empty()) return;
  if (static_cast<int>(by_fd_.size()) >= kTotal || per_source_[source] >= kPerSource) {
    ::shutdown(fd, SHUT_RDWR);  // ZeroMQ sees it end and closes it
    ++turned_away_;
    if (turned_away_ == 1 || turned_away_ % 1000 == 0) {
      spdlog::warn("sync.connections_refused source={} total={} (over {} from one address or {} in all)", source,
                   turned_away_, kPerSource, kTotal);
    }
    return;
  }
  by_fd_[fd] = source;
  ++per_source_[source];
}

void ConnectionGate::Closed(int fd) {
  auto it = by_fd_.find(fd);
  if (it == by_fd_.end()) return;
  if (--per_source_[it->second] <= 0) per_source_.erase(it->second);
  by_fd_.erase(it);
}

}  // namespace kintsugi::daemon
