#include "component/trigger.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/json_text.hpp"
#include "common/utf8.hpp"
#include "crypto/hash.hpp"
#include "service/manifest.hpp"

namespace wavs::component {
namespace {

using Json = nlohmann::json;

// nlohmann's dump() and copies recurse per level, and a document this deep is never a
// real trigger, so depth is capped before anything walks the tree.
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxDocumentBytes = std::size_t{16} << 20;
constexpr std::size_t kMaxQuoted = 40;
constexpr std::size_t kMaxTopics = 4;
constexpr std::size_t kMaxSaltBytes = 64;

constexpr std::array<std::string_view, 4> kVariantNames = {"evm_contract_event", "block_interval", "cron", "raw"};

Error bad(const std::string& path, std::string detail) {
  return Error(ComponentErrc::kBadTrigger, path + ": " + std::move(detail));
}

// Input text for an error detail: bounded, and with control bytes escaped so a
// detail stays one readable line.
std::string shown(std::string_view text) { return quoted_excerpt(text, kMaxQuoted); }

// ---- Text-level checks that run before nlohmann sees the document.

Status check_depth(std::string_view text) {
  if (auto at = json_too_deep(text, kMaxDepth)) {
    return Error(ComponentErrc::kBadTrigger, "document nested deeper than " + std::to_string(kMaxDepth) +
                                                 " levels at byte offset " + std::to_string(*at));
  }
  return {};
}

// nlohmann's what() minus its "[json.exception...]" prefix (up to `separator`), bounded:
// the reason quotes the last token read, which can be as long as the document.
std::string parser_reason(std::string what, std::string_view separator) {
  if (auto at = what.find(separator); at != std::string::npos) what.erase(0, at + separator.size());
  if (what.size() > 160) what = what.substr(0, 160) + "...";
  return what;
}

Result<Json> parse_document(std::string_view text) {
  if (text.size() > kMaxDocumentBytes) {
    return Error(ComponentErrc::kBadTrigger, "document is " + std::to_string(text.size()) +
                                                 " bytes, over the limit of " +
                                                 std::to_string(kMaxDocumentBytes) + " (16 MiB)");
  }
  if (auto depth = check_depth(text); !depth) return depth.error();
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // what() is "[json.exception.parse_error.101] parse error at line 1, column 5: <why>";
    // the line/column restate the byte offset, so only <why> is kept. nlohmann's `byte`
    // counts characters read, 1-based; report a 0-based offset like the rest of the project.
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return Error(ComponentErrc::kBadTrigger,
                 "invalid JSON at byte offset " + std::to_string(offset) + ": " + parser_reason(e.what(), ": "));
  } catch (const Json::exception& e) {
    // A number too large even for a double ("1e400") is out_of_range, which carries no
    // offset; its reason names the number.
    return Error(ComponentErrc::kBadTrigger, "invalid JSON: " + parser_reason(e.what(), "] "));
  }
}

// ---- Field readers. `path` is the JSON path of `value`, for error details.

const Json* member(const Json& object, const char* key) {
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

Result<const Json*> require(const Json& object, const std::string& path, const char* key) {
  const Json* value = member(object, key);
  if (value == nullptr) return bad(path + "." + key, "missing");
  return value;
}

Status expect_object(const Json& value, const std::string& path) {
  if (!value.is_object()) return bad(path, std::string("expected an object, got ") + value.type_name());
  return {};
}

Result<std::string> read_string(const Json& value, const std::string& path) {
  if (!value.is_string()) return bad(path, std::string("expected a string, got ") + value.type_name());
  return value.get<std::string>();
}

Result<Bytes> read_bytes(const Json& value, const std::string& path) {
  if (!value.is_string()) return bad(path, std::string("expected a 0x-hex string, got ") + value.type_name());
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    return bad(path, "expected a 0x-prefixed hex string, got " + shown(text));
  }
  auto bytes = from_hex(text);
  if (!bytes) {
    if (bytes.error().is(CommonErrc::kHexOddLength)) {
      return bad(path, "odd number of hex digits (" + std::to_string(text.size() - 2) + ")");
    }
    return bad(path, "bad hex digit " + bytes.error().detail());
  }
  return std::move(*bytes);
}

template <std::size_t N>
Result<FixedBytes<N>> read_fixed(const Json& value, const std::string& path) {
  auto bytes = read_bytes(value, path);
  if (!bytes) return bytes.error();
  auto fixed = FixedBytes<N>::from_view(*bytes);
  if (!fixed) return bad(path, fixed.error().detail());
  return *fixed;
}

Result<chain::Address> read_address(const Json& value, const std::string& path) {
  auto fixed = read_fixed<20>(value, path);
  if (!fixed) return fixed.error();
  return chain::Address(*fixed);
}

// Digits of `text` in `base` (10 or 16) as a u64, or nullopt on overflow. `text` is
// non-empty and all digits.
std::optional<std::uint64_t> digits_to_u64(std::string_view text, unsigned base) {
  std::uint64_t out = 0;
  for (char c : text) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else {
      digit = static_cast<unsigned>(c - 'A' + 10);
    }
    if (out > (UINT64_MAX - digit) / base) return std::nullopt;
    out = out * base + digit;
  }
  return out;
}

