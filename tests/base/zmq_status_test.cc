// base/zmq_status.h: ZeroMQ's exceptions become Errors, on real sockets.
#include "base/zmq_status.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kintsugi::base {
namespace {

TEST(ZmqStatus, AFailedBindIsAnErrorThatSaysWhatAndWhy) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::pair);
  Status bound = ZmqCall(ErrorCode::kIo, "cannot listen", [&] { socket.bind("tcp://no-such-interface:1"); });
  ASSERT_FALSE(bound.ok());
  EXPECT_EQ(bound.error().code, ErrorCode::kIo);
  EXPECT_EQ(bound.error().message.rfind("cannot listen: ", 0), 0u) << bound.error().message;
  EXPECT_GT(bound.error().message.size(), std::string("cannot listen: ").size()) << "ZeroMQ's words follow";
}

TEST(ZmqStatus, AResultComesBackAsTheBodyReturnedIt) {
  Result<int> seven = ZmqCall(ErrorCode::kIo, "never", []() -> Result<int> { return 7; });
  ASSERT_TRUE(seven.ok());
  EXPECT_EQ(*seven, 7);
  Result<int> refused = ZmqCall(ErrorCode::kIo, "never", []() -> Result<int> {
    return MakeError(ErrorCode::kNotFound, "the body's own error");
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(refused.error().message, "the body's own error");
}

TEST(ZmqStatus, ReceiveSaysWhetherAMessageWaitedAndTakesAllItsFrames) {
  zmq::context_t context(1);
  zmq::socket_t in(context, zmq::socket_type::pair);
  zmq::socket_t out(context, zmq::socket_type::pair);
  in.bind("inproc://zmq-status-test");
  out.connect("inproc://zmq-status-test");
  std::vector<zmq::message_t> frames;
  Result<bool> none = ZmqReceive(in, frames);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(*none);
  ASSERT_TRUE(out.send(zmq::str_buffer("topic"), zmq::send_flags::sndmore));
  ASSERT_TRUE(out.send(zmq::str_buffer("body"), zmq::send_flags::none));
  std::vector<zmq::pollitem_t> items{{in.handle(), 0, ZMQ_POLLIN, 0}};
  ASSERT_TRUE(ZmqPoll(items, std::chrono::milliseconds(2000)).ok());
  ASSERT_TRUE(items[0].revents & ZMQ_POLLIN);
  Result<bool> one = ZmqReceive(in, frames);
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(*one);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].to_string(), "body");
}

TEST(ZmqStatus, APollOnAContextShutDownIsAnErrorWithNothingReady) {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::pair);
  context.shutdown();  // the sockets stay; what they do now fails (ETERM)
  std::vector<zmq::pollitem_t> items{{socket.handle(), 0, ZMQ_POLLIN, ZMQ_POLLIN}};
  Status polled = ZmqPoll(items, std::chrono::milliseconds(0));
  ASSERT_FALSE(polled.ok());
  EXPECT_EQ(polled.error().message.rfind("poll failed: ", 0), 0u) << polled.error().message;
  EXPECT_EQ(items[0].revents, 0);
  socket.close();
}

}  // namespace
}  // namespace kintsugi::base
