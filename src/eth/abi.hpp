#pragma once
// The Solidity contract ABI: types parsed from signature strings, values, encoding and
// decoding, selectors, event topics, logs and revert data.
//
//   auto fn = AbiFunction::parse("transfer(address to, uint256 amount) returns (bool)");
//   Result<Bytes> calldata = fn->encode_call({AbiValue::address(to), AbiValue::uint(5)});
//   auto out = fn->decode_output(return_data);              // Result<std::vector<AbiValue>>
//
// Decoding treats its input as hostile: every offset and length is checked against the
// buffer before use, integers must fit their declared width, padding must be zero, and
// the decoded size is bounded by the input size (no allocation amplification through
// aliased offsets).

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "crypto/keys.hpp"
#include "eth/error.hpp"
#include "eth/uint256.hpp"

namespace wavs::eth {

using crypto::Address;
using Selector = FixedBytes<4>;

class AbiType {
 public:
  enum class Kind : std::uint8_t {
    kUint,
    kInt,
    kAddress,
    kBool,
    kFixedBytes,
    kBytes,
    kString,
    kArray,
    kFixedArray,
    kTuple
  };

  // One type: "uint256", "bytes32[]", "(address,bytes)[2]", "tuple(uint8,string)".
  // "uint"/"int" mean 256 bits. Nesting depth and fixed-array sizes are bounded.
  [[nodiscard]] static Result<AbiType> parse(std::string_view text);

  static AbiType uint(unsigned bits = 256) { return AbiType(Kind::kUint, bits); }
  // NOLINTNEXTLINE(readability-identifier-naming): 'int' is a keyword
  static AbiType int_(unsigned bits = 256) { return AbiType(Kind::kInt, bits); }
  static AbiType address() { return AbiType(Kind::kAddress, 0); }
  static AbiType boolean() { return AbiType(Kind::kBool, 0); }
  static AbiType fixed_bytes(std::size_t n) { return AbiType(Kind::kFixedBytes, n); }
  static AbiType bytes() { return AbiType(Kind::kBytes, 0); }
  static AbiType string() { return AbiType(Kind::kString, 0); }
  static AbiType array(AbiType element);
  static AbiType fixed_array(AbiType element, std::size_t length);
  static AbiType tuple(std::vector<AbiType> components);

  [[nodiscard]] Kind kind() const { return kind_; }
  // Bit width of uint/int, byte count of bytesN, length of T[k]; 0 otherwise.
  [[nodiscard]] std::size_t size() const { return n_; }
  // Element type of T[] and T[k].
  [[nodiscard]] const AbiType& element() const { return children_.front(); }
  // Components of a tuple.
  [[nodiscard]] const std::vector<AbiType>& components() const { return children_; }

  // Dynamic types are encoded out of line behind an offset.
  [[nodiscard]] bool is_dynamic() const;
  // Bytes this type occupies in the head of an enclosing tuple.
  [[nodiscard]] std::size_t head_size() const;
  // Canonical form, as hashed for selectors: "uint256", "(address,bytes)[]".
  [[nodiscard]] std::string to_string() const;

  bool operator==(const AbiType&) const = default;

 private:
  AbiType(Kind kind, std::size_t n) : kind_(kind), n_(n) {}
  Kind kind_ = Kind::kBool;
  std::size_t n_ = 0;
  std::vector<AbiType> children_;
};

// A value of some ABI type. Integers are U256 (uint<M>) or I256 (int<M>); address is
// an Address; bytesN and bytes are Bytes; arrays and tuples are lists of values.
class AbiValue {
 public:
  using List = std::vector<AbiValue>;
  using Storage = std::variant<bool, U256, I256, Address, Bytes, std::string, List>;

