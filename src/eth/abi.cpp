#include "eth/abi.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "crypto/hash.hpp"

namespace wavs::eth {
namespace {

constexpr int kMaxTypeDepth = 32;
constexpr std::size_t kMaxFixedArray = 1u << 16;
constexpr std::size_t kMaxTypeText = 4096;
constexpr std::size_t kMaxStaticSize = 1u << 24;

Error type_error(std::string_view text, std::size_t pos, const std::string& why) {
  std::string shown(text.substr(0, 200));
  return Error(EthErrc::kAbiType, "'" + shown + "' at offset " + std::to_string(pos) + ": " + why);
}

bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// A cursor over signature text.
struct Parser {
  std::string_view text;
  std::size_t pos = 0;

  void skip_space() {
    while (pos < text.size() && is_space(text[pos])) ++pos;
  }
  bool eat(char c) {
    skip_space();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip_space();
    return pos >= text.size();
  }
  std::string_view ident() {
    skip_space();
    std::size_t start = pos;
    while (pos < text.size() && is_ident_char(text[pos])) ++pos;
    return text.substr(start, pos - start);
  }
  Error fail(const std::string& why) const { return type_error(text, pos, why); }

  // Digits following a base name, e.g. the "256" of "uint256"; empty means none.
  static Result<std::size_t> suffix_number(std::string_view digits, std::size_t fallback) {
    if (digits.empty()) return fallback;
    if (digits.size() > 3 || digits[0] == '0') return Error(EthErrc::kAbiType, "bad size");
    std::size_t n = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return Error(EthErrc::kAbiType, "bad size");
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
  }

  Result<AbiType> type(int depth) {
    if (depth > kMaxTypeDepth) return fail("types nested deeper than " + std::to_string(kMaxTypeDepth));
    skip_space();
    Result<AbiType> base = Error(EthErrc::kAbiType);
    std::size_t start = pos;
    if (pos < text.size() && text[pos] == '(') {
      base = tuple(depth);
    } else {
      std::string_view name = ident();
      if (name == "tuple" && pos < text.size() && text[pos] == '(') {
        base = tuple(depth);
      } else if (name.empty()) {
        return fail("expected a type");
      } else {
        base = elementary(name, start);
      }
    }
    if (!base) return base;
    AbiType t = std::move(*base);
    // Array suffixes apply left to right: uint8[2][] is a dynamic array of uint8[2].
    while (pos < text.size() && text[pos] == '[') {
      ++pos;
      if (++depth > kMaxTypeDepth) return fail("types nested deeper than " + std::to_string(kMaxTypeDepth));
      std::size_t dstart = pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
      std::string_view digits = text.substr(dstart, pos - dstart);
      if (pos >= text.size() || text[pos] != ']') return fail("expected ']'");
      ++pos;
      if (digits.empty()) {
        t = AbiType::array(std::move(t));
        continue;
      }
      if (digits.size() > 6 || (digits.size() > 1 && digits[0] == '0')) return fail("bad array length");
      std::size_t n = 0;
      for (char c : digits) n = n * 10 + static_cast<std::size_t>(c - '0');
      if (n == 0 || n > kMaxFixedArray) {
        return fail("fixed array length must be 1.." + std::to_string(kMaxFixedArray));
      }
      t = AbiType::fixed_array(std::move(t), n);
      if (t.head_size() > kMaxStaticSize) return fail("static type larger than 16 MiB");
    }
    return t;
  }

  Result<AbiType> tuple(int depth) {
    ++pos;  // '('
    std::vector<AbiType> parts;
    if (eat(')')) return AbiType::tuple(std::move(parts));
    while (true) {
      auto t = type(depth + 1);
      if (!t) return t;
      parts.push_back(std::move(*t));
      if (eat(')')) break;
      if (!eat(',')) return fail("expected ',' or ')'");
    }
    return AbiType::tuple(std::move(parts));
  }

  Result<AbiType> elementary(std::string_view name, std::size_t start) {
    auto with_suffix = [&](std::string_view prefix) -> std::optional<std::string_view> {
      if (name.substr(0, prefix.size()) != prefix) return std::nullopt;
      return name.substr(prefix.size());
    };
    if (name == "address") return AbiType::address();
    if (name == "bool") return AbiType::boolean();
    if (name == "string") return AbiType::string();
    if (name == "bytes") return AbiType::bytes();
    if (auto s = with_suffix("uint")) {
      auto bits = suffix_number(*s, 256);
      if (!bits || *bits == 0 || *bits > 256 || *bits % 8 != 0) {
        return type_error(text, start, "uint size must be a multiple of 8 in 8..256");
      }
      return AbiType::uint(static_cast<unsigned>(*bits));
    }
    if (auto s = with_suffix("int")) {
      auto bits = suffix_number(*s, 256);
      if (!bits || *bits == 0 || *bits > 256 || *bits % 8 != 0) {
        return type_error(text, start, "int size must be a multiple of 8 in 8..256");
      }
      return AbiType::int_(static_cast<unsigned>(*bits));
    }
    if (auto s = with_suffix("bytes")) {
      auto n = suffix_number(*s, 0);
      if (!n || *n == 0 || *n > 32) return type_error(text, start, "bytesN size must be 1..32");
      return AbiType::fixed_bytes(*n);
    }
    return type_error(text, start, "unknown type '" + std::string(name.substr(0, 40)) + "'");
  }

