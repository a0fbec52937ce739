#include "contracts/artifact.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "contracts/error.hpp"

namespace wavs::contracts {
namespace {

constexpr std::uintmax_t kMaxArtifactBytes = 64u << 20;  // the manager's is ~100 KB

Result<Bytes> hex_field(const nlohmann::json& doc, const char* outer, const std::filesystem::path& file) {
  if (!doc.contains(outer) || !doc[outer].is_object() || !doc[outer].contains("object") ||
      !doc[outer]["object"].is_string()) {
    return Error(ContractsErrc::kArtifact, file.string() + ": no " + outer + ".object");
  }
  auto bytes = from_hex(doc[outer]["object"].get<std::string>());
  if (!bytes)
    return Error(ContractsErrc::kArtifact,
                 file.string() + ": " + outer + ".object: " + bytes.error().message());
  return bytes;
}

}  // namespace

Result<Artifact> load_artifact(const std::filesystem::path& out_dir, std::string_view contract) {
  const std::string name(contract);
  return load_artifact_file(out_dir / (name + ".sol") / (name + ".json"), contract);
}

Result<Artifact> load_artifact_file(const std::filesystem::path& file, std::string_view contract) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) {
    return Error(ContractsErrc::kArtifact, file.string() + ": " + ec.message() +
                                               " (build with: bash scripts/test-contracts --build-only)");
  }
  if (size > kMaxArtifactBytes) {
    return Error(ContractsErrc::kArtifact, file.string() + ": " + std::to_string(size) + " bytes, over the " +
                                               std::to_string(kMaxArtifactBytes) + "-byte limit");
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) return Error(ContractsErrc::kArtifact, file.string() + ": read failed");
  auto doc = nlohmann::json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return Error(ContractsErrc::kArtifact, file.string() + ": not a JSON object");

  Artifact out;
  out.contract = std::string(contract);
  out.path = file;
  auto creation = hex_field(doc, "bytecode", file);
  if (!creation) return creation.error();
  out.creation_code = std::move(*creation);
  auto runtime = hex_field(doc, "deployedBytecode", file);
  if (!runtime) return runtime.error();
  out.runtime_code = std::move(*runtime);
  if (out.creation_code.empty()) {
    return Error(ContractsErrc::kArtifact,
                 file.string() + ": empty bytecode (an interface or abstract contract)");
  }
  if (doc.contains("methodIdentifiers")) {
    if (!doc["methodIdentifiers"].is_object()) {
      return Error(ContractsErrc::kArtifact, file.string() + ": methodIdentifiers is not an object");
    }
    for (const auto& [signature, value] : doc["methodIdentifiers"].items()) {
      auto selector = value.is_string()
                          ? eth::Selector::from_hex(value.get<std::string>())
                          : Result<eth::Selector>(Error(ContractsErrc::kArtifact, "not a string"));
      if (!selector) {
        return Error(ContractsErrc::kArtifact,
                     file.string() + ": methodIdentifiers." + signature + ": " + selector.error().message());
      }
      out.method_identifiers.emplace(signature, *selector);
    }
  }
  return out;
}

Result<chain::Address> deploy(chain::TxSender& sender, const Artifact& artifact, ByteView constructor_args) {
  chain::TxRequest request;
  request.data = artifact.creation_code;
  request.data.insert(request.data.end(), constructor_args.begin(), constructor_args.end());
  auto sent = sender.send(request);
  if (!sent) return sent.error().with_context("deploying " + artifact.contract);
  if (!sent->receipt.contract_address) {
    return Error(ContractsErrc::kArtifact, "deploying " + artifact.contract + ": receipt of " +
                                               sent->receipt.tx_hash.hex() + " names no contract address");
  }
  return *sent->receipt.contract_address;
}

}  // namespace wavs::contracts
