#include "eth/envelope.hpp"

#include <algorithm>

#include "crypto/hash.hpp"
#include "eth/abi.hpp"

namespace wavs::eth {
namespace {

const AbiType& envelope_type() {
  static const AbiType t = *AbiType::parse("(bytes20,bytes12,bytes)");
  return t;
}

const AbiType& signature_data_type() {
  static const AbiType t = *AbiType::parse("(address[],bytes[],uint32)");
  return t;
}

void append_u64_word(Bytes& out, std::uint64_t v) {
  std::size_t at = out.size();
  out.resize(at + 32);
  for (int i = 0; i < 8; ++i)
    out[at + 31 - static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
}

AbiValue envelope_value(const Envelope& e) {
  return AbiValue::list(
      {AbiValue::bytes(e.event_id.view()), AbiValue::bytes(e.ordering.view()), AbiValue::bytes(e.payload)});
}

AbiValue signature_data_value(const SignatureData& d) {
  AbiValue::List signers;
  for (const auto& s : d.signers) signers.push_back(AbiValue::address(s));
  AbiValue::List sigs;
  for (const auto& s : d.signatures) sigs.push_back(AbiValue::bytes(s));
  return AbiValue::list({AbiValue::list(std::move(signers)), AbiValue::list(std::move(sigs)),
                         AbiValue::uint(d.reference_block)});
}

}  // namespace

Bytes Envelope::abi_encode() const {
  // Written out by hand because operators hash every result; envelope_test checks it
  // against the generic codec.
  Bytes out;
  std::size_t padded = (payload.size() + 31) / 32 * 32;
  out.reserve(std::size_t{32} * 6 + padded);
  append_u64_word(out, 0x20);
  out.insert(out.end(), event_id.data.begin(), event_id.data.end());
  out.resize(out.size() + 12);
  out.insert(out.end(), ordering.data.begin(), ordering.data.end());
  out.resize(out.size() + 20);
  append_u64_word(out, 0x60);
  append_u64_word(out, payload.size());
  out.insert(out.end(), payload.begin(), payload.end());
  out.resize(out.size() + (padded - payload.size()));
  return out;
}

Result<Envelope> Envelope::abi_decode(ByteView data) {
  auto v = ::wavs::eth::abi_decode(envelope_type(), data);
  if (!v) return v.error().with_context("envelope");
  const auto& parts = *v->get_if<AbiValue::List>();
  Envelope e;
  e.event_id = *EventId::from_view(*parts[0].get_if<Bytes>());
  e.ordering = *Ordering::from_view(*parts[1].get_if<Bytes>());
  e.payload = *parts[2].get_if<Bytes>();
  return e;
}

Hash256 Envelope::digest() const { return crypto::keccak256(abi_encode()); }

Hash256 Envelope::signed_hash() const { return crypto::eip191_hash(digest().view()); }

crypto::Signature Envelope::sign(const crypto::PrivateKey& key) const { return key.sign(signed_hash()); }

Ordering Envelope::ordering_from_u64(std::uint64_t value) {
  Ordering o;
  for (int i = 0; i < 8; ++i)
    o[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (56 - 8 * i));
  return o;
}

Result<SignatureData> SignatureData::from_signatures(
    std::vector<std::pair<crypto::Address, crypto::Signature>> signed_by, std::uint32_t reference_block) {
  std::sort(signed_by.begin(), signed_by.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  SignatureData d;
  d.reference_block = reference_block;
  for (std::size_t i = 0; i < signed_by.size(); ++i) {
    if (i > 0 && signed_by[i].first == signed_by[i - 1].first) {
      return Error(EthErrc::kAbiValue, "signer " + signed_by[i].first.to_checksum() + " appears twice");
    }
    d.signers.push_back(signed_by[i].first);
    d.signatures.push_back(signed_by[i].second.to_vector());
  }
  return d;
}

Bytes SignatureData::abi_encode() const {
  // Cannot fail: every value is built with its own type above.
  return *::wavs::eth::abi_encode(signature_data_type(), signature_data_value(*this));
}

Result<SignatureData> SignatureData::abi_decode(ByteView data) {
  auto v = ::wavs::eth::abi_decode(signature_data_type(), data);
  if (!v) return v.error().with_context("signature data");
  const auto& parts = *v->get_if<AbiValue::List>();
  SignatureData d;
  for (const auto& s : *parts[0].get_if<AbiValue::List>()) d.signers.push_back(*s.get_if<Address>());
  for (const auto& s : *parts[1].get_if<AbiValue::List>()) d.signatures.push_back(*s.get_if<Bytes>());
  d.reference_block = static_cast<std::uint32_t>(*parts[2].get_if<U256>());
  return d;
}

Status SignatureData::verify(const Envelope& envelope) const {
  if (signers.size() != signatures.size()) {
    return Error(EthErrc::kAbiValue, std::to_string(signers.size()) + " signers but " +
                                         std::to_string(signatures.size()) + " signatures");
  }
  Hash256 hash = envelope.signed_hash();
  for (std::size_t i = 0; i < signers.size(); ++i) {
    if (i > 0 && !(signers[i - 1] < signers[i])) {
      return Error(EthErrc::kAbiValue, "signers are not strictly ascending at index " + std::to_string(i));
    }
    auto sig = crypto::Signature::from_view(signatures[i]);
    if (!sig) return sig.error().with_context("signature " + std::to_string(i));
    auto who = crypto::recover(hash, *sig);
    if (!who) return who.error().with_context("signature " + std::to_string(i));
    if (*who != signers[i]) {
      return Error(crypto::CryptoErrc::kInvalidSignature, "signature " + std::to_string(i) + " recovers to " +
                                                              who->to_checksum() + ", not " +
                                                              signers[i].to_checksum());
    }
  }
  return {};
}

Bytes encode_handle_signed_envelope(const Envelope& envelope, const SignatureData& data) {
  static const AbiFunction fn = *AbiFunction::parse(kHandleSignedEnvelopeSig);
  std::array<AbiValue, 2> args = {envelope_value(envelope), signature_data_value(data)};
  return *fn.encode_call(args);
}

}  // namespace wavs::eth