  // "(type [indexed] [location] [name], ...)".
  Result<std::vector<AbiParam>> params() {
    if (!eat('(')) return fail("expected '('");
    std::vector<AbiParam> out;
    if (eat(')')) return out;
    while (true) {
      auto t = type(0);
      if (!t) return t.error();
      AbiParam p{std::move(*t), {}, false};
      while (true) {
        std::string_view word = ident();
        if (word.empty()) break;
        if (word == "indexed") {
          p.indexed = true;
        } else if (word == "memory" || word == "calldata" || word == "storage" || word == "payable") {
          // Data locations do not change the ABI.
        } else if (p.name.empty()) {
          p.name = std::string(word);
        } else {
          return fail("unexpected word '" + std::string(word.substr(0, 40)) + "'");
        }
      }
      out.push_back(std::move(p));
      if (eat(')')) break;
      if (!eat(',')) return fail("expected ',' or ')'");
    }
    return out;
  }
};

Result<AbiSignature> parse_signature_prefix(Parser& p) {
  if (p.text.size() > kMaxTypeText) return p.fail("signature longer than " + std::to_string(kMaxTypeText));
  AbiSignature sig;
  std::string_view name = p.ident();
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return p.fail("expected a name");
  sig.name = std::string(name);
  auto params = p.params();
  if (!params) return params.error();
  sig.params = std::move(*params);
  return sig;
}

// ---- encoding ------------------------------------------------------------------------

Error value_error(const AbiType& type, const std::string& why) {
  return Error(EthErrc::kAbiValue, type.to_string() + ": " + why);
}

const char* kind_name(const AbiValue& v) {
  switch (v.storage().index()) {
    case 0:
      return "bool";
    case 1:
      return "unsigned integer";
    case 2:
      return "signed integer";
    case 3:
      return "address";
    case 4:
      return "bytes";
    case 5:
      return "string";
    default:
      return "list";
  }
}

void append_word(Bytes& out, const Hash256& word) {
  out.insert(out.end(), word.data.begin(), word.data.end());
}

void append_u64_word(Bytes& out, std::uint64_t v) {
  std::size_t at = out.size();
  out.resize(at + 32);
  for (int i = 0; i < 8; ++i)
    out[at + 31 - static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}

void append_padded(Bytes& out, ByteView data) {
  out.insert(out.end(), data.begin(), data.end());
  out.resize(out.size() + (32 - data.size() % 32) % 32);
}

U256 twos_complement(const I256& v) {
  if (v >= 0) return static_cast<U256>(v);
  U256 magnitude = static_cast<U256>(-v);
  return ~magnitude + 1;
}

Status encode_into(const AbiType& type, const AbiValue& value, Bytes& out);

Status encode_sequence(const AbiType& parent, const std::vector<const AbiType*>& types,
                       const AbiValue::List& values, Bytes& out) {
  std::size_t head_total = 0;
  for (const auto* t : types) head_total += t->head_size();
  Bytes head;
  Bytes tail;
  head.reserve(head_total);
  for (std::size_t i = 0; i < types.size(); ++i) {
    const AbiType& t = *types[i];
    if (t.is_dynamic()) {
      append_u64_word(head, head_total + tail.size());
      if (auto st = encode_into(t, values[i], tail); !st) return st.error().with_context(parent.to_string());
    } else {
      if (auto st = encode_into(t, values[i], head); !st) return st.error().with_context(parent.to_string());
    }
  }
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), tail.begin(), tail.end());
  return {};
}

Status encode_into(const AbiType& type, const AbiValue& value, Bytes& out) {
  using Kind = AbiType::Kind;
  switch (type.kind()) {
    case Kind::kUint: {
      U256 v;
      if (const auto* u = value.get_if<U256>()) {
        v = *u;
      } else if (const auto* s = value.get_if<I256>(); s && *s >= 0) {
        v = static_cast<U256>(*s);
      } else {
        return value_error(type, std::string("expected an unsigned integer, got ") +
                                     (value.get_if<I256>() ? "a negative integer" : kind_name(value)));
      }
      if (type.size() < 256 && (v >> type.size()) != 0) {
        return value_error(type, to_decimal(v) + " does not fit in " + std::to_string(type.size()) + " bits");
      }
      append_word(out, u256_to_be32(v));
      return {};
    }
    case Kind::kInt: {
      I256 v;
      if (const auto* s = value.get_if<I256>()) {
        v = *s;
      } else if (const auto* u = value.get_if<U256>(); u && (*u >> 255) == 0) {
        v = static_cast<I256>(*u);
      } else {
        return value_error(type, std::string("expected a signed integer, got ") + kind_name(value));
      }
      I256 limit = I256(1) << (type.size() - 1);
      if (v >= limit || v < -limit) {
        return value_error(type, to_decimal(v) + " does not fit in " + std::to_string(type.size()) + " bits");
      }
      append_word(out, u256_to_be32(twos_complement(v)));
      return {};
    }
    case Kind::kAddress: {
      const auto* a = value.get_if<Address>();
      if (!a) return value_error(type, std::string("expected an address, got ") + kind_name(value));
      out.resize(out.size() + 12);
      out.insert(out.end(), a->data.begin(), a->data.end());
      return {};
    }
    case Kind::kBool: {
      const auto* b = value.get_if<bool>();
      if (!b) return value_error(type, std::string("expected a bool, got ") + kind_name(value));
      out.resize(out.size() + 32);
      out.back() = *b ? 1 : 0;
      return {};
    }
    case Kind::kFixedBytes: {
      const auto* b = value.get_if<Bytes>();
      if (!b) return value_error(type, std::string("expected bytes, got ") + kind_name(value));
      if (b->size() != type.size()) {
        return value_error(
            type, "expected " + std::to_string(type.size()) + " bytes, got " + std::to_string(b->size()));
      }
      append_padded(out, *b);
      return {};
    }
    case Kind::kBytes:
    case Kind::kString: {
      ByteView data;
      if (const auto* b = value.get_if<Bytes>(); b && type.kind() == Kind::kBytes) {
        data = *b;
      } else if (const auto* s = value.get_if<std::string>(); s && type.kind() == Kind::kString) {
        data = ::wavs::as_bytes(*s);
      } else {
        return value_error(type, std::string("expected ") +
                                     (type.kind() == Kind::kBytes ? "bytes" : "a string") + ", got " +
                                     kind_name(value));
      }
      append_u64_word(out, data.size());
      append_padded(out, data);
      return {};
    }
    case Kind::kArray:
    case Kind::kFixedArray: {
      const auto* items = value.get_if<AbiValue::List>();
      if (!items) return value_error(type, std::string("expected a list, got ") + kind_name(value));
      if (type.kind() == Kind::kFixedArray && items->size() != type.size()) {
        return value_error(type, "expected " + std::to_string(type.size()) + " elements, got " +
                                     std::to_string(items->size()));
      }
      if (type.kind() == Kind::kArray) append_u64_word(out, items->size());
      std::vector<const AbiType*> types(items->size(), &type.element());
      return encode_sequence(type, types, *items, out);
    }
    case Kind::kTuple: {
      const auto* items = value.get_if<AbiValue::List>();
      if (!items) return value_error(type, std::string("expected a tuple, got ") + kind_name(value));
      if (items->size() != type.components().size()) {
        return value_error(type, "expected " + std::to_string(type.components().size()) +
                                     " components, got " + std::to_string(items->size()));
      }
      std::vector<const AbiType*> types;
      for (const auto& c : type.components()) types.push_back(&c);
      return encode_sequence(type, types, *items, out);
    }
  }
  return value_error(type, "unsupported type");
}

// ---- decoding ------------------------------------------------------------------------

class Decoder {
 public:
  explicit Decoder(ByteView data) : data_(data), budget_(2 * data.size() + 1024) {}

