// Keeps the sync port's connections within bounds, whoever opens them: the
// port is open to the LAN, and before any handshake anyone can connect. At
// most kPerSource connections from one address and kTotal in all are kept;
// the rest are shut down as soon as they are accepted, so a neighbour with a
// laptop cannot use up the daemon's file descriptors (which the window's IPC
// and the database need too).
//
// It watches the listening socket with a ZeroMQ socket monitor (accepted and
// closed connections, by descriptor) and shuts a connection down rather than
// closing it: ZeroMQ owns the descriptor and lets it go itself, at once.
//
// Thread-safety: the daemon loop's thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "base/result.h"

namespace kintsugi::daemon {

class ConnectionGate {
 public:
  static constexpr int kPerSource = 8;
  static constexpr int kTotal = 64;

  // Starts watching `listener` (before it binds). `name` makes the monitor's
  // inproc endpoint unique in `context`.
  Status Watch(zmq::context_t& context, zmq::socket_t& listener, const std::string& name);
  // Stops watching (before the listener closes).
  void Stop(zmq::socket_t& listener);

  void AppendPollItems(std::vector<zmq::pollitem_t>& items);
  // Reads the monitor when it is readable among `items`.
  void HandlePoll(const zmq::pollitem_t* items, std::size_t count);

  std::size_t open() const { return by_fd_.size(); }
  std::uint64_t turned_away() const { return turned_away_; }

 private:
  void Accepted(int fd);
  void Closed(int fd);

  std::optional<zmq::socket_t> monitor_;
  std::map<int, std::string> by_fd_;       // kept connections: descriptor -> source address
  std::map<std::string, int> per_source_;  // kept connections per source address
  std::uint64_t turned_away_ = 0;
};

}  // namespace kintsugi::daemon
