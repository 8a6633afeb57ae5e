// Reading the result of a zmq_poll over sockets that may change between the
// poll and its handling: an IPC request handled first in the same round can
// dial the partner or open a pairing socket, making or replacing sockets the
// items do not cover. Items are matched to sockets by handle, never by
// position, so a socket made since is simply not ready this round.
//
// Thread-safety: the daemon loop's thread.
#pragma once

#include <cstddef>
#include <optional>

#include <zmq.hpp>

namespace kintsugi::daemon {

// Whether `socket` is among the `count` polled `items` and was readable.
inline bool Readable(const zmq::pollitem_t* items, std::size_t count, const std::optional<zmq::socket_t>& socket) {
  if (!socket) return false;
  for (std::size_t i = 0; i < count; ++i) {
    if (items[i].socket == socket->handle()) return (items[i].revents & ZMQ_POLLIN) != 0;
  }
  return false;
}

}  // namespace kintsugi::daemon