  Result<AbiValue> decode(const AbiType& type, std::size_t at) {
    using Kind = AbiType::Kind;
    switch (type.kind()) {
      case Kind::kUint:
      case Kind::kInt:
      case Kind::kAddress:
      case Kind::kBool:
      case Kind::kFixedBytes: {
        auto w = word(at);
        if (!w) return w.error();
        if (auto st = charge(32, at); !st) return st.error();
        return decode_word(type, *w, at);
      }
      case Kind::kBytes:
      case Kind::kString: {
        auto len = length(at);
        if (!len) return len.error();
        std::size_t start = at + 32;
        if (*len > data_.size() - start) {
          return fail(at, "length " + std::to_string(*len) + " runs past the end of the data");
        }
        if (auto st = charge(32 + *len, at); !st) return st.error();
        ByteView content = data_.subspan(start, *len);
        if (type.kind() == Kind::kBytes) return AbiValue::bytes(content);
        return AbiValue::string(std::string(as_chars(content)));
      }
      case Kind::kArray: {
        // An element count, not a byte length: zero-size elements need no bytes, so it
        // is bounded by the heads it needs or, failing that, by the budget.
        auto len = word_u64(at);
        if (!len) return len.error();
        std::size_t start = at + 32;
        std::size_t elem_head = type.element().head_size();
        // Every element needs its head inside the buffer; zero-size elements are
        // bounded by the budget instead.
        if (elem_head > 0 && *len > (data_.size() - start) / elem_head) {
          return fail(at, "array length " + std::to_string(*len) + " exceeds the data");
        }
        return wrap(sequence(type, {}, &type.element(), *len, start));
      }
      case Kind::kFixedArray:
        return wrap(sequence(type, {}, &type.element(), type.size(), at));
      case Kind::kTuple: {
        std::vector<const AbiType*> types;
        for (const auto& c : type.components()) types.push_back(&c);
        return wrap(sequence(type, types, nullptr, types.size(), at));
      }
    }
    return fail(at, "unsupported type");
  }

