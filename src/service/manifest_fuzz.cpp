// Any bytes: parse_manifest never crashes, and every manifest it accepts serialises to a
// document that parses back to the same manifest and serialises identically.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "service/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wavs::service;
  auto m = parse_manifest(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m) return 0;
  const std::string once = to_json(*m);
  auto again = parse_manifest(once);
  if (!again || !(*again == *m) || to_json(*again) != once) std::abort();
  (void)service_id(m->manager);
  return 0;
}
