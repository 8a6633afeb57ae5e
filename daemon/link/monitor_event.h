// Reading a ZeroMQ socket monitor (zmq_socket_monitor): each event is a
// frame of the event (u16) and its value (u32: a descriptor, an errno), then
// the endpoint. The sync link and the sync port's gate both read one.
//
// Thread-safety: the thread that owns `monitor`.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include <zmq.hpp>

#include "base/zmq_status.h"

namespace kintsugi::daemon {

struct MonitorEvent {
  std::uint16_t event = 0;
  std::int32_t value = 0;
};

// The next event waiting on `monitor`, skipping malformed ones; nullopt
// when none waits (or the monitor failed).
inline std::optional<MonitorEvent> NextMonitorEvent(zmq::socket_t& monitor) {
  for (;;) {
    std::vector<zmq::message_t> frames;
    if (Result<bool> received = base::ZmqReceive(monitor, frames); !received.ok() || !*received) return std::nullopt;
    if (frames.empty() || frames[0].size() < 6) continue;
    MonitorEvent e;
    std::memcpy(&e.event, frames[0].data(), sizeof e.event);
    std::memcpy(&e.value, static_cast<const char*>(frames[0].data()) + 2, sizeof e.value);
    return e;
  }
}

}  // namespace kintsugi::daemon