  // The elements of a tuple (types) or an array (n copies of *element), whose heads
  // start at `base`; offsets are relative to `base`.
  Result<AbiValue::List> sequence(const AbiType& parent, const std::vector<const AbiType*>& types,
                                  const AbiType* element, std::size_t n, std::size_t base) {
    if (++depth_ > 2 * kMaxTypeDepth + 2) return fail(base, "nested too deeply");
    // All heads must lie inside the data; checking up front gives a clear message
    // instead of a budget failure for large static types. Cannot overflow: array
    // lengths were checked against the data and static types are at most 16 MiB.
    std::size_t heads = 0;
    if (element) {
      heads = n * element->head_size();
    } else {
      for (const auto* t : types) heads += t->head_size();
    }
    if (base > data_.size() || heads > data_.size() - base) {
      return fail(base, "truncated: " + std::to_string(heads) + " bytes of heads, " +
                            std::to_string(base > data_.size() ? 0 : data_.size() - base) + " left");
    }
    // Zero-size elements ("()", "()[3]") occupy no input at all, so their count is
    // capped by a fixed allowance rather than by the input size; that keeps decoding
    // independent of trailing bytes (a value decodes iff its re-encoding does).
    if (element && !element->is_dynamic() && element->head_size() == 0) {
      if (n > zero_size_budget_) return fail(base, "too many zero-size elements");
      zero_size_budget_ -= n;
    } else if (auto st = charge(n, base); !st) {
      return st.error();
    }
    AbiValue::List items;
    items.reserve(std::min<std::size_t>(n, 1024));
    std::size_t head = base;
    for (std::size_t i = 0; i < n; ++i) {
      const AbiType& t = element ? *element : *types[i];
      Result<AbiValue> v = Error(EthErrc::kAbiDecode);
      if (t.is_dynamic()) {
        auto off = length(head);
        if (!off) return off.error();
        if (base > data_.size() || *off > data_.size() - base) {
          return fail(head, "offset " + std::to_string(*off) + " points outside the data");
        }
        v = decode(t, base + *off);
      } else {
        v = decode(t, head);
      }
      if (!v) return v.error().with_context(parent.to_string() + " element " + std::to_string(i));
      items.push_back(std::move(*v));
      head += t.head_size();
    }
    --depth_;
    return items;
  }

 private:
  static Result<AbiValue> wrap(Result<AbiValue::List> list) {
    if (!list) return list.error();
    return AbiValue::list(std::move(*list));
  }

  Error fail(std::size_t at, const std::string& why) const {
    return Error(EthErrc::kAbiDecode, "at byte " + std::to_string(at) + ": " + why);
  }

  Status charge(std::size_t units, std::size_t at) {
    if (units > budget_) return fail(at, "decoded size exceeds what the input can hold (aliased offsets?)");
    budget_ -= units;
    return {};
  }

  Result<const std::uint8_t*> word(std::size_t at) const {
    if (at > data_.size() || data_.size() - at < 32) {
      return fail(at, "truncated: need 32 bytes, " +
                          std::to_string(at > data_.size() ? 0 : data_.size() - at) + " left");
    }
    return data_.data() + at;
  }

  // A word that must fit in 64 bits (lengths, offsets, counts).
  Result<std::size_t> word_u64(std::size_t at) const {
    auto w = word(at);
    if (!w) return w.error();
    for (int i = 0; i < 24; ++i) {
      if ((*w)[i] != 0) return fail(at, "length or offset word is larger than any buffer");
    }
    std::uint64_t v = 0;
    for (int i = 24; i < 32; ++i) v = v << 8 | (*w)[i];
    return static_cast<std::size_t>(v);
  }

  // A word used as a byte length or offset: must fit in the buffer's size range.
  Result<std::size_t> length(std::size_t at) const {
    auto len = word_u64(at);
    if (!len) return len;
    std::size_t v = *len;
    if (v > data_.size()) {
      return fail(at, "length or offset " + std::to_string(v) + " exceeds the data size " +
                          std::to_string(data_.size()));
    }
    return v;
  }

  Result<AbiValue> decode_word(const AbiType& type, const std::uint8_t* w, std::size_t at) const {
    using Kind = AbiType::Kind;
    switch (type.kind()) {
      case Kind::kUint: {
        U256 v = *u256_from_be(ByteView(w, 32));
        if (type.size() < 256 && (v >> type.size()) != 0) {
          return fail(at, "value does not fit in " + type.to_string());
        }
        return AbiValue::uint(v);
      }
      case Kind::kInt: {
        U256 raw = *u256_from_be(ByteView(w, 32));
        bool negative = (w[0] & 0x80) != 0;
        // Bits above the width must all copy the sign bit.
        std::size_t bits = type.size();
        if (bits < 256) {
          U256 high = raw >> (bits - 1);
          U256 expect = negative ? (~U256(0) >> (bits - 1)) : U256(0);
          if (high != expect) return fail(at, "value does not fit in " + type.to_string());
        }
        I256 v = negative ? -static_cast<I256>(~raw + 1) : static_cast<I256>(raw);
        if (negative && raw == (U256(1) << 255)) v = -(I256(1) << 255);
        return AbiValue::int_(v);
      }
      case Kind::kAddress: {
        for (int i = 0; i < 12; ++i) {
          if (w[i] != 0) return fail(at, "address has non-zero high bytes");
        }
        Address a;
        std::memcpy(a.data.data(), w + 12, 20);
        return AbiValue::address(a);
      }
      case Kind::kBool:
        for (int i = 0; i < 31; ++i) {
          if (w[i] != 0) return fail(at, "bool is neither 0 nor 1");
        }
        if (w[31] > 1) return fail(at, "bool is neither 0 nor 1");
        return AbiValue::boolean(w[31] == 1);
      case Kind::kFixedBytes:
        for (std::size_t i = type.size(); i < 32; ++i) {
          if (w[i] != 0) return fail(at, type.to_string() + " has non-zero padding");
        }
        return AbiValue::bytes(ByteView(w, type.size()));
      default:
        return fail(at, "not a one-word type");
    }
  }

  ByteView data_;
  std::size_t budget_;
  std::size_t zero_size_budget_ = 1u << 16;
  int depth_ = 0;
};

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 1024)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  if (s.size() > 1024) out += "...";
  return out + "\"";
}

}  // namespace

// ---- AbiType -------------------------------------------------------------------------

