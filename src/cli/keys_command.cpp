#include "cli/keys_command.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/app.hpp"
#include "common/json_text.hpp"
#include "node/config.hpp"
#include "node/signer.hpp"
#include "node/state.hpp"

namespace wavs::cli {
namespace {

struct Row {
  std::uint32_t index;
  crypto::Address address;
  Secret private_key;
};

struct ServiceRow {
  std::string id;
  std::string chain;
  std::string manager;
  std::uint32_t index;
  crypto::Address address;
};

// The node's registered services, when its state file exists (never created here).
Result<std::vector<ServiceRow>> registered_services(const std::string& data_dir, const node::Signer& signer) {
  std::vector<ServiceRow> rows;
  if (data_dir.empty()) return rows;
  const auto file = std::filesystem::path(data_dir) / "node.sqlite";
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return rows;
  auto state = node::NodeState::open(file);
  if (!state) return state.error();
  auto services = (*state)->list_services();
  if (!services) return services.error();
  for (const auto& s : *services) {
    auto address = signer.address(s.hd_index);
    if (!address) return address.error();
    rows.push_back({s.id.hex(HexPrefix::kNone), s.manager.chain.str(), s.manager.address.hex(), s.hd_index, *address});
  }
  std::sort(rows.begin(), rows.end(), [](const ServiceRow& a, const ServiceRow& b) { return a.index < b.index; });
  return rows;
}

}  // namespace

void add_keys_options(CLI::App& keys, KeysCommand& o) {
  keys.add_option("--index", o.index, "also show the signing key at this HD index")
      ->check(CLI::Range(std::uint32_t{0}, node::Signer::kMaxIndex));
  keys.add_option("--up-to", o.up_to, "show every key from index 0 to N")
      ->check(CLI::Range(std::uint32_t{0}, kMaxKeysListed));
  keys.add_option("--mnemonic-file", o.mnemonic_file,
                  "read the mnemonic from this file instead of signing_mnemonic");
  keys.add_flag("--show-private", o.show_private, "also print the private keys");
  keys.add_flag("--json", o.json, "one JSON object");
  keys.footer(
      "Keys are m/44'/60'/0'/0/<index> of the operator mnemonic: index 0 is the operator's own\n"
      "key, index i signs for the i-th service the node registered. The mnemonic is read from\n"
      "signing_mnemonic (wavs.toml [wavs], WAVS_SIGNING_MNEMONIC) or --mnemonic-file, never\n"
      "from a flag. Exit code: 0 printed, 2 no mnemonic, unreadable file or invalid phrase.");
}

int print_keys(const KeysCommand& o, std::ostream& out, std::ostream& err) {
  Secret mnemonic = o.config_mnemonic;
  if (!o.mnemonic_file.empty()) {
    auto read = node::read_mnemonic_file(o.mnemonic_file);
    if (!read) {
      err << "wavs keys: " << read.error().detail() << "\n";
      return kExitUsage;
    }
    if (read->world_readable) {
      err << "wavs keys: warning: " << o.mnemonic_file << " is readable by other users (chmod 600 it)\n";
    }
    mnemonic = std::move(read->mnemonic);
  }
  auto signer = node::Signer::from_mnemonic(mnemonic);
  if (!signer) {
    err << "wavs keys: " << signer.error().message();
    if (signer.error().is(node::NodeErrc::kNoMnemonic)) err << " or pass --mnemonic-file";
    err << "\n";
    return kExitUsage;
  }

  std::vector<std::uint32_t> indexes{0};
  if (o.up_to) {
    for (std::uint32_t i = 1; i <= *o.up_to; ++i) indexes.push_back(i);
  }
  if (o.index && *o.index != 0 && (!o.up_to || *o.index > *o.up_to)) indexes.push_back(*o.index);

  std::vector<Row> rows;
  for (auto i : indexes) {
    auto address = signer->address(i);
    if (!address) {
      err << "wavs keys: " << address.error().message() << "\n";
      return kExitUsage;
    }
    Row row{i, *address, {}};
    if (o.show_private) {
      auto key = signer->reveal_private_key(i);
      if (!key) {
        err << "wavs keys: " << key.error().message() << "\n";
        return kExitUsage;
      }
      row.private_key = std::move(*key);
    }
    rows.push_back(std::move(row));
  }
  if (o.show_private)
    err << "wavs keys: printing private keys; anyone who sees them controls these accounts\n";
  auto services = registered_services(o.data_dir, *signer);
  if (!services) {
    err << "wavs keys: the node's state in " << o.data_dir << ": " << services.error().message() << "\n";
    return kExitFailure;
  }

  if (o.json) {
    out << "{\"operator\":" << json_quote(signer->operator_address().to_checksum())
        << ",\"path\":" << json_quote("m/44'/60'/0'/0/<index>") << ",\"keys\":[";
    for (std::size_t n = 0; n < rows.size(); ++n) {
      const Row& r = rows[n];
      out << (n ? "," : "") << "{\"index\":" << r.index
          << ",\"role\":" << (r.index == 0 ? "\"operator\"" : "\"service\"")
          << ",\"path\":" << json_quote(node::Signer::path(r.index))
          << ",\"address\":" << json_quote(r.address.to_checksum());
      if (o.show_private) out << ",\"private_key\":" << json_quote(r.private_key.reveal());
      out << "}";
    }
    out << "],\"services\":[";
    for (std::size_t n = 0; n < services->size(); ++n) {
      const ServiceRow& r = (*services)[n];
      out << (n ? "," : "") << "{\"service_id\":" << json_quote(r.id) << ",\"chain\":" << json_quote(r.chain)
          << ",\"manager\":" << json_quote(r.manager) << ",\"index\":" << r.index
          << ",\"path\":" << json_quote(node::Signer::path(r.index))
          << ",\"address\":" << json_quote(r.address.to_checksum()) << "}";
    }
    out << "]}\n";
    return kExitOk;
  }
  for (const Row& r : rows) {
    out << "index " << r.index << "  " << r.address.to_checksum() << "  " << node::Signer::path(r.index)
        << (r.index == 0 ? "  operator" : "  service");
    if (o.show_private) out << "  private key " << r.private_key.reveal();
    out << "\n";
  }
  for (const ServiceRow& r : *services) {
    out << "service " << r.id << "  " << r.chain << "/" << r.manager << "  index " << r.index << "  "
        << r.address.to_checksum() << "\n";
  }
  return kExitOk;
}

}  // namespace wavs::cli
