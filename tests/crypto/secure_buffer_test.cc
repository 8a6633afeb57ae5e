#include "crypto/secure_buffer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <type_traits>
#include <utility>

#include "crypto/bytes.h"

namespace kintsugi::crypto {
namespace {

bool AllZero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

void FillWith(SecureBuffer& buf, std::uint8_t v) { std::fill(buf.span().begin(), buf.span().end(), v); }

static_assert(!std::is_copy_constructible_v<SecureBuffer>);
static_assert(!std::is_copy_assignable_v<SecureBuffer>);
static_assert(std::is_nothrow_move_constructible_v<SecureBuffer>);
static_assert(std::is_nothrow_move_assignable_v<SecureBuffer>);

TEST(SecureBuffer, StartsZeroedWithTheRequestedSize) {
  SecureBuffer buf(48);
  ASSERT_EQ(buf.size(), 48u);
  ASSERT_NE(buf.data(), nullptr);
  EXPECT_EQ(buf.span().size(), 48u);
  EXPECT_TRUE(AllZero(buf.span()));
}

TEST(SecureBuffer, ZeroSizeBufferIsUsable) {
  SecureBuffer buf(0);
  EXPECT_EQ(buf.size(), 0u);
  EXPECT_TRUE(buf.span().empty());
  buf.Wipe();
  EXPECT_EQ(buf.size(), 0u);
}

TEST(SecureBuffer, WipeZeroesContentsAndKeepsTheAllocation) {
  SecureBuffer buf(32);
  FillWith(buf, 0xa5);
  const std::uint8_t* before = buf.data();
  buf.Wipe();
  EXPECT_EQ(buf.data(), before);
  EXPECT_EQ(buf.size(), 32u);
  EXPECT_TRUE(AllZero(buf.span()));
}

TEST(SecureBuffer, MoveConstructionTransfersContentsAndEmptiesSource) {
  SecureBuffer a(16);
  FillWith(a, 0x3c);
  const std::uint8_t* storage = a.data();
  SecureBuffer b(std::move(a));
  EXPECT_EQ(b.data(), storage);
  EXPECT_EQ(b.size(), 16u);
  EXPECT_TRUE(std::all_of(b.span().begin(), b.span().end(), [](auto v) { return v == 0x3c; }));
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_EQ(a.size(), 0u);
  EXPECT_TRUE(a.span().empty());
}

TEST(SecureBuffer, MoveAssignmentTransfersContentsAndEmptiesSource) {
  SecureBuffer a(8);
  FillWith(a, 0x11);
  SecureBuffer b(24);
  FillWith(b, 0x22);
  const std::uint8_t* storage = a.data();
  b = std::move(a);
  EXPECT_EQ(b.data(), storage);
  EXPECT_EQ(b.size(), 8u);
  EXPECT_TRUE(std::all_of(b.span().begin(), b.span().end(), [](auto v) { return v == 0x11; }));
  EXPECT_EQ(a.data(), nullptr);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.size(), 0u);
}

TEST(SecureBuffer, SelfMoveAssignmentKeepsContents) {
  SecureBuffer a(8);
  FillWith(a, 0x44);
  SecureBuffer& alias = a;
  a = std::move(alias);
  ASSERT_NE(a.data(), nullptr);
  EXPECT_EQ(a.size(), 8u);
  EXPECT_EQ(a.data()[7], 0x44);
}

TEST(SecureBuffer, WipeOfMovedFromBufferIsHarmless) {
  SecureBuffer a(8);
  SecureBuffer b(std::move(a));
  a.Wipe();  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(b.size(), 8u);
}

TEST(SecureBuffer, MovedFromBufferCanBeAssignedAgain) {
  SecureBuffer a(8);
  SecureBuffer b(std::move(a));
  a = SecureBuffer(4);  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(a.size(), 4u);
  EXPECT_NE(a.data(), nullptr);
  EXPECT_TRUE(AllZero(a.span()));
}

TEST(SecureBuffer, FreeWipeZeroesOrdinaryMemory) {
  Bytes bytes(40, 0xee);
  Wipe(bytes);
  EXPECT_EQ(bytes.size(), 40u);
  EXPECT_TRUE(AllZero(bytes));
}

}  // namespace
}  // namespace kintsugi::crypto