Result<AbiType> AbiType::parse(std::string_view text) {
  if (text.size() > kMaxTypeText) return type_error(text, 0, "type text too long");
  Parser p{text};
  auto t = p.type(0);
  if (!t) return t;
  if (!p.at_end()) return p.fail("unexpected text after the type");
  return t;
}

AbiType AbiType::array(AbiType element) {
  AbiType t(Kind::kArray, 0);
  t.children_.push_back(std::move(element));
  return t;
}

AbiType AbiType::fixed_array(AbiType element, std::size_t length) {
  AbiType t(Kind::kFixedArray, length);
  t.children_.push_back(std::move(element));
  return t;
}

AbiType AbiType::tuple(std::vector<AbiType> components) {
  AbiType t(Kind::kTuple, 0);
  t.children_ = std::move(components);
  return t;
}

bool AbiType::is_dynamic() const {
  switch (kind_) {
    case Kind::kBytes:
    case Kind::kString:
    case Kind::kArray:
      return true;
    case Kind::kFixedArray:
      return element().is_dynamic();
    case Kind::kTuple:
      return std::any_of(children_.begin(), children_.end(), [](const AbiType& c) { return c.is_dynamic(); });
    default:
      return false;
  }
}

std::size_t AbiType::head_size() const {
  if (is_dynamic()) return 32;
  if (kind_ == Kind::kFixedArray) return n_ * element().head_size();
  if (kind_ == Kind::kTuple) {
    std::size_t total = 0;
    for (const auto& c : children_) total += c.head_size();
    return total;
  }
  return 32;
}

std::string AbiType::to_string() const {
  switch (kind_) {
    case Kind::kUint:
      return "uint" + std::to_string(n_);
    case Kind::kInt:
      return "int" + std::to_string(n_);
    case Kind::kAddress:
      return "address";
    case Kind::kBool:
      return "bool";
    case Kind::kFixedBytes:
      return "bytes" + std::to_string(n_);
    case Kind::kBytes:
      return "bytes";
    case Kind::kString:
      return "string";
    case Kind::kArray:
      return element().to_string() + "[]";
    case Kind::kFixedArray:
      return element().to_string() + "[" + std::to_string(n_) + "]";
    case Kind::kTuple: {
      std::string out = "(";
      for (std::size_t i = 0; i < children_.size(); ++i) {
        if (i) out += ",";
        out += children_[i].to_string();
      }
      return out + ")";
    }
  }
  return "?";
}

// ---- AbiValue ------------------------------------------------------------------------

namespace {
template <class T>
Result<T> typed(const AbiValue& v, const char* want) {
  if (const auto* p = v.get_if<T>()) return *p;
  return Error(EthErrc::kAbiValue, std::string("expected ") + want + ", got " + kind_name(v));
}
}  // namespace

Result<U256> AbiValue::as_uint() const { return typed<U256>(*this, "an unsigned integer"); }
Result<I256> AbiValue::as_int() const { return typed<I256>(*this, "a signed integer"); }
Result<Address> AbiValue::as_address() const { return typed<Address>(*this, "an address"); }
Result<bool> AbiValue::as_bool() const { return typed<bool>(*this, "a bool"); }
Result<Bytes> AbiValue::as_bytes() const { return typed<Bytes>(*this, "bytes"); }
Result<std::string> AbiValue::as_string() const { return typed<std::string>(*this, "a string"); }
Result<AbiValue::List> AbiValue::as_list() const { return typed<List>(*this, "a list"); }

std::string AbiValue::to_string() const {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const U256& v) const { return to_decimal(v); }
    std::string operator()(const I256& v) const { return to_decimal(v); }
    std::string operator()(const Address& a) const { return a.to_checksum(); }
    std::string operator()(const Bytes& b) const { return to_hex(b); }
    std::string operator()(const std::string& s) const { return quote(s); }
    std::string operator()(const List& items) const {
      std::string out = "[";
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        out += items[i].to_string();
      }
      return out + "]";
    }
  };
  return std::visit(Visitor{}, v_);
}

// ---- values from text ----------------------------------------------------------------

namespace {

class ValueParser {
 public:
  explicit ValueParser(std::string_view text) : text_(text) {}

  Result<AbiValue> top(const AbiType& type) {
    if (type.kind() == AbiType::Kind::kString) return AbiValue::string(std::string(text_));
    auto v = value(type, 0);
    if (!v) return v;
    skip_space();
    if (pos_ != text_.size()) return fail("unexpected text after the value");
    return v;
  }