// The canonical form is a decimal string; JSON integers and "0x…" strings are accepted
// because hand-written documents use them.
Result<std::uint64_t> read_u64(const Json& value, const std::string& path) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer()) {
    const auto signed_value = value.get<std::int64_t>();
    if (signed_value >= 0) return static_cast<std::uint64_t>(signed_value);
    return bad(path, "negative number " + std::to_string(signed_value));
  }
  if (value.is_number_float()) {
    // nlohmann stores integers beyond u64 as doubles too, so this covers overflow.
    return bad(path, "expected an integer that fits in 64 bits, got " + value.dump());
  }
  if (!value.is_string()) {
    return bad(path, std::string("expected a decimal string, got ") + value.type_name());
  }
  const auto& text = value.get_ref<const std::string&>();
  const bool hex = text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string_view digits = std::string_view(text).substr(hex ? 2 : 0);
  const bool well_formed =
      !digits.empty() && std::all_of(digits.begin(), digits.end(), [hex](char c) {
        return hex ? is_hex_digit(c) : (c >= '0' && c <= '9');
      });
  if (!well_formed) {
    return bad(path, std::string(hex ? "expected 0x-hex digits" : "expected a decimal string") + ", got " +
                         shown(text));
  }
  auto number = digits_to_u64(digits, hex ? 16 : 10);
  if (!number) return bad(path, shown(text) + " does not fit in 64 bits");
  return *number;
}

// The manifest's rule; which chains exist is the node's business, not the document's.
Result<service::ChainKey> read_chain(const Json& value, const std::string& path) {
  auto text = read_string(value, path);
  if (!text) return text.error();
  auto key = service::parse_chain_key(*text);
  if (!key) {
    return bad(path,
               "expected a chain key \"namespace:id\" (namespace [a-z0-9-]{1,32}, id [A-Za-z0-9_.-]{1,64}, "
               "decimal for evm), got " +
                   shown(*text));
  }
  return std::move(*key);
}

// Reads `key` of `object` with `read`, naming `path.key` in errors.
template <class Read>
auto field(const Json& object, const std::string& path, const char* key, Read read)
    -> decltype(read(object, path)) {
  auto value = require(object, path, key);
  if (!value) return value.error();
  return read(**value, path + "." + key);
}

// Assigns a Result's value or returns its error.
#define WAVS_TRY_ASSIGN(target, expr)          \
  do {                                         \
    auto wavs_try_ = (expr);                   \
    if (!wavs_try_) return wavs_try_.error();  \
    target = std::move(*wavs_try_);            \
  } while (false)

Result<EvmContractEvent> read_evm_event(const Json& value, const std::string& path) {
  if (auto ok = expect_object(value, path); !ok) return ok.error();
  EvmContractEvent event;
  WAVS_TRY_ASSIGN(event.chain, field(value, path, "chain", read_chain));
  auto log_value = require(value, path, "log");
  if (!log_value) return log_value.error();
  const Json& log = **log_value;
  const std::string log_path = path + ".log";
  if (auto ok = expect_object(log, log_path); !ok) return ok.error();

  WAVS_TRY_ASSIGN(event.log.address, field(log, log_path, "address", read_address));
  auto topics_value = require(log, log_path, "topics");
  if (!topics_value) return topics_value.error();
  const Json& topics = **topics_value;
  const std::string topics_path = log_path + ".topics";
  if (!topics.is_array()) return bad(topics_path, std::string("expected an array, got ") + topics.type_name());
  if (topics.size() > kMaxTopics) {
    return bad(topics_path, std::to_string(topics.size()) + " topics, at most " + std::to_string(kMaxTopics) +
                                " allowed");
  }
  for (std::size_t i = 0; i < topics.size(); ++i) {
    auto topic = read_fixed<32>(topics[i], topics_path + "[" + std::to_string(i) + "]");
    if (!topic) return topic.error();
    event.log.topics.push_back(*topic);
  }
  WAVS_TRY_ASSIGN(event.log.data, field(log, log_path, "data", read_bytes));
  WAVS_TRY_ASSIGN(event.log.tx_hash, field(log, log_path, "tx_hash", read_fixed<32>));
  WAVS_TRY_ASSIGN(event.log.block_number, field(log, log_path, "block_number", read_u64));
  WAVS_TRY_ASSIGN(event.log.block_hash, field(log, log_path, "block_hash", read_fixed<32>));
  WAVS_TRY_ASSIGN(event.log.log_index, field(log, log_path, "log_index", read_u64));
  WAVS_TRY_ASSIGN(event.log.tx_index, field(log, log_path, "tx_index", read_u64));
  return event;
}

