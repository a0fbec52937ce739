#include "chain/types.hpp"

#include <algorithm>
#include <set>

#include "chain/json.hpp"

namespace wavs::chain {

BlockRef BlockRef::at(std::uint64_t number) { return BlockRef(to_quantity(number)); }

bool LogFilter::matches(const Log& log) const {
  if (!addresses.empty() && std::find(addresses.begin(), addresses.end(), log.address) == addresses.end()) {
    return false;
  }
  for (std::size_t i = 0; i < topics.size(); ++i) {
    if (topics[i].empty()) continue;
    if (i >= log.topics.size()) return false;
    if (std::find(topics[i].begin(), topics[i].end(), log.topics[i]) == topics[i].end()) return false;
  }
  return true;
}

LogFilter merge_filters(const std::vector<LogFilter>& filters) {
  LogFilter out;
  if (filters.empty()) return out;
  bool any_address = false;
  bool any_topic0 = false;
  std::set<Address> addresses;
  std::set<Hash256> topic0;
  for (const auto& f : filters) {
    if (f.addresses.empty()) any_address = true;
    addresses.insert(f.addresses.begin(), f.addresses.end());
    if (f.topics.empty() || f.topics[0].empty()) any_topic0 = true;
    if (!f.topics.empty()) topic0.insert(f.topics[0].begin(), f.topics[0].end());
  }
  if (!any_address) out.addresses.assign(addresses.begin(), addresses.end());
  if (!any_topic0) out.topics.push_back({topic0.begin(), topic0.end()});
  // With a single filter nothing needs widening.
  if (filters.size() == 1) return filters[0];
  return out;
}

}  // namespace wavs::chain
