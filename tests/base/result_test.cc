#include "base/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

namespace kintsugi {
namespace {

constexpr ErrorCode kAllCodes[] = {
    ErrorCode::kInvalidArgument,    ErrorCode::kMalformed,         ErrorCode::kTooLarge,
    ErrorCode::kNotFound,           ErrorCode::kAlreadyExists,     ErrorCode::kFailedPrecondition,
    ErrorCode::kVerificationFailed, ErrorCode::kCorrupt,           ErrorCode::kBusy,
    ErrorCode::kUnavailable,        ErrorCode::kUnknownMethod,     ErrorCode::kIo,
    ErrorCode::kInternal,
};

static_assert(std::size(kAllCodes) == static_cast<std::size_t>(ErrorCode::kInternal) + 1,
              "kAllCodes must list every ErrorCode");

Result<int> Half(int n) {
  if (n % 2 != 0) return MakeError(ErrorCode::kInvalidArgument, "odd");
  return n / 2;
}

Status Check(bool good) {
  if (!good) return MakeError(ErrorCode::kCorrupt, "bad");
  return OkStatus();
}

Result<int> Chain(bool good) {
  KINTSUGI_RETURN_IF_ERROR(Check(good));
  KINTSUGI_RETURN_IF_ERROR(Half(8));
  return 42;
}

TEST(Result, HoldsAValue) {
  Result<int> r = Half(10);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.value(), 5);
  EXPECT_EQ(*r, 5);
}

TEST(Result, HoldsAnError) {
  Result<int> r = Half(3);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message, "odd");
}

TEST(Result, ArrowReachesTheValue) {
  Result<std::string> r = std::string("hello");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 5u);
}

TEST(Result, RvalueValueMovesMoveOnlyTypes) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

TEST(Result, TakeErrorMovesTheError) {
  Result<int> r = MakeError(ErrorCode::kNotFound, "missing thing");
  ASSERT_FALSE(r.ok());
  Error e = r.take_error();
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.message, "missing thing");
}

TEST(Status, DefaultAndOkStatusAreOk) {
  Status a;
  EXPECT_TRUE(a.ok());
  EXPECT_TRUE(OkStatus().ok());
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Status, HoldsAnError) {
  Status s = Check(false);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(static_cast<bool>(s));
  EXPECT_EQ(s.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(s.error().message, "bad");
  EXPECT_EQ(s.take_error().message, "bad");
}

TEST(Status, ReturnIfErrorPropagatesFailure) {
  Result<int> r = Chain(false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
}

TEST(Status, ReturnIfErrorContinuesOnSuccess) {
  Result<int> r = Chain(true);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
}

TEST(ErrorCode, NameRoundTripsForEveryCode) {
  for (ErrorCode code : kAllCodes) {
    EXPECT_EQ(ErrorCodeFromName(ErrorCodeName(code)), code) << ErrorCodeName(code);
  }
}

TEST(ErrorCode, NamesAreDistinctAndNonEmpty) {
  std::set<std::string_view> names;
  for (ErrorCode code : kAllCodes) {
    EXPECT_FALSE(ErrorCodeName(code).empty());
    names.insert(ErrorCodeName(code));
  }
  EXPECT_EQ(names.size(), std::size(kAllCodes));
}

TEST(ErrorCode, NamesAreTheStableWireNames) {
  EXPECT_EQ(ErrorCodeName(ErrorCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kUnknownMethod), "unknown_method");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kVerificationFailed), "verification_failed");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kTooLarge), "too_large");
}

TEST(ErrorCode, UnknownNameMapsToInternal) {
  EXPECT_EQ(ErrorCodeFromName("no_such_code"), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeFromName(""), ErrorCode::kInternal);
  EXPECT_EQ(ErrorCodeFromName("Invalid_Argument"), ErrorCode::kInternal);
}

}  // namespace
}  // namespace kintsugi