Result<BlockInterval> read_block_interval(const Json& value, const std::string& path) {
  if (auto ok = expect_object(value, path); !ok) return ok.error();
  BlockInterval interval;
  WAVS_TRY_ASSIGN(interval.chain, field(value, path, "chain", read_chain));
  WAVS_TRY_ASSIGN(interval.block_height, field(value, path, "block_height", read_u64));
  return interval;
}

Result<Cron> read_cron(const Json& value, const std::string& path) {
  if (auto ok = expect_object(value, path); !ok) return ok.error();
  Cron cron;
  WAVS_TRY_ASSIGN(cron.trigger_time, field(value, path, "trigger_time", read_u64));
  return cron;
}

Result<TriggerData> read_trigger_data(const Json& value, const std::string& path) {
  if (auto ok = expect_object(value, path); !ok) return ok.error();
  std::string found;
  int count = 0;
  for (auto name : kVariantNames) {
    if (value.contains(name)) {
      found += (count++ ? ", " : "") + std::string(name);
    }
  }
  if (count == 0) {
    return bad(path, "no trigger variant (expected one of evm_contract_event, block_interval, cron, raw)");
  }
  if (count > 1) return bad(path, "more than one trigger variant (" + found + ")");

  if (const Json* v = member(value, "evm_contract_event")) {
    auto event = read_evm_event(*v, path + ".evm_contract_event");
    if (!event) return event.error();
    return TriggerData(std::move(*event));
  }
  if (const Json* v = member(value, "block_interval")) {
    auto interval = read_block_interval(*v, path + ".block_interval");
    if (!interval) return interval.error();
    return TriggerData(std::move(*interval));
  }
  if (const Json* v = member(value, "cron")) {
    auto cron = read_cron(*v, path + ".cron");
    if (!cron) return cron.error();
    return TriggerData(*cron);
  }
  auto raw = read_bytes(value.at("raw"), path + ".raw");
  if (!raw) return raw.error();
  return TriggerData(Raw{std::move(*raw)});
}

#undef WAVS_TRY_ASSIGN

void append_u64_be(Bytes& out, std::uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

void append_u32_be(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
}

void append(Bytes& out, ByteView bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

// u32 length ‖ bytes: the table's str(x) and bytes(x).
void append_sized(Bytes& out, ByteView bytes) {
  append_u32_be(out, static_cast<std::uint32_t>(bytes.size()));
  append(out, bytes);
}

Result<eth::EventId> hash_event(const Hash256& service_id, std::string_view workflow_id, std::uint8_t tag,
                                ByteView tail) {
  if (auto ok = check_workflow_id(workflow_id); !ok) return ok.error();
  Bytes preimage;
  preimage.reserve(32 + 1 + workflow_id.size() + 1 + tail.size());
  append(preimage, service_id.view());
  preimage.push_back(static_cast<std::uint8_t>(workflow_id.size()));
  append(preimage, as_bytes(workflow_id));
  preimage.push_back(tag);
  append(preimage, tail);
  return crypto::ripemd160(preimage);
}

}  // namespace

std::string_view variant_name(const TriggerData& data) { return kVariantNames.at(data.index()); }

Status check_workflow_id(std::string_view workflow_id) {
  if (!service::valid_workflow_id(workflow_id)) {
    return Error(ComponentErrc::kInvalid,
                 "workflow id " + shown(workflow_id) + " must be 3-36 characters of [a-z0-9_-]");
  }
  return {};
}

Result<TriggerData> parse_trigger_data(std::string_view json) {
  auto doc = parse_document(json);
  if (!doc) return doc.error();
  return read_trigger_data(*doc, "data");
}

Result<TriggerAction> parse_trigger_action(std::string_view json) {
  auto doc = parse_document(json);
  if (!doc) return doc.error();
  if (auto ok = expect_object(*doc, "document"); !ok) return ok.error();
  auto config_value = require(*doc, "document", "config");
  if (!config_value) return bad("config", "missing");
  const Json& config = **config_value;
  if (auto ok = expect_object(config, "config"); !ok) return ok.error();

  TriggerAction action;
  auto service_text = field(config, "config", "service_id", read_string);
  if (!service_text) return service_text.error();
  std::string_view hex = *service_text;
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), is_hex_digit)) {
    return bad("config.service_id", "expected 64 hex digits, got " + shown(*service_text));
  }
  action.service_id = *Hash256::from_hex(hex);

  auto workflow_id = field(config, "config", "workflow_id", read_string);
  if (!workflow_id) return workflow_id.error();
  if (auto ok = check_workflow_id(*workflow_id); !ok) return bad("config.workflow_id", ok.error().detail());
  action.workflow_id = std::move(*workflow_id);

  if (const Json* trigger = member(config, "trigger")) {
    // The manifest's reader is the one rule for a trigger; it reads text, and the
    // subtree is small next to the document.
    auto parsed = service::parse_trigger(trigger->dump(-1, ' ', false, Json::error_handler_t::replace),
                                         "config.trigger");
    if (!parsed) return Error(ComponentErrc::kBadTrigger, parsed.error().detail());
    action.trigger = std::move(*parsed);
  }

  auto data_value = require(*doc, "document", "data");
  if (!data_value) return bad("data", "missing");
  auto data = read_trigger_data(**data_value, "data");
  if (!data) return data.error();
  action.data = std::move(*data);
  return action;
}

