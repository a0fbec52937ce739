#pragma once
// The node's configuration: the keys it reads from wavs.toml's [wavs] table (after
// [default]) and WAVS_<KEY> variables, and the typed Settings a running node works
// from. Keys and defaults follow upstream WAVS so an existing wavs.toml keeps working;
// docs/configuration.md lists them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"
#include "common/secret.hpp"
#include "common/settings.hpp"

namespace wavs::node {

inline constexpr std::string_view kSection = "wavs";
inline constexpr std::string_view kEnvPrefix = "WAVS_";

// The shared keys (log_level, log_format, data, chains), host and port, then the node's own.
[[nodiscard]] ConfigSchema config_schema();

struct Settings {
  SharedSettings shared;
  ApiAddress api;                   // host, port (default 8000)
  Secret signing_mnemonic;          // operator mnemonic (BIP-39); empty when unset
  std::uint64_t max_wasm_fuel = 0;  // node-wide caps per component run
  double max_execution_seconds = 0;
  std::uint64_t max_memory_bytes = 0;  // 64 KiB .. 4 GiB (wasm32's whole address space)
  std::string ipfs_gateway;            // http(s) URL for ipfs:// service URIs
  Secret bearer_token;                 // required by write routes when set
  bool dev_endpoints_enabled = false;
  std::uint32_t workers = 0;  // component-run threads; 0: one per core
  std::vector<std::string> aggregator_urls;  // for 2.0 manifests, whose submit names no URL
  // The engine tier (docs/configuration.md): "interp", "aot" (native code compiled when a
  // component loads) or "auto" (the interpreter until native code is ready).
  std::string tier = "auto";
  std::string aot_compiler = "cc";  // the C compiler of the native tier

  // From a Config loaded with config_schema(); a value out of range is an error naming
  // the key and the layer it came from (ConfigErrc::kBadValue / kWrongType).
  // signing_mnemonic_file is read here (read_mnemonic_file) when signing_mnemonic is unset.
  [[nodiscard]] static Result<Settings> from_config(const Config& config);
};

// A mnemonic kept in a file (signing_mnemonic_file, `wavs keys --mnemonic-file`): at most
// 4 KiB, surrounding whitespace dropped. `world_readable` is set when group or others may
// read it (callers warn). Errors name the file, never its contents.
struct MnemonicFile {
  Secret mnemonic;
  bool world_readable = false;
};
[[nodiscard]] Result<MnemonicFile> read_mnemonic_file(const std::string& file);

}  // namespace wavs::node
