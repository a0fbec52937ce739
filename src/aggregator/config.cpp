#include "aggregator/config.hpp"

namespace wavs::aggregator {

ConfigSchema config_schema() {
  ConfigSchema s;
  add_shared_keys(s);
  s.add({"host", ConfigType::kString, std::string("127.0.0.1"), "HTTP API bind address"})
      .add({"port", ConfigType::kInt, std::int64_t{8001}, "HTTP API port"})
      .add({"aggregator_evm_credential", ConfigType::kString, {}, "0x private key or mnemonic", true})
      .add({"bearer_token", ConfigType::kString, {}, "token required by write routes", true});
  return s;
}

Result<Settings> Settings::from_config(const Config& config) {
  SettingsReader r(config);
  Settings s;
  s.shared = SharedSettings::read(r);
  s.host = r.text("host");
  s.port = static_cast<std::uint16_t>(r.integer("port", 0, 65535));
  s.aggregator_evm_credential = r.secret("aggregator_evm_credential");
  s.bearer_token = r.secret("bearer_token");
  if (auto ok = r.status(); !ok) return ok.error();
  return s;
}

}  // namespace wavs::aggregator
