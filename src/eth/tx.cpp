#include "eth/tx.hpp"

#include "crypto/hash.hpp"
#include "eth/error.hpp"
#include "eth/rlp.hpp"

namespace wavs::eth {
namespace {

void put(Bytes& out, const Bytes& encoded) { out.insert(out.end(), encoded.begin(), encoded.end()); }

void put_to(Bytes& out, const std::optional<crypto::Address>& to) {
  put(out, to ? rlp::encode_string(to->view()) : rlp::encode_string({}));
}

Bytes encode_access_list(const std::vector<AccessListEntry>& list) {
  Bytes entries;
  for (const auto& e : list) {
    Bytes keys;
    for (const auto& k : e.storage_keys) put(keys, rlp::encode_string(k.view()));
    Bytes entry;
    put(entry, rlp::encode_string(e.address.view()));
    put(entry, rlp::encode_list_payload(keys));
    put(entries, rlp::encode_list_payload(entry));
  }
  return rlp::encode_list_payload(entries);
}

Bytes eip1559_fields(const Eip1559Tx& tx) {
  Bytes f;
  put(f, rlp::encode_uint(tx.chain_id));
  put(f, rlp::encode_uint(tx.nonce));
  put(f, rlp::encode_uint(tx.max_priority_fee_per_gas));
  put(f, rlp::encode_uint(tx.max_fee_per_gas));
  put(f, rlp::encode_uint(tx.gas_limit));
  put_to(f, tx.to);
  put(f, rlp::encode_uint(tx.value));
  put(f, rlp::encode_string(tx.data));
  put(f, encode_access_list(tx.access_list));
  return f;
}

void put_signature(Bytes& f, const U256& v, const crypto::Signature& sig) {
  put(f, rlp::encode_uint(v));
  put(f, rlp::encode_uint(*u256_from_be(sig.r().view())));
  put(f, rlp::encode_uint(*u256_from_be(sig.s().view())));
}

Bytes legacy_fields(const LegacyTx& tx) {
  Bytes f;
  put(f, rlp::encode_uint(tx.nonce));
  put(f, rlp::encode_uint(tx.gas_price));
  put(f, rlp::encode_uint(tx.gas_limit));
  put_to(f, tx.to);
  put(f, rlp::encode_uint(tx.value));
  put(f, rlp::encode_string(tx.data));
  return f;
}

Error tx_error(const std::string& why) { return Error(EthErrc::kTransaction, why); }

Result<std::optional<crypto::Address>> decode_to(const rlp::Item& item) {
  if (item.is_list) return tx_error("'to' is a list");
  if (item.bytes.empty()) return std::optional<crypto::Address>{};
  auto a = crypto::Address::from_view(item.bytes);
  if (!a) return tx_error("'to' is not 20 bytes");
  return std::optional<crypto::Address>(*a);
}

Result<Hash256> decode_word(const rlp::Item& item, const char* what) {
  auto v = item.as_uint();
  if (!v) return v.error().with_context(what);
  return u256_to_be32(*v);
}

}  // namespace

Bytes Eip1559Tx::signing_payload() const {
  Bytes out{0x02};
  put(out, rlp::encode_list_payload(eip1559_fields(*this)));
  return out;
}

Hash256 Eip1559Tx::signing_hash() const { return crypto::keccak256(signing_payload()); }

Bytes Eip1559Tx::encode_signed(const crypto::Signature& sig) const {
  Bytes f = eip1559_fields(*this);
  put_signature(f, sig.y_parity(), sig);
  Bytes out{0x02};
  put(out, rlp::encode_list_payload(f));
  return out;
}

SignedTx Eip1559Tx::sign(const crypto::PrivateKey& key) const {
  crypto::Signature sig = key.sign(signing_hash());
  SignedTx out;
  out.raw = encode_signed(sig);
  out.hash = crypto::keccak256(out.raw);
  out.from = key.address();
  return out;
}

Result<std::pair<Eip1559Tx, SignedTx>> Eip1559Tx::decode_signed(ByteView raw) {
  if (raw.empty() || raw[0] != 0x02) return tx_error("not a type-2 transaction");
  auto item = rlp::decode(raw.subspan(1));
  if (!item) return item.error().with_context("type-2 transaction");
  if (!item->is_list || item->items.size() != 12)
    return tx_error("type-2 transaction must be a list of 12 fields");
  const auto& f = item->items;
  Eip1559Tx tx;
  auto chain_id = f[0].as_u64();
  auto nonce = f[1].as_u64();
  auto tip = f[2].as_uint();
  auto cap = f[3].as_uint();
  auto gas = f[4].as_u64();
  auto to = decode_to(f[5]);
  auto value = f[6].as_uint();
  if (!chain_id || !nonce || !tip || !cap || !gas || !to || !value) {
    return tx_error("a numeric field or 'to' is malformed");
  }
  if (f[7].is_list) return tx_error("'data' is a list");
  tx.chain_id = *chain_id;
  tx.nonce = *nonce;
  tx.max_priority_fee_per_gas = *tip;
  tx.max_fee_per_gas = *cap;
  tx.gas_limit = *gas;
  tx.to = *to;
  tx.value = *value;
  tx.data = f[7].bytes;
  if (!f[8].is_list) return tx_error("access list is not a list");
  for (const auto& entry : f[8].items) {
    if (!entry.is_list || entry.items.size() != 2 || !entry.items[1].is_list) {
      return tx_error("access list entry must be [address, [keys]]");
    }
    auto addr = crypto::Address::from_view(entry.items[0].bytes);
    if (entry.items[0].is_list || !addr) return tx_error("access list address is not 20 bytes");
    AccessListEntry e{*addr, {}};
    for (const auto& k : entry.items[1].items) {
      auto key = Hash256::from_view(k.bytes);
      if (k.is_list || !key) return tx_error("storage key is not 32 bytes");
      e.storage_keys.push_back(*key);
    }
    tx.access_list.push_back(std::move(e));
  }
  auto parity = f[9].as_u64();
  if (!parity || *parity > 1) return tx_error("y parity must be 0 or 1");
  auto r = decode_word(f[10], "r");
  auto s = decode_word(f[11], "s");
  if (!r || !s) return tx_error("r or s is malformed");
  auto sig = crypto::Signature::from_parts(*r, *s, static_cast<std::uint8_t>(27 + *parity));
  if (!sig) return sig.error();
  auto from = crypto::recover(tx.signing_hash(), *sig);
  if (!from) return from.error();
  SignedTx signed_tx{Bytes(raw.begin(), raw.end()), crypto::keccak256(raw), *from};
  // Re-encoding must give the same bytes, or the input was not canonical.
  if (tx.encode_signed(*sig) != signed_tx.raw) return tx_error("transaction encoding is not canonical");
  return std::make_pair(std::move(tx), std::move(signed_tx));
}

Bytes LegacyTx::signing_payload() const {
  Bytes f = legacy_fields(*this);
  if (chain_id) {
    put(f, rlp::encode_uint(*chain_id));
    put(f, rlp::encode_uint(0));
    put(f, rlp::encode_uint(0));
  }
  return rlp::encode_list_payload(f);
}

Hash256 LegacyTx::signing_hash() const { return crypto::keccak256(signing_payload()); }

Bytes LegacyTx::encode_signed(const crypto::Signature& sig) const {
  Bytes f = legacy_fields(*this);
  U256 v = chain_id ? U256(*chain_id) * 2 + 35 + sig.y_parity() : U256(27 + sig.y_parity());
  put_signature(f, v, sig);
  return rlp::encode_list_payload(f);
}

SignedTx LegacyTx::sign(const crypto::PrivateKey& key) const {
  crypto::Signature sig = key.sign(signing_hash());
  SignedTx out;
  out.raw = encode_signed(sig);
  out.hash = crypto::keccak256(out.raw);
  out.from = key.address();
  return out;
}

}  // namespace wavs::eth
