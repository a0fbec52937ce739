#include "common/bytes.hpp"

WAVS_ERROR_TABLE(wavs, CommonErrc, "common",
                 "odd number of hex digits",
                 "invalid hex digit",
                 "wrong length",
                 "value out of range",
                 "parse error",
                 "i/o error")

namespace wavs {
namespace {

constexpr char kDigits[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string printable(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string("'") + c + "'";
  constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[u >> 4] + kHex[u & 15];
}

}  // namespace

std::string to_hex(ByteView bytes, HexPrefix prefix) {
  // Sized once and written through a pointer: a push_back per digit was a tenth of the
  // node's CPU per trigger (packets and trigger data are hex on their way to storage).
  const std::size_t lead = prefix == HexPrefix::kWith ? 2 : 0;
  std::string out(lead + bytes.size() * 2, '0');
  char* p = out.data();
  if (lead != 0) p[1] = 'x';
  p += lead;
  for (auto b : bytes) {
    *p++ = kDigits[b >> 4];
    *p++ = kDigits[b & 15];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view text) {
  std::size_t start = 0;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) start = 2;
  auto digits = text.size() - start;
  if (digits % 2 != 0) {
    return Error(CommonErrc::kHexOddLength,
                 std::to_string(digits) + " digits; hex must have an even number of digits");
  }
  Bytes out(digits / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto pos = start + 2 * i;
    int hi = hex_value(text[pos]);
    int lo = hex_value(text[pos + 1]);
    if (hi < 0 || lo < 0) {
      auto bad = hi < 0 ? pos : pos + 1;
      return Error(CommonErrc::kHexBadDigit,
                   printable(text[bad]) + " at offset " + std::to_string(bad));
    }
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

}  // namespace wavs
