#pragma once
// Bounds-checked reading of the binary format: bytes, LEB128 integers with the spec's
// limits, UTF-8 names. Every failure names the offset and what was expected.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/bytes.hpp"
#include "wasm/types.hpp"

namespace wavs::wasm {

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t begin, std::size_t end)
      : data_(data), pos_(begin), end_(end) {}

  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] std::size_t end() const { return end_; }
  [[nodiscard]] bool at_end() const { return pos_ >= end_; }
  [[nodiscard]] std::size_t remaining() const { return end_ - pos_; }
  void set_context(std::string_view ctx) { context_ = ctx; }

  [[nodiscard]] Error fail(std::string_view what) const { return fail_at(pos_, what); }
  [[nodiscard]] Error fail_at(std::size_t offset, std::string_view what) const;

  Result<std::uint8_t> u8();
  Result<std::uint32_t> u32();  // unsigned LEB128, at most 5 bytes
  Result<std::int32_t> s32();
  Result<std::int64_t> s33();  // block types
  Result<std::int64_t> s64();
  Result<std::uint32_t> fixed32();
  Result<std::uint64_t> fixed64();
  Result<std::string> name();  // length-prefixed, valid UTF-8
  Result<ByteView> bytes(std::size_t n);
  // A count of items each at least `min_item_bytes` long: rejects counts the remaining
  // input cannot hold, so no caller allocates by an attacker-given number.
  Result<std::uint32_t> count(std::string_view what, std::uint32_t limit, std::size_t min_item_bytes = 1);

 private:
  Result<std::uint64_t> leb(unsigned bits, bool is_signed);

  const std::uint8_t* data_;
  std::size_t pos_;
  std::size_t end_;
  std::string_view context_;
};

[[nodiscard]] bool valid_utf8(std::string_view s);

}  // namespace wavs::wasm
