// ZapHandler: ZeroMQ's authentication hook (RFC 27, ZAP) for the sync socket.
// libzmq's CURVE server admits any client key unless a ZAP handler says
// otherwise, so this handler is bound before any socket and denies by
// default: it admits a CURVE client only when its key is the paired
// partner's. Every refusal is counted, and the keys refused last are kept for
// `peers`; each new key is logged, at most LogLimit's burst a minute.
//
// Thread-safety: the daemon loop's thread; Serve() is called when socket()
// is readable.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include <zmq.hpp>

#include "base/result.h"
#include "crypto/bytes.h"
#include "daemon/log_limit.h"

namespace kintsugi::daemon {

inline constexpr char kSyncZapDomain[] = "kintsugi-sync";

struct ZapRefusal {
  std::string address;  // the client's IP address
  std::uint64_t count = 0;
  std::uint64_t last_ms = 0;
};

class ZapHandler {
 public:
  // Binds inproc://zeromq.zap.01 in `context`. Must run before any CURVE
  // socket of that context binds or connects.
  static Result<std::unique_ptr<ZapHandler>> Bind(zmq::context_t& context);

  zmq::socket_t& socket() { return socket_; }
  // Answers every pending request; never blocks.
  void Serve(std::uint64_t now_ms);

  // The CURVE public keys (raw 32 bytes) admitted from now on.
  void Allow(const Hash32& curve_public_key) { allowed_.insert(curve_public_key); }
  // Admits no one any more and forgets who was refused (a restore brought
  // another identity and partner).
  void Forget() {
    allowed_.clear();
    refusals_.clear();
  }
  // Refusals by client key (hex), for `peers`: the kMaxRefusals keys refused
  // last (anyone can make up keys: the oldest are forgotten), and how many
  // refusals there were in all.
  static constexpr std::size_t kMaxRefusals = 64;
  const std::map<std::string, ZapRefusal>& refusals() const { return refusals_; }
  std::uint64_t refused_total() const { return refused_total_; }

 private:
  explicit ZapHandler(zmq::socket_t socket) : socket_(std::move(socket)) {}
  zmq::socket_t socket_;
  std::set<Hash32> allowed_;
  std::map<std::string, ZapRefusal> refusals_;
  std::uint64_t refused_total_ = 0;
  LogLimit log_limit_;
};

}  // namespace kintsugi::daemon
