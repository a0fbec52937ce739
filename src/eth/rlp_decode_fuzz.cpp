// libFuzzer target: the RLP decoder and the type-2 transaction parser on hostile data.
// Anything that decodes must re-encode to exactly the input (canonical form only).

#include <cstdint>
#include <cstdlib>

#include "eth/rlp.hpp"
#include "eth/tx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  wavs::ByteView input(data, size);
  auto item = wavs::eth::rlp::decode(input);
  if (item) {
    auto again = wavs::eth::rlp::encode(*item);
    if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  }
  (void)wavs::eth::Eip1559Tx::decode_signed(input);
  return 0;
}
