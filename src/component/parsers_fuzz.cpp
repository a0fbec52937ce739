// The component layer's small parsers of untrusted text: a guest's HTTP header block, a
// manifest's allowed_http_hosts, a host name against a policy, an address literal, and
// the configuration's chains table. None may crash; accepted values must be consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "component/chains.hpp"
#include "component/outbound_http.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wavs::component;
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto headers = parse_header_block(text)) {
    for (const auto& [name, value] : *headers) {
      if (name.empty() || value.find_first_of("\r\n") != std::string::npos) std::abort();
    }
  }
  if (auto policy = HttpPolicy::from_json(text)) {
    // What was accepted serialises to something accepted again, with the same meaning.
    auto again = HttpPolicy::from_json(policy->to_json());
    if (!again || again->mode != policy->mode || again->hosts != policy->hosts) std::abort();
    (void)check_host(*policy, "api.example.com", 443);
  }
  (void)check_host(HttpPolicy::only({"*.example.com", "localhost:8545", "[::1]"}), text, 80);
  (void)is_private_address(text);
  (void)parse_chain_key(text);
  (void)Chains::from_config_json(text);
  return 0;
}
