#pragma once
// Test support for the contracts unit tests: contracts/test/vectors/signing.json, the
// values made with cast that the Solidity tests also check.

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "common/bytes.hpp"

namespace wavs::contracts::testing {

inline const nlohmann::json& signing_vectors() {
  static const nlohmann::json doc = [] {
    std::ifstream in(std::string(WAVS_SOURCE_ROOT) + "/contracts/test/vectors/signing.json");
    std::ostringstream text;
    text << in.rdbuf();
    return nlohmann::json::parse(text.str(), nullptr, false);
  }();
  return doc;
}

// A hex string of the vectors as bytes (empty when the field is missing).
inline Bytes vector_bytes(const nlohmann::json& field) {
  if (!field.is_string()) return {};
  auto b = from_hex(field.get<std::string>());
  return b ? *b : Bytes{};
}

}  // namespace wavs::contracts::testing
