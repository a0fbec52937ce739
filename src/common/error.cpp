#include "common/error.hpp"

namespace wavs {

std::string Error::message() const {
  std::string kind = code_ ? code_.message() : std::string("error");
  if (detail_.empty()) return kind;
  return kind + ": " + detail_;
}

Error Error::with_context(std::string_view context) const {
  if (context.empty()) return *this;
  if (detail_.empty()) return Error(code_, std::string(context));
  return Error(code_, std::string(context) + ": " + detail_);
}

std::string TableErrorCategory::message(int value) const {
  if (value >= 1 && value <= count_) return messages_[value - 1];
  return std::string(name_) + " error " + std::to_string(value);
}

}  // namespace wavs
