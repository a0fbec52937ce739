#include "common/utf8.hpp"

#include <cstdint>

namespace wavs {
namespace {

// Length of the well-formed sequence starting at text[i], or 0 when it is ill-formed.
// On failure, `bad` is the length of the maximal ill-formed subpart to replace.
std::size_t sequence_length(std::string_view text, std::size_t i, std::size_t& bad) {
  const auto b = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t c = b(i);
  bad = 1;
  if (c < 0x80) return 1;
  std::size_t len = 0;
  std::uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    len = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    len = 3;
    if (c == 0xe0) lo = 0xa0;          // no overlong 3-byte forms
    if (c == 0xed) hi = 0x9f;          // no surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    len = 4;
    if (c == 0xf0) lo = 0x90;          // no overlong 4-byte forms
    if (c == 0xf4) hi = 0x8f;          // nothing past U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t k = 1; k < len; ++k) {
    if (i + k >= text.size()) return 0;
    const std::uint8_t x = b(i + k);
    const bool ok = k == 1 ? (x >= lo && x <= hi) : (x >= 0x80 && x <= 0xbf);
    if (!ok) return 0;
    bad = k + 1;
  }
  return len;
}

}  // namespace

bool valid_utf8(std::string_view text) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequence_length(text, i, bad);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string sanitize_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = sequence_length(text, i, bad);
    if (n == 0) {
      out += "\xef\xbf\xbd";
      i += bad;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Step back over continuation bytes to the start of the cut sequence, then drop it
  // unless it fits whole.
  std::size_t start = end;
  while (start > 0 && (static_cast<std::uint8_t>(text[start]) & 0xc0) == 0x80 && end - start < 3) --start;
  return text.substr(0, start);
}

std::size_t utf8_suffix_start(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return 0;
  std::size_t start = text.size() - max_bytes;
  std::size_t steps = 0;
  while (start < text.size() && (static_cast<std::uint8_t>(text[start]) & 0xc0) == 0x80 && steps < 3) {
    ++start;
    ++steps;
  }
  return start;
}

std::string quoted_excerpt(std::string_view text, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (text.size() > max_bytes) out += "...";
  return out + "\"";
}

}  // namespace wavs
