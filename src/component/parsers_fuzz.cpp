// The component layer's small parsers of untrusted text: a guest's HTTP header block, an
// allowed_http_hosts entry, a host name against a permission, an address literal, and
// the configuration's chains table. None may crash; accepted values must be consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "component/chains.hpp"
#include "component/outbound_http.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wavs::component;
  using wavs::service::HttpHosts;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto headers = parse_header_block(text)) {
    for (const auto& [name, value] : *headers) {
      if (name.empty() || value.find_first_of("\r\n") != std::string::npos) std::abort();
    }
  }
  const auto entry = HttpHosts::only({std::string(text)});
  if (check_http_hosts(entry)) {
    (void)check_host(entry, "api.example.com", 443);
  } else if (check_host(entry, text, 80).allowed) {
    std::abort();  // an entry refused at load time must never match at run time
  }
  (void)check_host(HttpHosts::only({"*.example.com", "localhost:8545", "[::1]"}), text, 80);
  (void)is_private_address(text);
  (void)Chains::from_config_json(text);
  return 0;
}
