#include "node/signer.hpp"

#include <charconv>
#include <map>
#include <mutex>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "common/json_text.hpp"
#include "crypto/hd.hpp"

namespace wavs::node {
namespace {

using Json = nlohmann::json;

// The BIP-44 account every key is a child of; one derivation step per key after that.
constexpr std::string_view kAccountPath = "m/44'/60'/0'/0";
// Keys kept derived; a node has one per service, `wavs keys --up-to` may ask for more.
constexpr std::size_t kMaxCachedKeys = 4096;
constexpr int kMaxPacketDepth = 16;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

Error bad(std::string_view path, std::string_view what) {
  return Error(NodeErrc::kBadPacket, std::string(path) + ": " + std::string(what));
}

std::string join(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

// Reads the members of one JSON object, naming them by path in errors.
class Reader {
 public:
  Reader(const Json& object, std::string path) : object_(object), path_(std::move(path)) {}

  [[nodiscard]] const Json* find(std::string_view key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &*it;
  }
  [[nodiscard]] std::string path(std::string_view key) const { return join(path_, key); }

  [[nodiscard]] Result<std::string> string(std::string_view key) const {
    const Json* v = find(key);
    if (v == nullptr) return bad(path(key), "missing");
    if (!v->is_string()) return bad(path(key), "expected a string");
    return v->get<std::string>();
  }
  [[nodiscard]] Result<const Json*> object(std::string_view key) const {
    const Json* v = find(key);
    if (v == nullptr) return bad(path(key), "missing");
    if (!v->is_object()) return bad(path(key), "expected an object");
    return v;
  }
  [[nodiscard]] Result<Bytes> hex(std::string_view key) const {
    auto text = string(key);
    if (!text) return text.error();
    if (text->rfind("0x", 0) != 0) return bad(path(key), "expected 0x-prefixed hex");
    auto bytes = from_hex(*text);
    if (!bytes) return bad(path(key), bytes.error().detail());
    return bytes;
  }
  template <std::size_t N>
  [[nodiscard]] Result<FixedBytes<N>> fixed(std::string_view key) const {
    auto bytes = hex(key);
    if (!bytes) return bytes.error();
    if (bytes->size() != N) return bad(path(key), "expected " + std::to_string(N) + " bytes of 0x-hex");
    return *FixedBytes<N>::from_view(*bytes);
  }
  // A decimal string (what to_json writes) or a JSON unsigned integer.
  [[nodiscard]] Result<std::optional<std::uint64_t>> optional_u64(std::string_view key) const {
    const Json* v = find(key);
    if (v == nullptr || v->is_null()) return std::optional<std::uint64_t>{};
    if (v->is_number_unsigned()) return std::optional<std::uint64_t>{v->get<std::uint64_t>()};
    if (!v->is_string()) return bad(path(key), "expected a decimal string");
    const auto& s = v->get_ref<const std::string&>();
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
      return bad(path(key), "expected a decimal integer below 2^64");
    }
    return std::optional<std::uint64_t>{value};
  }

 private:
  const Json& object_;
  std::string path_;
};

Result<crypto::Address> read_address(const Reader& r, std::string_view key) {
  auto text = r.string(key);
  if (!text) return text.error();
  auto address = crypto::Address::from_hex(*text);
  if (!address) return bad(r.path(key), address.error().message());
  return address;
}

Result<service::ChainKey> read_chain(const Reader& r, std::string_view key) {
  auto text = r.string(key);
  if (!text) return text.error();
  auto chain = service::parse_chain_key(*text);
  if (!chain) return bad(r.path(key), chain.error().message());
  return chain;
}

std::string u64_text(std::uint64_t v) { return json_quote(std::to_string(v)); }

}  // namespace

PacketOrigin origin_of(const component::TriggerData& data) {
  PacketOrigin o;
  o.kind = std::string(component::variant_name(data));
  std::visit(Overloaded{[&](const component::EvmContractEvent& e) {
                          o.chain = e.chain;
                          o.block_number = e.log.block_number;
                          o.tx_hash = e.log.tx_hash;
                          o.log_index = e.log.log_index;
                        },
                        [&](const component::BlockInterval& b) {
                          o.chain = b.chain;
                          o.block_number = b.block_height;
                        },
                        [&](const component::Cron& c) { o.trigger_time = c.trigger_time; },
                        [](const component::Raw&) {}},
             data);
  return o;
}

Status Packet::verify() const {
  if (service::service_id(service_manager) != service_id) {
    return bad("service_id", "does not match service_manager");
  }
  if (!crypto::verify(envelope.signed_hash(), signature, signer)) {
    return bad("signature", "does not recover to signer " + signer.to_checksum() + " for this envelope");
  }
  return {};
}

std::string to_json(const Packet& p) {
  std::string out;
  out.reserve(512 + 2 * p.envelope.payload.size());
  out += "{\"service_id\":" + json_quote(p.service_id.hex(HexPrefix::kNone));
  out += ",\"service_manager\":{\"evm\":{\"chain\":" + json_quote(p.service_manager.chain.str()) +
         ",\"address\":" + json_quote(p.service_manager.address.hex()) + "}}";
  out += ",\"workflow_id\":" + json_quote(p.workflow_id);
  out += ",\"envelope\":{\"event_id\":" + json_quote(p.envelope.event_id.hex()) +
         ",\"ordering\":" + json_quote(p.envelope.ordering.hex()) +
         ",\"payload\":" + json_quote(to_hex(p.envelope.payload)) + "}";
  out += ",\"signature\":" + json_quote(p.signature.hex());
  out += ",\"signer\":" + json_quote(p.signer.to_checksum());
  const PacketOrigin& o = p.origin;
  out += ",\"origin\":{\"kind\":" + json_quote(o.kind);
  if (o.chain) out += ",\"chain\":" + json_quote(o.chain->str());
  if (o.block_number) out += ",\"block_number\":" + u64_text(*o.block_number);
  if (o.tx_hash) out += ",\"tx_hash\":" + json_quote(o.tx_hash->hex());
  if (o.log_index) out += ",\"log_index\":" + u64_text(*o.log_index);
  if (o.trigger_time) out += ",\"trigger_time\":" + u64_text(*o.trigger_time);
  out += "}}";
  return out;
}

Result<Packet> parse_packet(std::string_view text) {
  if (auto at = json_too_deep(text, kMaxPacketDepth)) {
    return bad("(document)", "nested deeper than " + std::to_string(kMaxPacketDepth) +
                                 " levels at byte offset " + std::to_string(*at));
  }
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return bad("(document)", "invalid JSON at byte offset " + std::to_string(e.byte > 0 ? e.byte - 1 : 0));
  } catch (const Json::exception&) {
    return bad("(document)", "invalid JSON");
  }
  if (!doc.is_object()) return bad("(document)", "expected a JSON object");
  Reader r(doc, "");
  Packet p;

