#pragma once
// A string that must never reach a log line, an error message or an API response:
// mnemonics, private keys, bearer tokens. Formatting or streaming it prints a marker;
// the value is only reachable through the explicitly named reveal().

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace wavs {

class Secret {
 public:
  static constexpr std::string_view kRedacted = "<redacted>";

  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      wipe();
      value_ = std::move(other.value_);
      other.wipe();
    }
    return *this;
  }
  ~Secret() { wipe(); }

  [[nodiscard]] const std::string& reveal() const { return value_; }
  [[nodiscard]] bool empty() const { return value_.empty(); }
  bool operator==(const Secret& other) const { return value_ == other.value_; }

  friend std::ostream& operator<<(std::ostream& os, const Secret&) { return os << kRedacted; }

 private:
  // Overwrite through a volatile pointer so the compiler cannot elide it.
  void wipe() noexcept {
    volatile char* p = value_.data();
    for (std::size_t i = 0; i < value_.size(); ++i) p[i] = 0;
    value_.clear();
  }
  std::string value_;
};

}  // namespace wavs
