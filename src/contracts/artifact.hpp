#pragma once
// Forge build artifacts (contracts/out/<File>.sol/<Contract>.json) and deployment from
// them:
//
//   auto manager_art = load_artifact(repo / "contracts" / "out", "WavsServiceManager");
//   auto manager = deploy(owner_sender, *manager_art,
//                         service_manager::encode_constructor(owner, {2, 3}));   // Result<Address>
//
// See docs/contracts.md for what each artifact holds and how the repository builds them.

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "chain/tx_sender.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "eth/abi.hpp"

namespace wavs::contracts {

struct Artifact {
  std::string contract;                                     // "WavsServiceManager"
  std::filesystem::path path;                               // the JSON file it came from
  Bytes creation_code;                                      // bytecode.object
  Bytes runtime_code;                                       // deployedBytecode.object
  std::map<std::string, eth::Selector> method_identifiers;  // "getServiceURI()" -> 0xcc922c6a
};

// Reads <out_dir>/<contract>.sol/<contract>.json (the file named after the contract, as
// the repository lays its sources out). kArtifact names the file and the missing field.
[[nodiscard]] Result<Artifact> load_artifact(const std::filesystem::path& out_dir, std::string_view contract);
// The same from an explicit JSON file.
[[nodiscard]] Result<Artifact> load_artifact_file(const std::filesystem::path& file,
                                                  std::string_view contract);

// Sends creation code ‖ constructor_args from `sender` and returns the new contract's
// address (kReverted when the constructor reverts).
[[nodiscard]] Result<chain::Address> deploy(chain::TxSender& sender, const Artifact& artifact,
                                            ByteView constructor_args = {});

}  // namespace wavs::contracts
