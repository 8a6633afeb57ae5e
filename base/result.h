// Result<T> and Status: errors as values, shared by every module.
//
// Malformed input, dead peers and wrong passwords are routine in Kintsugi, so
// anything that can fail returns one of these instead of throwing. A few broad
// codes say what kind of failure it is; the message carries the detail and is
// safe to show to the user (it never contains secrets).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace kintsugi {

enum class ErrorCode {
  kInvalidArgument,    // the caller asked for something that cannot be done
  kMalformed,          // bytes or JSON that do not parse
  kTooLarge,           // over a hard size limit
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition, // e.g. not initialised yet
  kVerificationFailed, // a signature, MAC or hash does not match
  kCorrupt,            // stored data is damaged or foreign
  kBusy,               // another process holds the resource
  kUnavailable,        // the other side does not answer
  kUnknownMethod,     // an IPC method that does not exist
  kIo,
  kInternal,
};

// Stable wire name of a code, used in IPC error replies ("invalid_argument").
std::string_view ErrorCodeName(ErrorCode code);
// Inverse of ErrorCodeName; unknown names map to kInternal.
ErrorCode ErrorCodeFromName(std::string_view name);

struct Error {
  ErrorCode code;
  std::string message;
};

inline Error MakeError(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok().
  const E& error() const { assert(!ok()); return std::get<1>(v_); }
  E&& take_error() { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  static Result Ok() { return Result(); }
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  // REQUIRES: !ok().
  const E& error() const { assert(!ok()); return *error_; }
  E&& take_error() { assert(!ok()); return std::move(*error_); }

 private:
  std::optional<E> error_;
};

using Status = Result<void>;

inline Status OkStatus() { return Status::Ok(); }

}  // namespace kintsugi

// Propagates a failed Result/Status from the enclosing function.
#define KINTSUGI_RETURN_IF_ERROR(expr)              \
  do {                                              \
    auto kintsugi_status_ = (expr);                 \
    if (!kintsugi_status_.ok()) return kintsugi_status_.take_error(); \
  } while (0)
