#include "component/chains.hpp"

#include "chain/rpc_client.hpp"

namespace wavs::component {
struct Chains::Entry {};
bool rpc_method_allowed(std::string_view) { return false; }
Result<ChainInfo> parse_chain_key(std::string_view) { return Error(ComponentErrc::kBadContext); }
Chains::Chains() = default;
Chains::~Chains() = default;
Chains::Chains(Chains&&) noexcept = default;
Chains& Chains::operator=(Chains&&) noexcept = default;
Status Chains::add(std::string_view, std::vector<std::string>) { return Error(ComponentErrc::kBadContext); }
Result<Chains> Chains::from_config_json(std::string_view) { return Chains{}; }
std::optional<ChainInfo> Chains::info(std::string_view) const { return std::nullopt; }
Result<std::string> Chains::config_json(std::string_view) const { return Error(ComponentErrc::kNotFound); }
Result<std::string> Chains::rpc(std::string_view, std::string_view, std::string_view,
                                std::chrono::steady_clock::time_point, std::size_t) const {
  return Error(ComponentErrc::kNotFound);
}
}  // namespace wavs::component
