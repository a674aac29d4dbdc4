// hpcflow::Result<T>: the value of an operation that can fail in an expected
// way. Part of the public API (every Engine and Client call returns one) and
// the type hpcflow uses inside too.
//
// hpcflow does not throw for expected failures (bad input, missing files, ASL
// runtime errors, an unreachable server). Functions return Result<T>, which
// holds either a T or an Error:
//
//   auto id = engine->Start(request);
//   if (!id) std::cerr << id.error().name << ": " << id.error().cause << "\n";
//
// Calling value() on a failed Result (or error() on a successful one) throws
// std::bad_variant_access: check first.
#ifndef HPCFLOW_RESULT_H_
#define HPCFLOW_RESULT_H_

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace hpcflow {

// An expected failure. For ASL runtime failures `name` is the ASL error name
// (e.g. "States.Runtime") and `cause` the human-readable cause, exactly as
// they appear in an execution's history and output. For other failures
// `name` is a short category ("io", "usage", "parse") and `cause` the message.
struct Error {
  std::string name;
  std::string cause;

  friend bool operator==(const Error&, const Error&) = default;
};

template <typename E>
struct Unexpected {
  E error;
};

// Builds the failure side of a Result: `return Fail("States.Runtime", "...")`.
inline Unexpected<Error> Fail(std::string name, std::string cause) {
  return Unexpected<Error>{Error{std::move(name), std::move(cause)}};
}
inline Unexpected<Error> Fail(Error error) { return Unexpected<Error>{std::move(error)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(const T& value) : data_(std::in_place_index<0>, value) {}        // NOLINT
  Result(T&& value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value)  // NOLINT: implicit like std::expected
      : data_(std::in_place_index<0>, std::forward<U>(value)) {}
  Result(Unexpected<Error> failure)  // NOLINT
      : data_(std::in_place_index<1>, std::move(failure.error)) {}

  bool has_value() const { return data_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(data_); }
  Error& error() { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

// Result of an operation that yields nothing on success.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected<Error> failure)  // NOLINT
      : failed_(true), error_(std::move(failure.error)) {}

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return !failed_; }
  const Error& error() const { return error_; }

 private:
  bool failed_ = false;
  Error error_;
};

using Status = Result<void>;

}  // namespace hpcflow

#endif  // HPCFLOW_RESULT_H_
