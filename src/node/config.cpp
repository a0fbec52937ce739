#include "node/config.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "common/bytes.hpp"

namespace wavs::node {
namespace {

constexpr std::int64_t kWasmPage = 64 << 10;
constexpr std::int64_t kMaxWasm32Memory = std::int64_t{1} << 32;
// A phrase is at most 24 words of at most 8 letters; anything much longer is not one.
constexpr std::size_t kMaxMnemonicFileBytes = 4096;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

}  // namespace

ConfigSchema config_schema() {
  ConfigSchema s;
  add_shared_keys(s);
  add_api_address_keys(s, 8000);
  s.add({"signing_mnemonic", ConfigType::kString, {}, "operator mnemonic (BIP-39)", true})
      .add({"signing_mnemonic_file", ConfigType::kString, {}, "file holding the operator mnemonic"})
      .add({"max_wasm_fuel", ConfigType::kInt, std::int64_t{10'000'000'000}, "node-wide fuel cap per run"})
      .add({"max_execution_seconds", ConfigType::kDouble, 30.0, "node-wide wall-clock cap per run"})
      .add({"max_memory_bytes", ConfigType::kInt, std::int64_t{256} << 20, "node-wide linear memory cap"})
      .add({"ipfs_gateway", ConfigType::kString, std::string("https://gateway.pinata.cloud/ipfs/"),
            "gateway for ipfs:// service URIs"})
      .add({"bearer_token", ConfigType::kString, {}, "token required by write routes", true})
      .add({"dev_endpoints_enabled", ConfigType::kBool, false, "enable /dev/* routes"})
      .add({"workers", ConfigType::kInt, std::int64_t{0}, "component-run threads (0: one per core)"})
      .add({"aggregator_urls", ConfigType::kStringList, std::vector<std::string>{},
            "aggregators for workflows whose submit names none (2.0 manifests)"})
      .add({"tier", ConfigType::kString, std::string("auto"),
            "engine tier: interp, aot (compile when a component loads) or auto (interpreter until compiled)"})
      .add({"aot_compiler", ConfigType::kString, std::string("cc"), "C compiler of the native tier"});
  return s;
}

Result<Settings> Settings::from_config(const Config& config) {
  SettingsReader r(config);
  Settings s;
  s.shared = SharedSettings::read(r);
  s.api = ApiAddress::read(r);
  s.signing_mnemonic = r.secret("signing_mnemonic");
  if (const std::string file = config.get_string("signing_mnemonic_file"); !file.empty() && r.status()) {
    if (!s.signing_mnemonic.empty()) {
      r.fail("signing_mnemonic_file", ConfigErrc::kBadValue, "cannot be used together with signing_mnemonic");
    } else if (auto m = read_mnemonic_file(file); !m) {
      r.fail("signing_mnemonic_file", ConfigErrc::kBadValue, m.error().detail());
    } else {
      s.signing_mnemonic = std::move(m->mnemonic);
    }
  }
  s.max_wasm_fuel =
      static_cast<std::uint64_t>(r.integer("max_wasm_fuel", 1, std::numeric_limits<std::int64_t>::max()));
  s.max_execution_seconds = r.positive_number("max_execution_seconds");
  s.max_memory_bytes = static_cast<std::uint64_t>(r.integer("max_memory_bytes", kWasmPage, kMaxWasm32Memory));
  s.ipfs_gateway = r.text("ipfs_gateway");
  if (r.status() && s.ipfs_gateway.rfind("http://", 0) != 0 && s.ipfs_gateway.rfind("https://", 0) != 0) {
    r.fail("ipfs_gateway", ConfigErrc::kBadValue, "must be an http:// or https:// URL");
  }
  s.bearer_token = r.secret("bearer_token");
  s.dev_endpoints_enabled = r.boolean("dev_endpoints_enabled");
  s.workers = static_cast<std::uint32_t>(r.integer("workers", 0, 256));
  s.aggregator_urls = config.get_list("aggregator_urls");
  for (const auto& url : s.aggregator_urls) {
    if (r.status() && url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      r.fail("aggregator_urls", ConfigErrc::kBadValue, "must be http:// or https:// URLs");
    }
  }
  s.tier = r.text("tier");
  if (r.status() && s.tier != "interp" && s.tier != "aot" && s.tier != "auto") {
    r.fail("tier", ConfigErrc::kBadValue, "must be interp, aot or auto");
  }
  s.aot_compiler = r.text("aot_compiler");
  if (r.status() && s.aot_compiler.empty()) r.fail("aot_compiler", ConfigErrc::kBadValue, "must name a C compiler");
  if (auto ok = r.status(); !ok) return ok.error();
  return s;
}

Result<MnemonicFile> read_mnemonic_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error(CommonErrc::kIo, "cannot read " + file);
  Secret text(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
  if (text.reveal().size() > kMaxMnemonicFileBytes) {
    return Error(CommonErrc::kParse, file + " is over " + std::to_string(kMaxMnemonicFileBytes) +
                                         " bytes, too long for a mnemonic");
  }
  MnemonicFile out;
  std::error_code ec;
  auto perms = std::filesystem::status(file, ec).permissions();
  using std::filesystem::perms;
  out.world_readable = !ec && (perms & (perms::group_read | perms::others_read)) != perms::none;
  std::string_view v = text.reveal();
  while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
  out.mnemonic = Secret(std::string(v));
  return out;
}

}  // namespace wavs::node