 private:
  Error fail(const std::string& why) const {
    return Error(EthErrc::kAbiValue, "'" + std::string(text_.substr(0, 200)) + "' at offset " +
                                         std::to_string(pos_) + ": " + why);
  }
  void skip_space() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }
  // An unquoted scalar: up to the next delimiter, trimmed.
  std::string_view token() {
    skip_space();
    std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != ']' && text_[pos_] != ')') ++pos_;
    std::size_t end = pos_;
    while (end > start && is_space(text_[end - 1])) --end;
    return text_.substr(start, end - start);
  }

  Result<AbiValue> value(const AbiType& type, int depth) {
    using Kind = AbiType::Kind;
    if (depth > 2 * kMaxTypeDepth) return fail("nested too deeply");
    skip_space();
    switch (type.kind()) {
      case Kind::kUint: {
        auto v = parse_u256(token());
        if (!v) return fail(v.error().detail());
        if (type.size() < 256 && (*v >> type.size()) != 0) return fail("does not fit in " + type.to_string());
        return AbiValue::uint(*v);
      }
      case Kind::kInt: {
        auto v = parse_i256(token());
        if (!v) return fail(v.error().detail());
        I256 limit = I256(1) << (type.size() - 1);
        if (*v >= limit || *v < -limit) return fail("does not fit in " + type.to_string());
        return AbiValue::int_(*v);
      }
      case Kind::kAddress: {
        auto a = Address::from_hex(token());
        if (!a) return fail(a.error().message());
        return AbiValue::address(*a);
      }
      case Kind::kBool: {
        auto t = token();
        if (t == "true") return AbiValue::boolean(true);
        if (t == "false") return AbiValue::boolean(false);
        return fail("expected true or false");
      }
      case Kind::kFixedBytes:
      case Kind::kBytes: {
        auto b = from_hex(token());
        if (!b) return fail(b.error().message());
        if (type.kind() == Kind::kFixedBytes && b->size() != type.size()) {
          return fail("expected " + std::to_string(type.size()) + " bytes, got " + std::to_string(b->size()));
        }
        return AbiValue::bytes(std::move(*b));
      }
      case Kind::kString:
        return string();
      case Kind::kArray:
      case Kind::kFixedArray:
      case Kind::kTuple:
        return list(type, depth);
    }
    return fail("unsupported type");
  }

  Result<AbiValue> string() {
    if (pos_ >= text_.size() || text_[pos_] != '"') return AbiValue::string(std::string(token()));
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out.push_back(text_[pos_++]);
    }
    if (pos_ >= text_.size()) return fail("unterminated string");
    ++pos_;
    return AbiValue::string(std::move(out));
  }

  Result<AbiValue> list(const AbiType& type, int depth) {
    bool is_tuple = type.kind() == AbiType::Kind::kTuple;
    char open = is_tuple ? '(' : '[';
    char close = is_tuple ? ')' : ']';
    if (pos_ >= text_.size() || text_[pos_] != open) return fail(std::string("expected '") + open + "'");
    ++pos_;
    AbiValue::List items;
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == close) {
      ++pos_;
    } else {
      while (true) {
        std::size_t i = items.size();
        if (is_tuple && i >= type.components().size()) return fail("too many tuple components");
        auto v = value(is_tuple ? type.components()[i] : type.element(), depth + 1);
        if (!v) return v;
        items.push_back(std::move(*v));
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < text_.size() && text_[pos_] == close) {
          ++pos_;
          break;
        }
        return fail(std::string("expected ',' or '") + close + "'");
      }
    }
    std::size_t want = is_tuple                                    ? type.components().size()
                       : type.kind() == AbiType::Kind::kFixedArray ? type.size()
                                                                   : items.size();
    if (items.size() != want) {
      return fail("expected " + std::to_string(want) + " elements, got " + std::to_string(items.size()));
    }
    return AbiValue::list(std::move(items));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<AbiValue> parse_abi_value(const AbiType& type, std::string_view text) {
  return ValueParser(text).top(type);
}

// ---- encode / decode -----------------------------------------------------------------

Result<Bytes> abi_encode(std::span<const AbiType> types, std::span<const AbiValue> values) {
  if (types.size() != values.size()) {
    return Error(EthErrc::kAbiValue, "expected " + std::to_string(types.size()) + " values, got " +
                                         std::to_string(values.size()));
  }
  AbiType tuple = AbiType::tuple(std::vector<AbiType>(types.begin(), types.end()));
  Bytes out;
  if (auto st = encode_into(tuple, AbiValue::list(AbiValue::List(values.begin(), values.end())), out); !st) {
    return st.error();
  }
  return out;
}

Result<Bytes> abi_encode(const AbiType& type, const AbiValue& value) {
  return abi_encode(std::span<const AbiType>(&type, 1), std::span<const AbiValue>(&value, 1));
}

Result<std::vector<AbiValue>> abi_decode(std::span<const AbiType> types, ByteView data) {
  AbiType tuple = AbiType::tuple(std::vector<AbiType>(types.begin(), types.end()));
  Decoder d(data);
  std::vector<const AbiType*> parts;
  for (const auto& c : tuple.components()) parts.push_back(&c);
  return d.sequence(tuple, parts, nullptr, parts.size(), 0);
}

Result<AbiValue> abi_decode(const AbiType& type, ByteView data) {
  auto values = abi_decode(std::span<const AbiType>(&type, 1), data);
  if (!values) return values.error();
  return std::move((*values)[0]);
}

// ---- signatures ----------------------------------------------------------------------

Result<AbiSignature> AbiSignature::parse(std::string_view text) {
  Parser p{text};
  auto sig = parse_signature_prefix(p);
  if (!sig) return sig;
  if (!p.at_end()) return p.fail("unexpected text after the signature");
  return sig;
}

std::vector<AbiType> AbiSignature::types() const {
  std::vector<AbiType> out;
  for (const auto& p : params) out.push_back(p.type);
  return out;
}

std::string AbiSignature::canonical() const {
  std::string out = name + "(";
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i) out += ",";
    out += params[i].type.to_string();
  }
  return out + ")";
}

Result<Selector> selector(std::string_view signature) {
  auto sig = AbiSignature::parse(signature);
  if (!sig) return sig.error();
  Hash256 h = crypto::keccak256(std::string_view(sig->canonical()));
  Selector s;
  std::copy_n(h.data.begin(), 4, s.data.begin());
  return s;
}

