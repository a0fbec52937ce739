#include "aggregator/config.hpp"

namespace wavs::aggregator {

ConfigSchema config_schema() {
  ConfigSchema s;
  add_shared_keys(s);
  add_api_address_keys(s, 8001);
  s.add({"aggregator_evm_credential", ConfigType::kString, {}, "0x private key or mnemonic", true})
      .add({"bearer_token", ConfigType::kString, {}, "token required by write routes", true});
  return s;
}

Result<Settings> Settings::from_config(const Config& config) {
  SettingsReader r(config);
  Settings s;
  s.shared = SharedSettings::read(r);
  s.api = ApiAddress::read(r);
  s.aggregator_evm_credential = r.secret("aggregator_evm_credential");
  s.bearer_token = r.secret("bearer_token");
  if (auto ok = r.status(); !ok) return ok.error();
  return s;
}

}  // namespace wavs::aggregator
