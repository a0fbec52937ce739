#include <cstddef>
#include <cstdint>
#include <string_view>

#include "component/trigger.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parsed = wavs::component::parse_trigger_action(
      std::string_view(reinterpret_cast<const char*>(data), size));
  (void)parsed;
  return 0;
}