Result<Hash256> event_topic(std::string_view signature) {
  auto sig = AbiSignature::parse(signature);
  if (!sig) return sig.error();
  return crypto::keccak256(std::string_view(sig->canonical()));
}

// ---- AbiFunction ---------------------------------------------------------------------

Result<AbiFunction> AbiFunction::parse(std::string_view text) {
  Parser p{text};
  auto sig = parse_signature_prefix(p);
  if (!sig) return sig.error();
  AbiFunction fn;
  fn.name_ = sig->name;
  fn.inputs_ = std::move(sig->params);
  if (!p.at_end()) {
    p.eat(':');
    p.skip_space();
    std::size_t save = p.pos;
    std::string_view word = p.ident();
    if (word != "returns") p.pos = save;
    auto outs = p.params();
    if (!outs) return outs.error();
    fn.outputs_ = std::move(*outs);
    if (!p.at_end()) return p.fail("unexpected text after the outputs");
  }
  AbiSignature canon{fn.name_, fn.inputs_};
  Hash256 h = crypto::keccak256(std::string_view(canon.canonical()));
  std::copy_n(h.data.begin(), 4, fn.selector_.data.begin());
  return fn;
}

std::string AbiFunction::canonical() const { return AbiSignature{name_, inputs_}.canonical(); }

namespace {
std::vector<AbiType> types_of(const std::vector<AbiParam>& params) {
  std::vector<AbiType> out;
  out.reserve(params.size());
  for (const auto& p : params) out.push_back(p.type);
  return out;
}
}  // namespace

Result<Bytes> AbiFunction::encode_call(std::span<const AbiValue> args) const {
  auto body = abi_encode(types_of(inputs_), args);
  if (!body) return body.error().with_context(name_);
  Bytes out(selector_.data.begin(), selector_.data.end());
  out.insert(out.end(), body->begin(), body->end());
  return out;
}

Result<std::vector<AbiValue>> AbiFunction::decode_call(ByteView calldata) const {
  if (calldata.size() < 4 || !std::equal(selector_.data.begin(), selector_.data.end(), calldata.begin())) {
    return Error(EthErrc::kAbiDecode, "calldata does not start with the selector of " + canonical());
  }
  return abi_decode(types_of(inputs_), calldata.subspan(4));
}

Result<std::vector<AbiValue>> AbiFunction::decode_output(ByteView data) const {
  auto out = abi_decode(types_of(outputs_), data);
  if (!out) return out.error().with_context(name_ + " output");
  return out;
}

// ---- AbiEvent ------------------------------------------------------------------------

namespace {
bool is_value_type(const AbiType& t) {
  using Kind = AbiType::Kind;
  switch (t.kind()) {
    case Kind::kUint:
    case Kind::kInt:
    case Kind::kAddress:
    case Kind::kBool:
    case Kind::kFixedBytes:
      return true;
    default:
      return false;
  }
}
}  // namespace

Result<AbiEvent> AbiEvent::parse(std::string_view text) {
  Parser p{text};
  auto sig = parse_signature_prefix(p);
  if (!sig) return sig.error();
  AbiEvent ev;
  if (!p.at_end()) {
    if (p.ident() != "anonymous" || !p.at_end()) return p.fail("unexpected text after the event");
    ev.anonymous_ = true;
  }
  std::size_t indexed = 0;
  for (const auto& param : sig->params) indexed += param.indexed ? 1 : 0;
  if (indexed > (ev.anonymous_ ? 4u : 3u)) return p.fail("too many indexed parameters");
  ev.name_ = sig->name;
  ev.topic0_ = crypto::keccak256(std::string_view(sig->canonical()));
  ev.params_ = std::move(sig->params);
  return ev;
}

Result<std::vector<AbiValue>> AbiEvent::decode_log(std::span<const Hash256> topics, ByteView data) const {
  std::size_t indexed = 0;
  for (const auto& p : params_) indexed += p.indexed ? 1 : 0;
  std::size_t first = anonymous_ ? 0 : 1;
  if (topics.size() != first + indexed) {
    return Error(EthErrc::kLog, name_ + ": expected " + std::to_string(first + indexed) + " topics, got " +
                                    std::to_string(topics.size()));
  }
  if (!anonymous_ && topics[0] != topic0_) {
    return Error(EthErrc::kLog,
                 name_ + ": topic0 " + topics[0].hex() + " is not this event's " + topic0_.hex());
  }
  std::vector<AbiType> data_types;
  for (const auto& p : params_) {
    if (!p.indexed) data_types.push_back(p.type);
  }
  auto data_values = abi_decode(data_types, data);
  if (!data_values) return data_values.error().with_context(name_ + " data");
  std::vector<AbiValue> out;
  std::size_t next_topic = first;
  std::size_t next_data = 0;
  for (const auto& p : params_) {
    if (!p.indexed) {
      out.push_back(std::move((*data_values)[next_data++]));
      continue;
    }
    const Hash256& topic = topics[next_topic++];
    if (is_value_type(p.type)) {
      auto v = abi_decode(p.type, topic.view());
      if (!v) return v.error().with_context(name_ + " topic " + std::to_string(next_topic - 1));
      out.push_back(std::move(*v));
    } else {
      out.push_back(AbiValue::bytes(topic.view()));
    }
  }
  return out;
}

