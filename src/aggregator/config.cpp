#include "aggregator/config.hpp"

#include "crypto/keys.hpp"

namespace wavs::aggregator {

ConfigSchema config_schema() {
  ConfigSchema s;
  add_shared_keys(s);
  add_api_address_keys(s, 8001);
  s.add({"aggregator_evm_credential", ConfigType::kString, {}, "0x private key or mnemonic", true})
      .add({"bearer_token", ConfigType::kString, {}, "token required by write routes", true})
      .add({"aggregator_set", ConfigType::kStringList, std::vector<std::string>{},
            "submitter addresses of every aggregator of the deployment (this one included)"})
      .add({"takeover_ms", ConfigType::kInt, std::int64_t{5'000},
            "how long each rank waits for the ones before it to land an event"});
  return s;
}

Result<Settings> Settings::from_config(const Config& config) {
  SettingsReader r(config);
  Settings s;
  s.shared = SharedSettings::read(r);
  s.api = ApiAddress::read(r);
  s.aggregator_evm_credential = r.secret("aggregator_evm_credential");
  s.bearer_token = r.secret("bearer_token");
  s.aggregator_set = config.get_list("aggregator_set");
  for (const auto& a : s.aggregator_set) {
    if (r.status() && !crypto::Address::from_hex(a)) {
      r.fail("aggregator_set", ConfigErrc::kBadValue, "expected 0x addresses, got \"" + a + "\"");
    }
  }
  s.takeover_ms = r.integer("takeover_ms", 0, 600'000);
  if (auto ok = r.status(); !ok) return ok.error();
  return s;
}

}  // namespace wavs::aggregator
