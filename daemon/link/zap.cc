#include "daemon/link/zap.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <vector>
#include <zmq_addon.hpp>

#include "base/zmq_status.h"

namespace kintsugi::daemon {

Result<std::unique_ptr<ZapHandler>> ZapHandler::Bind(zmq::context_t& context) {
  return base::ZmqCall(ErrorCode::kIo, "cannot start the sync port's authentication",
                       [&]() -> Result<std::unique_ptr<ZapHandler>> {
                         zmq::socket_t socket(context, zmq::socket_type::rep);
                         socket.set(zmq::sockopt::linger, 0);
                         socket.bind("inproc://zeromq.zap.01");
                         return std::unique_ptr<ZapHandler>(new ZapHandler(std::move(socket)));
                       });
}

void ZapHandler::Serve(std::uint64_t now_ms) {
  for (;;) {
    std::vector<zmq::message_t> request;
    Result<bool> received = base::ZmqReceive(socket_, request);
    if (!received.ok()) spdlog::warn("zap.recv_failed what=\"{}\"", received.error().message);
    if (!received.ok() || !*received) return;
    // version, request id, domain, address, routing id, mechanism, credentials...
    std::string status = "400";
    std::string text = "denied";
    std::string user;
    if (request.size() >= 6 && request[0].to_string_view() == "1.0") {
      std::string_view domain = request[2].to_string_view();
      std::string_view mechanism = request[5].to_string_view();
      if (domain == kSyncZapDomain && mechanism == "CURVE" && request.size() == 7 &&
          request[6].size() == 32) {
        Hash32 key;
        std::memcpy(key.data(), request[6].data(), 32);
        if (allowed_.count(key) != 0) {
          status = "200";
          text = "OK";
          user = ToHex(key);
        } else {
          std::string hex = ToHex(key);
          ++refused_total_;
          if (refusals_.size() >= kMaxRefusals && refusals_.count(hex) == 0) {
            // Forget the key refused longest ago.
            auto oldest = refusals_.begin();
            for (auto it = refusals_.begin(); it != refusals_.end(); ++it) {
              if (it->second.last_ms < oldest->second.last_ms) oldest = it;
            }
            refusals_.erase(oldest);
          }
          ZapRefusal& r = refusals_[hex];
          std::uint64_t held = 0;
          if (r.count == 0 && log_limit_.Allow("sync.refused", now_ms, held)) {
            spdlog::warn("sync.refused key={} address={} reason=\"not the paired partner\" held_back={}",
                         hex.substr(0, 16), request[3].to_string(), held);
          }
          ++r.count;
          r.address = request[3].to_string();
          r.last_ms = now_ms;
        }
      }
    }
    std::string request_id = request.size() > 1 ? request[1].to_string() : std::string();
    std::vector<zmq::const_buffer> reply = {zmq::str_buffer("1.0"), zmq::buffer(request_id),
                                            zmq::buffer(status),    zmq::buffer(text),
                                            zmq::buffer(user),      zmq::const_buffer()};
    Status sent = base::ZmqCall(ErrorCode::kIo, "send", [&] { (void)zmq::send_multipart(socket_, reply); });
    if (!sent.ok()) spdlog::warn("zap.send_failed what=\"{}\"", sent.error().message);
  }
}

}  // namespace kintsugi::daemon