Result<std::pair<std::vector<Hash256>, Bytes>> AbiEvent::encode_log(std::span<const AbiValue> values) const {
  if (values.size() != params_.size()) {
    return Error(EthErrc::kAbiValue, name_ + ": expected " + std::to_string(params_.size()) +
                                         " values, got " + std::to_string(values.size()));
  }
  std::vector<Hash256> topics;
  if (!anonymous_) topics.push_back(topic0_);
  std::vector<AbiType> data_types;
  std::vector<AbiValue> data_values;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const auto& p = params_[i];
    if (!p.indexed) {
      data_types.push_back(p.type);
      data_values.push_back(values[i]);
      continue;
    }
    if (is_value_type(p.type)) {
      auto enc = abi_encode(p.type, values[i]);
      if (!enc) return enc.error().with_context(name_);
      topics.push_back(*Hash256::from_view(*enc));
    } else if (p.type.kind() == AbiType::Kind::kString || p.type.kind() == AbiType::Kind::kBytes) {
      const auto* s = values[i].get_if<std::string>();
      const auto* b = values[i].get_if<Bytes>();
      if (!s && !b)
        return Error(EthErrc::kAbiValue, name_ + ": indexed " + p.type.to_string() + " needs a value");
      topics.push_back(s ? crypto::keccak256(std::string_view(*s)) : crypto::keccak256(*b));
    } else {
      return Error(EthErrc::kAbiValue,
                   name_ + ": encoding indexed " + p.type.to_string() + " is not supported");
    }
  }
  auto data = abi_encode(data_types, data_values);
  if (!data) return data.error().with_context(name_);
  return std::make_pair(std::move(topics), std::move(*data));
}

// ---- AbiError / revert data ----------------------------------------------------------

Result<AbiError> AbiError::parse(std::string_view text) {
  auto sig = AbiSignature::parse(text);
  if (!sig) return sig.error();
  AbiError e;
  e.name_ = sig->name;
  Hash256 h = crypto::keccak256(std::string_view(sig->canonical()));
  std::copy_n(h.data.begin(), 4, e.selector_.data.begin());
  e.params_ = std::move(sig->params);
  return e;
}

Result<Bytes> AbiError::encode(std::span<const AbiValue> args) const {
  auto body = abi_encode(types_of(params_), args);
  if (!body) return body.error().with_context(name_);
  Bytes out(selector_.data.begin(), selector_.data.end());
  out.insert(out.end(), body->begin(), body->end());
  return out;
}

namespace {

constexpr std::array<std::uint8_t, 4> kErrorStringSelector = {0x08, 0xc3, 0x79, 0xa0};  // Error(string)
constexpr std::array<std::uint8_t, 4> kPanicSelector = {0x4e, 0x48, 0x7b, 0x71};        // Panic(uint256)

const char* panic_meaning(const U256& code) {
  if (code > 0xff) return "unknown panic code";
  switch (static_cast<unsigned>(code)) {
    case 0x00:
      return "generic compiler panic";
    case 0x01:
      return "assertion failed";
    case 0x11:
      return "arithmetic overflow or underflow";
    case 0x12:
      return "division or modulo by zero";
    case 0x21:
      return "invalid enum value";
    case 0x22:
      return "corrupt storage byte array";
    case 0x31:
      return "pop on an empty array";
    case 0x32:
      return "array index out of bounds";
    case 0x41:
      return "out of memory";
    case 0x51:
      return "call to a zero-initialised function";
    default:
      return "unknown panic code";
  }
}

}  // namespace

RevertReason decode_revert(ByteView data, std::span<const AbiError> known_errors) {
  RevertReason r;
  r.data.assign(data.begin(), data.end());
  if (data.empty()) return r;
  r.kind = RevertReason::Kind::kUnknown;
  if (data.size() < 4) return r;
  ByteView sel = data.first(4);
  ByteView body = data.subspan(4);
  if (std::equal(sel.begin(), sel.end(), kErrorStringSelector.begin())) {
    auto v = abi_decode(AbiType::string(), body);
    if (v) {
      r.kind = RevertReason::Kind::kMessage;
      r.message = *v->get_if<std::string>();
    }
    return r;
  }
  if (std::equal(sel.begin(), sel.end(), kPanicSelector.begin())) {
    auto v = abi_decode(AbiType::uint(), body);
    if (v) {
      r.kind = RevertReason::Kind::kPanic;
      r.panic_code = *v->get_if<U256>();
    }
    return r;
  }
  for (const auto& e : known_errors) {
    if (!std::equal(sel.begin(), sel.end(), e.selector().data.begin())) continue;
    auto args = abi_decode(types_of(e.params()), body);
    if (!args) continue;
    r.kind = RevertReason::Kind::kCustom;
    r.error_name = e.name();
    r.args = std::move(*args);
    return r;
  }
  return r;
}

std::string RevertReason::to_string() const {
  switch (kind) {
    case Kind::kEmpty:
      return "reverted without data";
    case Kind::kMessage:
      return "reverted: " + quote(message);
    case Kind::kPanic:
      return "panic " + to_quantity(panic_code) + " (" + panic_meaning(panic_code) + ")";
    case Kind::kCustom: {
      std::string out = error_name + "(";
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (i) out += ", ";
        out += args[i].to_string();
      }
      return out + ")";
    }
    case Kind::kUnknown:
      if (data.size() < 4)
        return "reverted with " + std::to_string(data.size()) + " bytes of unrecognised data";
      return "reverted with unknown error " + to_hex(ByteView(data).first(4)) + " (" +
             std::to_string(data.size()) + " bytes)";
  }
  return "reverted";
}

}  // namespace wavs::eth