  auto id = r.string("service_id");
  if (!id) return id.error();
  auto id_hash = Hash256::from_hex(*id);
  if (!id_hash || id->size() != 64) return bad("service_id", "expected 64 hex digits without 0x");
  p.service_id = *id_hash;

  auto manager = r.object("service_manager");
  if (!manager) return manager.error();
  Reader mr(**manager, "service_manager");
  auto evm = mr.object("evm");
  if (!evm) return evm.error();
  Reader er(**evm, "service_manager.evm");
  auto chain = read_chain(er, "chain");
  if (!chain) return chain.error();
  auto manager_address = read_address(er, "address");
  if (!manager_address) return manager_address.error();
  p.service_manager = {*chain, service::Address(*manager_address)};

  auto workflow = r.string("workflow_id");
  if (!workflow) return workflow.error();
  if (!service::valid_workflow_id(*workflow)) return bad("workflow_id", "expected [a-z0-9_-]{3,36}");
  p.workflow_id = *workflow;

  auto envelope = r.object("envelope");
  if (!envelope) return envelope.error();
  Reader vr(**envelope, "envelope");
  auto event_id = vr.fixed<20>("event_id");
  if (!event_id) return event_id.error();
  auto ordering = vr.fixed<12>("ordering");
  if (!ordering) return ordering.error();
  auto payload = vr.hex("payload");
  if (!payload) return payload.error();
  p.envelope = {*event_id, *ordering, std::move(*payload)};

  auto signature = r.hex("signature");
  if (!signature) return signature.error();
  auto sig = crypto::Signature::from_view(*signature);
  if (!sig) return bad("signature", sig.error().message());
  p.signature = *sig;
  auto signer = read_address(r, "signer");
  if (!signer) return signer.error();
  p.signer = *signer;

