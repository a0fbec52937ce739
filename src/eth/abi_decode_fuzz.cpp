// libFuzzer target: the ABI decoder on hostile data. The first byte picks one of a set
// of types (covering every kind, nesting and dynamic layouts); the rest is the data.
// Whatever decodes must re-encode and decode to the same value.

#include <cstdint>
#include <cstdlib>

#include "eth/abi.hpp"

namespace {

const char* const kTypes[] = {
    "uint256",
    "int8",
    "address",
    "bool",
    "bytes4",
    "bytes",
    "string",
    "uint8[]",
    "uint256[3]",
    "(bytes20,bytes12,bytes)",
    "(address[],bytes[],uint32)",
    "string[]",
    "bytes[2][]",
    "(uint8,(string,int16)[])[]",
    "uint256[][][]",
    "()[]",
    "(bool,bytes32)[2]",
    "int256[]",
    "((bytes)[])[]",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr std::size_t kCount = sizeof(kTypes) / sizeof(kTypes[0]);
  auto type = wavs::eth::AbiType::parse(kTypes[data[0] % kCount]);
  if (!type) std::abort();
  wavs::ByteView body(data + 1, size - 1);
  auto value = wavs::eth::abi_decode(*type, body);
  if (!value) return 0;
  auto again = wavs::eth::abi_encode(*type, *value);
  if (!again) std::abort();
  auto round = wavs::eth::abi_decode(*type, *again);
  if (!round || !(*round == *value)) std::abort();
  // Revert decoding takes arbitrary bytes too.
  (void)wavs::eth::decode_revert(body).to_string();
  return 0;
}
