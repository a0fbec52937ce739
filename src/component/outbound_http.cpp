// Placeholder until the libcurl client lands.
#include "component/outbound_http.hpp"

namespace wavs::component {
Result<HttpPolicy> HttpPolicy::from_json(std::string_view) { return HttpPolicy{}; }
std::string HttpPolicy::to_json() const { return "\"none\""; }
HostDecision check_host(const HttpPolicy&, std::string_view, std::uint16_t) { return {}; }
bool is_private_address(std::string_view) { return true; }
Result<std::vector<std::pair<std::string, std::string>>> parse_header_block(std::string_view) {
  return std::vector<std::pair<std::string, std::string>>{};
}
struct OutboundHttp::Impl {};
OutboundHttp::OutboundHttp(OutboundLimits limits) : limits_(limits) {}
OutboundHttp::~OutboundHttp() = default;
Result<OutboundResponse> OutboundHttp::send(const OutboundRequest&, const HttpPolicy&,
                                            std::chrono::steady_clock::time_point) {
  return Error(ComponentErrc::kUnavailable, "todo");
}
}  // namespace wavs::component