  auto origin = r.object("origin");
  if (!origin) return origin.error();
  Reader orr(**origin, "origin");
  auto kind = orr.string("kind");
  if (!kind) return kind.error();
  if (*kind != "evm_contract_event" && *kind != "block_interval" && *kind != "cron" && *kind != "raw") {
    return bad("origin.kind", "expected evm_contract_event, block_interval, cron or raw");
  }
  p.origin.kind = *kind;
  if (orr.find("chain") != nullptr) {
    auto c = read_chain(orr, "chain");
    if (!c) return c.error();
    p.origin.chain = *c;
  }
  if (orr.find("tx_hash") != nullptr) {
    auto h = orr.fixed<32>("tx_hash");
    if (!h) return h.error();
    p.origin.tx_hash = *h;
  }
  for (auto [key, field] : {std::pair{"block_number", &PacketOrigin::block_number},
                            std::pair{"log_index", &PacketOrigin::log_index},
                            std::pair{"trigger_time", &PacketOrigin::trigger_time}}) {
    auto v = orr.optional_u64(key);
    if (!v) return v.error();
    p.origin.*field = *v;
  }
  return p;
}

struct Signer::Impl {
  explicit Impl(crypto::HdKey account_key) : account(std::move(account_key)) {}
  crypto::HdKey account;  // m/44'/60'/0'/0
  crypto::Address operator_address;
  mutable std::mutex mu;
  mutable std::map<std::uint32_t, crypto::PrivateKey> keys;
};

Signer::Signer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Signer::Signer(Signer&&) noexcept = default;
Signer& Signer::operator=(Signer&&) noexcept = default;
Signer::~Signer() = default;

Result<Signer> Signer::from_mnemonic(const Secret& mnemonic) {
  if (mnemonic.empty()) {
    return Error(NodeErrc::kNoMnemonic,
                 "signing_mnemonic is not set (wavs.toml [wavs] or WAVS_SIGNING_MNEMONIC)");
  }
  auto phrase = crypto::Mnemonic::parse(mnemonic.reveal());
  if (!phrase) return phrase.error().with_context("signing_mnemonic");
  auto master = crypto::HdKey::from_seed(phrase->to_seed());
  if (!master) return master.error();
  auto path = crypto::DerivationPath::parse(kAccountPath);
  if (!path) return path.error();
  auto account = master->derive(*path);
  if (!account) return account.error();
  Signer signer(std::make_unique<Impl>(std::move(*account)));
  auto op = signer.key(0);
  if (!op) return op.error();
  signer.impl_->operator_address = op->address();
  return signer;
}

std::string Signer::path(std::uint32_t index) {
  return std::string(kAccountPath) + "/" + std::to_string(index);
}

Result<crypto::PrivateKey> Signer::key(std::uint32_t index) const {
  if (index > kMaxIndex) {
    return Error(NodeErrc::kBadIndex,
                 "HD index " + std::to_string(index) + " is above " + std::to_string(kMaxIndex));
  }
  std::lock_guard lock(impl_->mu);
  if (auto it = impl_->keys.find(index); it != impl_->keys.end()) return it->second;
  auto child = impl_->account.child(index);
  if (!child) return child.error().with_context("HD index " + std::to_string(index));
  if (impl_->keys.size() < kMaxCachedKeys) impl_->keys.emplace(index, child->private_key());
  return child->private_key();
}

const crypto::Address& Signer::operator_address() const { return impl_->operator_address; }

Result<crypto::Address> Signer::address(std::uint32_t index) const {
  auto k = key(index);
  if (!k) return k.error();
  return k->address();
}

Result<Packet> Signer::sign(const SignRequest& request) const {
  if (request.hd_index == 0) {
    return Error(NodeErrc::kBadIndex,
                 "HD index 0 is the operator's own key; services sign with index 1 and up");
  }
  if (!service::valid_workflow_id(request.workflow_id)) {
    return bad("workflow_id", "expected [a-z0-9_-]{3,36}");
  }
  auto k = key(request.hd_index);
  if (!k) return k.error();
  Packet p;
  p.service_id = service::service_id(request.service_manager);
  p.service_manager = request.service_manager;
  p.workflow_id = request.workflow_id;
  p.envelope = {request.event_id, request.ordering, request.payload};
  p.signature = p.envelope.sign(*k);
  p.signer = k->address();
  p.origin = request.origin;
  return p;
}

Result<Secret> Signer::reveal_private_key(std::uint32_t index) const {
  auto k = key(index);
  if (!k) return k.error();
  return k->reveal_hex();
}

std::string Signer::to_string() const {
  return "Signer(operator " + impl_->operator_address.to_checksum() + ")";
}

}  // namespace wavs::node
