#pragma once
// Byte buffers and hexadecimal text, the currency of every Ethereum-facing module.

#include <algorithm>
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs, CommonErrc,
                kHexOddLength,    // odd number of hex digits
                kHexBadDigit,     // a character that is not a hex digit
                kWrongLength,     // a fixed-size value of the wrong size
                kOutOfRange,      // a number outside its allowed range
                kParse,           // text that does not parse as the expected form
                kIo)              // a file could not be read or written

namespace wavs {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string_view as_chars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (auto p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

enum class HexPrefix : bool { kNone = false, kWith = true };

// Lower-case hex, "0x"-prefixed by default.
[[nodiscard]] std::string to_hex(ByteView bytes, HexPrefix prefix = HexPrefix::kWith);

// Accepts an optional "0x"/"0X" prefix and either case. An empty string (or bare "0x")
// is zero bytes. Errors name the offending offset in the input text.
[[nodiscard]] Result<Bytes> from_hex(std::string_view text);

// True when `c` is 0-9, a-f or A-F.
[[nodiscard]] constexpr bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A fixed-size byte string (hashes, addresses, event ids). Value type, comparable,
// usable as a map key.
template <std::size_t N>
struct FixedBytes {
  std::array<std::uint8_t, N> data{};

  static constexpr std::size_t size() { return N; }
  [[nodiscard]] ByteView view() const { return {data.data(), N}; }
  [[nodiscard]] Bytes to_vector() const { return {data.begin(), data.end()}; }
  [[nodiscard]] std::string hex(HexPrefix prefix = HexPrefix::kWith) const { return to_hex(view(), prefix); }
  [[nodiscard]] bool is_zero() const {
    return std::all_of(data.begin(), data.end(), [](std::uint8_t b) { return b == 0; });
  }
  std::uint8_t& operator[](std::size_t i) { return data[i]; }
  const std::uint8_t& operator[](std::size_t i) const { return data[i]; }
  auto operator<=>(const FixedBytes&) const = default;

  // Exactly N bytes are required; anything else is kWrongLength.
  [[nodiscard]] static Result<FixedBytes> from_view(ByteView bytes) {
    if (bytes.size() != N) {
      return Error(CommonErrc::kWrongLength,
                   "expected " + std::to_string(N) + " bytes, got " + std::to_string(bytes.size()));
    }
    FixedBytes out;
    std::copy(bytes.begin(), bytes.end(), out.data.begin());
    return out;
  }
  [[nodiscard]] static Result<FixedBytes> from_hex(std::string_view text) {
    auto bytes = ::wavs::from_hex(text);
    if (!bytes) return bytes.error();
    return from_view(*bytes);
  }
};

using Hash256 = FixedBytes<32>;

}  // namespace wavs
