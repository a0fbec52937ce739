// libFuzzer target: every parser of untrusted text in crypto and eth (ABI types and
// signatures, values in cast syntax, numbers, addresses, signatures, mnemonics, paths).
// The first byte picks the parser. Invariants: a parsed type prints to text that parses
// back to the same type; a parsed value encodes and decodes back to itself.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/hd.hpp"
#include "crypto/keys.hpp"
#include "eth/abi.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  using namespace wavs;
  switch (data[0] % 8) {
    case 0: {
      auto t = eth::AbiType::parse(text);
      if (t) {
        auto again = eth::AbiType::parse(t->to_string());
        if (!again || !(*again == *t)) std::abort();
      }
      break;
    }
    case 1: {
      auto fn = eth::AbiFunction::parse(text);
      if (fn && !eth::selector(fn->canonical())) std::abort();
      (void)eth::AbiEvent::parse(text);
      (void)eth::AbiError::parse(text);
      break;
    }
    case 2: {
      // "<type>\n<value>"
      auto nl = text.find('\n');
      if (nl == std::string_view::npos) break;
      auto t = eth::AbiType::parse(text.substr(0, nl));
      if (!t) break;
      auto v = eth::parse_abi_value(*t, text.substr(nl + 1));
      if (!v) break;
      auto enc = eth::abi_encode(*t, *v);
      if (!enc) std::abort();
      auto dec = eth::abi_decode(*t, *enc);
      if (!dec || !(*dec == *v)) std::abort();
      break;
    }
    case 3:
      (void)eth::parse_u256(text);
      (void)eth::parse_i256(text);
      break;
    case 4: {
      auto a = crypto::Address::from_hex(text);
      if (a && !crypto::Address::from_checksum(a->to_checksum())) std::abort();
      break;
    }
    case 5:
      (void)crypto::Signature::from_hex(text);
      (void)crypto::PrivateKey::from_hex(text);
      break;
    case 6: {
      auto m = crypto::Mnemonic::parse(text);
      if (m && !crypto::Mnemonic::parse(m->phrase().reveal())) std::abort();
      break;
    }
    default: {
      auto p = crypto::DerivationPath::parse(text);
      if (p) {
        auto again = crypto::DerivationPath::parse(p->to_string());
        if (!again || !(*again == *p)) std::abort();
      }
      break;
    }
  }
  return 0;
}