  AbiValue() = default;
  static AbiValue uint(U256 v) { return AbiValue(Storage(std::in_place_type<U256>, std::move(v))); }
  // NOLINTNEXTLINE(readability-identifier-naming): 'int' is a keyword
  static AbiValue int_(I256 v) { return AbiValue(Storage(std::in_place_type<I256>, std::move(v))); }
  static AbiValue address(const Address& a) { return AbiValue(Storage(a)); }
  static AbiValue boolean(bool b) { return AbiValue(Storage(b)); }
  static AbiValue bytes(Bytes b) { return AbiValue(Storage(std::move(b))); }
  static AbiValue bytes(ByteView b) { return AbiValue(Storage(Bytes(b.begin(), b.end()))); }
  static AbiValue string(std::string s) { return AbiValue(Storage(std::move(s))); }
  static AbiValue list(List items) { return AbiValue(Storage(std::move(items))); }

  [[nodiscard]] const Storage& storage() const { return v_; }
  // nullptr when the value holds another kind.
  template <class T>
  [[nodiscard]] const T* get_if() const {
    return std::get_if<T>(&v_);
  }

  // Typed accessors that fail with kAbiValue naming the actual kind.
  [[nodiscard]] Result<U256> as_uint() const;
  [[nodiscard]] Result<I256> as_int() const;
  [[nodiscard]] Result<Address> as_address() const;
  [[nodiscard]] Result<bool> as_bool() const;
  [[nodiscard]] Result<Bytes> as_bytes() const;
  [[nodiscard]] Result<std::string> as_string() const;
  [[nodiscard]] Result<List> as_list() const;

  // Human-readable: numbers in decimal, addresses EIP-55, bytes as 0x-hex, strings
  // quoted and escaped (cut at 1024 bytes); arrays and tuples both print as [a, b]
  // because a value does not know its type.
  [[nodiscard]] std::string to_string() const;

  bool operator==(const AbiValue&) const = default;

 private:
  explicit AbiValue(Storage v) : v_(std::move(v)) {}
  Storage v_;
};

// A value from text in cast's argument syntax, for command lines and configs:
// numbers in decimal or 0x-hex (int<M> may be negative), addresses as hex (mixed case
// must be EIP-55), true/false, bytes as 0x-hex, arrays as [a,b], tuples as (a,b).
// A top-level string is the text itself; inside brackets a string is either quoted
// ("a,b" with \" and \\ escapes) or runs to the next ',', ']' or ')'.
[[nodiscard]] Result<AbiValue> parse_abi_value(const AbiType& type, std::string_view text);

// abi.encode(values...) for a parameter list; the values must match the types.
[[nodiscard]] Result<Bytes> abi_encode(std::span<const AbiType> types, std::span<const AbiValue> values);
// abi.encode(value) of one value (a dynamic value starts with its 0x20 offset word).
[[nodiscard]] Result<Bytes> abi_encode(const AbiType& type, const AbiValue& value);
// Inverse of abi_encode; trailing bytes after the encoding are allowed (as Solidity does).
[[nodiscard]] Result<std::vector<AbiValue>> abi_decode(std::span<const AbiType> types, ByteView data);
[[nodiscard]] Result<AbiValue> abi_decode(const AbiType& type, ByteView data);

// A named, optionally indexed parameter of a function, event or error signature.
struct AbiParam {
  AbiType type;
  std::string name;
  bool indexed = false;
};

// "name(type [name], ...)" → name and parameters. Accepts Solidity-style declarations:
// parameter names, "indexed", data locations (memory, calldata, storage) are skipped.
struct AbiSignature {
  std::string name;
  std::vector<AbiParam> params;

