#include "eth/uint256.hpp"

#include <iterator>

#include "eth/error.hpp"

namespace wavs::eth {
namespace {

int digit_value(char c, unsigned base) {
  int v = -1;
  if (c >= '0' && c <= '9')
    v = c - '0';
  else if (c >= 'a' && c <= 'f')
    v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    v = c - 'A' + 10;
  return v >= 0 && static_cast<unsigned>(v) < base ? v : -1;
}

}  // namespace

Result<U256> u256_from_be(ByteView bytes) {
  if (bytes.size() > 32) {
    return Error(EthErrc::kNumber, std::to_string(bytes.size()) + " bytes do not fit in 256 bits");
  }
  U256 v = 0;
  if (!bytes.empty()) boost::multiprecision::import_bits(v, bytes.begin(), bytes.end(), 8, true);
  return v;
}

Hash256 u256_to_be32(const U256& value) {
  Hash256 out;
  Bytes minimal = u256_to_be_minimal(value);
  std::copy(minimal.begin(), minimal.end(),
            out.data.begin() + static_cast<std::ptrdiff_t>(32 - minimal.size()));
  return out;
}

Bytes u256_to_be_minimal(const U256& value) {
  Bytes out;
  if (value == 0) return out;
  out.reserve(32);
  boost::multiprecision::export_bits(value, std::back_inserter(out), 8, true);
  return out;
}

Result<U256> parse_u256(std::string_view text) {
  unsigned base = 10;
  std::string_view digits = text;
  if (digits.size() >= 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits.remove_prefix(2);
  }
  if (digits.empty())
    return Error(EthErrc::kNumber, "'" + std::string(text.substr(0, 80)) + "' has no digits");
  const U256 max = ~U256(0);
  U256 v = 0;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    int d = digit_value(digits[i], base);
    if (d < 0) {
      return Error(EthErrc::kNumber, "'" + std::string(text.substr(0, 80)) + "': bad digit at offset " +
                                         std::to_string(i + (base == 16 ? 2 : 0)));
    }
    if (v > (max - static_cast<unsigned>(d)) / base) {
      return Error(EthErrc::kNumber, "'" + std::string(text.substr(0, 80)) + "' overflows 256 bits");
    }
    v = v * base + static_cast<unsigned>(d);
  }
  return v;
}

Result<I256> parse_i256(std::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  auto magnitude = parse_u256(negative ? text.substr(1) : text);
  if (!magnitude) return magnitude.error();
  const U256 limit = U256(1) << 255;  // |min| = 2^255, max = 2^255 - 1
  if (negative ? *magnitude > limit : *magnitude >= limit) {
    return Error(EthErrc::kNumber, "'" + std::string(text.substr(0, 80)) + "' does not fit in int256");
  }
  I256 v = static_cast<I256>(*magnitude);
  return negative ? I256(-v) : v;
}

std::string to_decimal(const U256& value) { return value.str(); }
std::string to_decimal(const I256& value) { return value.str(); }

std::string to_quantity(const U256& value) {
  if (value == 0) return "0x0";
  std::string hex = to_hex(u256_to_be_minimal(value), HexPrefix::kNone);
  if (hex[0] == '0') hex.erase(0, 1);
  return "0x" + hex;
}

}  // namespace wavs::eth
