#pragma once
// The one error type of the project's libraries, and the Result type that carries it.
//
// Core libraries never throw on failures a user can cause (bad input, unreachable
// endpoint, guest trap); they return Result<T>. Each module declares one error enum
// with a message table (see WAVS_ERROR_ENUM below); an Error pairs such a code with a
// detail that says what was wrong and where (file, field, offset). Daemons and the CLI
// turn Errors into HTTP statuses and exit codes at their boundary.

#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <tl/expected.hpp>

namespace wavs {

class Error {
 public:
  Error() = default;
  Error(std::error_code code, std::string detail) : code_(code), detail_(std::move(detail)) {}
  template <class Enum, class = std::enable_if_t<std::is_error_code_enum_v<Enum>>>
  Error(Enum e, std::string detail = {}) : Error(make_error_code(e), std::move(detail)) {}

  [[nodiscard]] std::error_code code() const { return code_; }
  [[nodiscard]] const std::string& detail() const { return detail_; }
  // "<what kind of error>: <detail>", or just the kind when there is no detail.
  [[nodiscard]] std::string message() const;

  // Prefixes context (a file name, a field path) to the detail: "ctx: detail".
  [[nodiscard]] Error with_context(std::string_view context) const;

  template <class Enum, class = std::enable_if_t<std::is_error_code_enum_v<Enum>>>
  [[nodiscard]] bool is(Enum e) const { return code_ == make_error_code(e); }

 private:
  std::error_code code_;
  std::string detail_;
};

// Result<T> is tl::expected<T, Error>, marked [[nodiscard]] so a failure cannot be
// dropped silently. Return an Error (or make_error(...)) to fail.
template <class T = void>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result() requires std::is_void_v<T> : Base() {}
  Result(Base base) : Base(std::move(base)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : Base(tl::unexpected<Error>(std::move(error))) {}  // NOLINT
  Result(tl::unexpected<Error> error) : Base(std::move(error)) {}  // NOLINT
};

using Status = Result<void>;

// An error_category whose messages come from a static table: value v (>= 1) is
// messages[v - 1], matching make_error_code's enumerator + 1.
class TableErrorCategory final : public std::error_category {
 public:
  constexpr TableErrorCategory(const char* name, const char* const* messages, int count)
      : name_(name), messages_(messages), count_(count) {}
  const char* name() const noexcept override { return name_; }
  std::string message(int value) const override;

 private:
  const char* name_;
  const char* const* messages_;
  int count_;
};

}  // namespace wavs

// Declares a module's error enum, its category and make_error_code in namespace `ns`.
// Define the table in the module's .cpp with WAVS_ERROR_TABLE. Enumerators start at 0
// and need no sentinel: the error_code value is the enumerator + 1, because a zero
// error_code means "no error" to the standard library.
//   WAVS_ERROR_ENUM(wavs::common, CommonErrc, kBadHex, kOddLength)
#define WAVS_ERROR_ENUM(ns, Enum, ...)                                                \
  namespace ns {                                                                      \
  enum class Enum : int { __VA_ARGS__ };                                              \
  const std::error_category& Enum##_category() noexcept;                              \
  inline std::error_code make_error_code(Enum e) noexcept {                           \
    return {static_cast<int>(e) + 1, Enum##_category()};                              \
  }                                                                                   \
  }                                                                                   \
  template <>                                                                         \
  struct std::is_error_code_enum<ns::Enum> : std::true_type {};

// Defines the message table; messages must be listed in enum order.
#define WAVS_ERROR_TABLE(ns, Enum, name, ...)                                         \
  namespace ns {                                                                      \
  const std::error_category& Enum##_category() noexcept {                             \
    static constexpr const char* kMessages[] = {__VA_ARGS__};                         \
    static const ::wavs::TableErrorCategory kCategory(                                \
        name, kMessages, static_cast<int>(sizeof(kMessages) / sizeof(kMessages[0]))); \
    return kCategory;                                                                 \
  }                                                                                   \
  }
