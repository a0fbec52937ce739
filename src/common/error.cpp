#include "common/error.hpp"

namespace wavs {

std::string Error::message() const {
  // Only a default-constructed Error has no kind; a module enum may use the value 0, so
  // the truthiness of the error_code must not decide this.
  bool unset = code_.value() == 0 && code_.category() == std::system_category();
  std::string kind = unset ? std::string("error") : code_.message();
  if (detail_.empty()) return kind;
  return kind + ": " + detail_;
}

Error Error::with_context(std::string_view context) const {
  if (context.empty()) return *this;
  if (detail_.empty()) return Error(code_, std::string(context));
  return Error(code_, std::string(context) + ": " + detail_);
}

std::string TableErrorCategory::message(int value) const {
  if (value >= 0 && value < count_) return messages_[value];
  return std::string(name_) + " error " + std::to_string(value);
}

}  // namespace wavs