std::string to_json(const TriggerData& data) {
  struct Encoder {
    std::string operator()(const EvmContractEvent& e) const {
      std::string topics;
      for (const auto& topic : e.log.topics) {
        topics += (topics.empty() ? "\"" : ",\"") + topic.hex() + "\"";
      }
      return R"({"evm_contract_event":{"chain":)" + json_quote(e.chain.str()) + R"(,"log":{"address":")" +
             e.log.address.hex() + R"(","topics":[)" + topics + R"(],"data":")" + to_hex(e.log.data) +
             R"(","tx_hash":")" + e.log.tx_hash.hex() + R"(","block_number":")" +
             std::to_string(e.log.block_number) + R"(","block_hash":")" + e.log.block_hash.hex() +
             R"(","log_index":")" + std::to_string(e.log.log_index) + R"(","tx_index":")" +
             std::to_string(e.log.tx_index) + R"("}}})";
    }
    std::string operator()(const BlockInterval& b) const {
      return R"({"block_interval":{"chain":)" + json_quote(b.chain.str()) + R"(,"block_height":")" +
             std::to_string(b.block_height) + R"("}})";
    }
    std::string operator()(const Cron& c) const {
      return R"({"cron":{"trigger_time":")" + std::to_string(c.trigger_time) + R"("}})";
    }
    std::string operator()(const Raw& r) const { return R"({"raw":")" + to_hex(r.data) + R"("})"; }
  };
  return std::visit(Encoder{}, data);
}

std::string to_json(const TriggerAction& action) {
  return R"({"config":{"service_id":")" + action.service_id.hex(HexPrefix::kNone) + R"(","workflow_id":)" +
         json_quote(action.workflow_id) + R"(,"trigger":)" + service::trigger_to_json(action.trigger) +
         R"(},"data":)" + to_json(action.data) + "}";
}

Bytes canonical_encoding(const TriggerData& data) {
  struct Encoder {
    Bytes operator()(const EvmContractEvent& e) const {
      Bytes out{0x01};
      append_sized(out, as_bytes(e.chain.str()));
      append(out, e.log.address.view());
      // Documents carry at most 4 topics; a hand-built log with more still encodes
      // deterministically.
      out.push_back(static_cast<std::uint8_t>(e.log.topics.size()));
      for (const auto& topic : e.log.topics) append(out, topic.view());
      append_sized(out, e.log.data);
      append(out, e.log.tx_hash.view());
      append_u64_be(out, e.log.block_number);
      append(out, e.log.block_hash.view());
      append_u64_be(out, e.log.log_index);
      append_u64_be(out, e.log.tx_index);
      return out;
    }
    Bytes operator()(const BlockInterval& b) const {
      Bytes out{0x02};
      append_sized(out, as_bytes(b.chain.str()));
      append_u64_be(out, b.block_height);
      return out;
    }
    Bytes operator()(const Cron& c) const {
      Bytes out{0x03};
      append_u64_be(out, c.trigger_time);
      return out;
    }
    Bytes operator()(const Raw& r) const {
      Bytes out{0x04};
      append_sized(out, r.data);
      return out;
    }
  };
  return std::visit(Encoder{}, data);
}

Result<eth::EventId> event_id(const Hash256& service_id, std::string_view workflow_id,
                              const TriggerData& data) {
  return hash_event(service_id, workflow_id, 0x00, canonical_encoding(data));
}

Result<eth::EventId> event_id_salted(const Hash256& service_id, std::string_view workflow_id, ByteView salt) {
  if (salt.empty() || salt.size() > kMaxSaltBytes) {
    return Error(ComponentErrc::kInvalid,
                 "salt is " + std::to_string(salt.size()) + " bytes; it must be 1-" + std::to_string(kMaxSaltBytes));
  }
  return hash_event(service_id, workflow_id, 0x01, salt);
}

}  // namespace wavs::component
