// Network addresses as people type them: "HOST:PORT". One parser for the
// daemon's --listen, `peer add`, `pair join --address` and the stored peer.
//
// Pure: no I/O, no name resolution. Thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kintsugi::protocol {

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};

// "HOST:PORT" with a non-empty host and a port from 1 to 65534 (the pairing
// port is PORT + 1). nullopt for anything else.
std::optional<HostPort> ParseHostPort(std::string_view text);

}  // namespace kintsugi::protocol
