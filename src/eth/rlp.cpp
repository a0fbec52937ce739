#include "eth/rlp.hpp"

namespace wavs::eth::rlp {
namespace {

void append_length(Bytes& out, std::size_t len, std::uint8_t short_base, std::uint8_t long_base) {
  if (len < 56) {
    out.push_back(static_cast<std::uint8_t>(short_base + len));
    return;
  }
  std::uint8_t be[8];
  int n = 0;
  for (std::size_t v = len; v; v >>= 8) be[n++] = static_cast<std::uint8_t>(v);
  out.push_back(static_cast<std::uint8_t>(long_base + n));
  while (n) out.push_back(be[--n]);
}

void encode_into(const Item& item, Bytes& out) {
  if (!item.is_list) {
    const Bytes& b = item.bytes;
    if (b.size() == 1 && b[0] < 0x80) {
      out.push_back(b[0]);
      return;
    }
    append_length(out, b.size(), 0x80, 0xb7);
    out.insert(out.end(), b.begin(), b.end());
    return;
  }
  Bytes payload;
  for (const auto& child : item.items) encode_into(child, payload);
  append_length(out, payload.size(), 0xc0, 0xf7);
  out.insert(out.end(), payload.begin(), payload.end());
}

Error decode_error(std::size_t at, const std::string& why) {
  return Error(EthErrc::kRlpDecode, "at byte " + std::to_string(at) + ": " + why);
}
Error canon_error(std::size_t at, const std::string& why) {
  return Error(EthErrc::kRlpNonCanonical, "at byte " + std::to_string(at) + ": " + why);
}

struct Header {
  bool is_list;
  std::size_t payload_start;
  std::size_t payload_len;
};

// Reads the header at `at` within data[0, end).
Result<Header> read_header(ByteView data, std::size_t at, std::size_t end) {
  if (at >= end) return decode_error(at, "truncated: expected an item");
  std::uint8_t p = data[at];
  if (p < 0x80) return Header{false, at, 1};
  bool is_list = p >= 0xc0;
  std::uint8_t base = is_list ? 0xc0 : 0x80;
  std::size_t avail = end - at - 1;
  if (p - base < 56) {
    std::size_t len = static_cast<std::size_t>(p - base);
    if (len > avail) return decode_error(at, "length " + std::to_string(len) + " runs past the end");
    if (!is_list && len == 1 && data[at + 1] < 0x80) {
      return canon_error(at, "single byte below 0x80 must encode as itself");
    }
    return Header{is_list, at + 1, len};
  }
  std::size_t len_of_len = static_cast<std::size_t>(p - base - 55);
  if (len_of_len > avail) return decode_error(at, "truncated length");
  if (data[at + 1] == 0) return canon_error(at, "length has a leading zero byte");
  if (len_of_len > 8)
    return decode_error(at, "length of " + std::to_string(len_of_len) + " bytes is too large");
  std::uint64_t len = 0;
  for (std::size_t i = 0; i < len_of_len; ++i) len = len << 8 | data[at + 1 + i];
  if (len < 56) return canon_error(at, "long form used for a length below 56");
  if (len > avail - len_of_len)
    return decode_error(at, "length " + std::to_string(len) + " runs past the end");
  return Header{is_list, at + 1 + len_of_len, static_cast<std::size_t>(len)};
}

Result<Item> decode_at(ByteView data, std::size_t at, std::size_t end, int depth, std::size_t& next) {
  auto h = read_header(data, at, end);
  if (!h) return h.error();
  next = h->payload_start + h->payload_len;
  if (!h->is_list) return Item::string(data.subspan(h->payload_start, h->payload_len));
  if (depth >= kMaxDepth) return decode_error(at, "lists nested deeper than " + std::to_string(kMaxDepth));
  Item list = Item::list({});
  std::size_t pos = h->payload_start;
  std::size_t list_end = next;
  while (pos < list_end) {
    std::size_t child_next = 0;
    auto child = decode_at(data, pos, list_end, depth + 1, child_next);
    if (!child) return child.error();
    list.items.push_back(std::move(*child));
    pos = child_next;
  }
  return list;
}

}  // namespace

Result<U256> Item::as_uint() const {
  if (is_list) return Error(EthErrc::kRlpDecode, "expected an integer, got a list");
  if (!bytes.empty() && bytes[0] == 0)
    return Error(EthErrc::kRlpNonCanonical, "integer has a leading zero byte");
  if (bytes.size() > 32) return Error(EthErrc::kRlpDecode, "integer longer than 32 bytes");
  return u256_from_be(bytes);
}

Result<std::uint64_t> Item::as_u64() const {
  auto v = as_uint();
  if (!v) return v.error();
  if (*v > std::numeric_limits<std::uint64_t>::max())
    return Error(EthErrc::kRlpDecode, "integer exceeds 64 bits");
  return static_cast<std::uint64_t>(*v);
}

Bytes encode(const Item& item) {
  Bytes out;
  encode_into(item, out);
  return out;
}

Bytes encode_string(ByteView bytes) {
  Bytes out;
  if (bytes.size() == 1 && bytes[0] < 0x80) {
    out.push_back(bytes[0]);
    return out;
  }
  out.reserve(bytes.size() + 9);
  append_length(out, bytes.size(), 0x80, 0xb7);
  out.insert(out.end(), bytes.begin(), bytes.end());
  return out;
}

Bytes encode_uint(const U256& value) { return encode_string(u256_to_be_minimal(value)); }

Bytes encode_list_payload(ByteView payload) {
  Bytes out;
  out.reserve(payload.size() + 9);
  append_length(out, payload.size(), 0xc0, 0xf7);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Result<Item> decode(ByteView data) {
  std::size_t next = 0;
  auto item = decode_at(data, 0, data.size(), 0, next);
  if (!item) return item;
  if (next != data.size()) {
    return Error(EthErrc::kRlpDecode, std::to_string(data.size() - next) + " trailing bytes after the item");
  }
  return item;
}

}  // namespace wavs::eth::rlp