  [[nodiscard]] static Result<AbiSignature> parse(std::string_view text);
  [[nodiscard]] std::vector<AbiType> types() const;
  // "name(type,type)": what selectors and topics hash.
  [[nodiscard]] std::string canonical() const;
};

// keccak256(canonical)[0:4] / keccak256(canonical) of a signature string such as
// "handleSignedEnvelope((bytes20,bytes12,bytes),(address[],bytes[],uint32))".
[[nodiscard]] Result<Selector> selector(std::string_view signature);
[[nodiscard]] Result<Hash256> event_topic(std::string_view signature);

class AbiFunction {
 public:
  // "f(uint256 a, bytes b)" or "f(uint256) returns (bool)" (also "(bool)" after a space
  // or a colon, as cast writes "f(uint256)(bool)").
  [[nodiscard]] static Result<AbiFunction> parse(std::string_view text);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::vector<AbiParam>& inputs() const { return inputs_; }
  [[nodiscard]] const std::vector<AbiParam>& outputs() const { return outputs_; }
  [[nodiscard]] const Selector& selector() const { return selector_; }
  [[nodiscard]] std::string canonical() const;

  // selector ‖ abi.encode(args).
  [[nodiscard]] Result<Bytes> encode_call(std::span<const AbiValue> args) const;
  // Checks the selector, then decodes the arguments.
  [[nodiscard]] Result<std::vector<AbiValue>> decode_call(ByteView calldata) const;
  [[nodiscard]] Result<std::vector<AbiValue>> decode_output(ByteView data) const;

 private:
  std::string name_;
  std::vector<AbiParam> inputs_;
  std::vector<AbiParam> outputs_;
  Selector selector_;
};

class AbiEvent {
 public:
  // "Transfer(address indexed from, address indexed to, uint256 value)"; a trailing
  // " anonymous" marks an anonymous event (no topic0).
  [[nodiscard]] static Result<AbiEvent> parse(std::string_view text);

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::vector<AbiParam>& params() const { return params_; }
  [[nodiscard]] const Hash256& topic0() const { return topic0_; }
  [[nodiscard]] bool anonymous() const { return anonymous_; }

  // Values in declaration order. Indexed parameters of dynamic type (string, bytes,
  // arrays, tuples) are stored as their topic: the 32-byte hash, as a bytes32 value.
  [[nodiscard]] Result<std::vector<AbiValue>> decode_log(std::span<const Hash256> topics,
                                                         ByteView data) const;
  // The topics and data a contract would emit for these values (for tests and mocks).
  [[nodiscard]] Result<std::pair<std::vector<Hash256>, Bytes>> encode_log(
      std::span<const AbiValue> values) const;

 private:
  std::string name_;
  std::vector<AbiParam> params_;
  Hash256 topic0_;
  bool anonymous_ = false;
};

// A custom Solidity error, e.g. "InsufficientQuorum(uint256,uint256,uint256)".
class AbiError {
 public:
  [[nodiscard]] static Result<AbiError> parse(std::string_view text);
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::vector<AbiParam>& params() const { return params_; }
  [[nodiscard]] const Selector& selector() const { return selector_; }
  [[nodiscard]] Result<Bytes> encode(std::span<const AbiValue> args) const;

 private:
  std::string name_;
  std::vector<AbiParam> params_;
  Selector selector_;
};

// What a reverted call returned, decoded.
struct RevertReason {
  enum class Kind : std::uint8_t {
    kEmpty,    // no data: revert() or require(false) without message, or out of gas
    kMessage,  // Error(string)
    kPanic,    // Panic(uint256): assert, overflow, division by zero...
    kCustom,   // one of the custom errors given to decode_revert
    kUnknown   // a selector nobody told us about, or undecodable data
  };
  Kind kind = Kind::kEmpty;
  std::string message;         // kMessage: the string
  U256 panic_code;             // kPanic
  std::string error_name;      // kCustom
  std::vector<AbiValue> args;  // kCustom
  Bytes data;                  // the raw revert data

  // "reverted: <msg>", "panic 0x11 (arithmetic overflow)", "InsufficientQuorum(1, 2, 3)".
  [[nodiscard]] std::string to_string() const;
};

[[nodiscard]] RevertReason decode_revert(ByteView data, std::span<const AbiError> known_errors = {});

}  // namespace wavs::eth
