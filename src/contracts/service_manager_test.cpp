#include "contracts/service_manager.hpp"

#include <gtest/gtest.h>

#include "test_vectors.hpp"

namespace wavs::contracts {
namespace {

using eth::AbiValue;

Address addr(std::uint8_t fill) {
  Address a;
  a.data.fill(fill);
  return a;
}

// Decodes calldata with a parser of its own, so the test does not reuse the builders' codec setup.
std::vector<AbiValue> decode(std::string_view signature, const Bytes& calldata) {
  auto f = eth::AbiFunction::parse(signature);
  EXPECT_TRUE(f) << signature;
  if (!f) return {};
  auto args = f->decode_call(calldata);
  EXPECT_TRUE(args) << signature << ": " << args.error().message();
  return args ? *args : std::vector<AbiValue>{};
}

eth::Envelope sample_envelope() {
  eth::Envelope e;
  e.event_id.data.fill(0x11);
  e.ordering = eth::Envelope::ordering_from_u64(42);
  e.payload = {0xde, 0xad, 0xbe, 0xef};
  return e;
}

TEST(ServiceManagerAbi, ValidateCarriesTheHandlerArgumentsUnderItsOwnSelector) {
  eth::SignatureData sigs;
  sigs.signers = {addr(1), addr(2)};
  sigs.signatures = {Bytes(65, 1), Bytes(65, 2)};
  sigs.reference_block = 99;
  Bytes data = service_manager::encode_validate(sample_envelope(), sigs);
  EXPECT_EQ(to_hex(ByteView(data).first(4)), "0xcd71589e");
  Bytes handle = eth::encode_handle_signed_envelope(sample_envelope(), sigs);
  EXPECT_EQ(Bytes(data.begin() + 4, data.end()), Bytes(handle.begin() + 4, handle.end()));

  auto args = decode("validate((bytes20,bytes12,bytes),(address[],bytes[],uint32))", data);
  ASSERT_EQ(args.size(), 2u);
  auto envelope =
      eth::Envelope::abi_decode(*eth::abi_encode(*eth::AbiType::parse("(bytes20,bytes12,bytes)"), args[0]));
  ASSERT_TRUE(envelope);
  EXPECT_EQ(*envelope, sample_envelope());
}

TEST(ServiceManagerAbi, ArgumentsLandWhereTheContractReadsThem) {
  auto reg = decode("registerOperator(address,uint256)",
                    service_manager::encode_register_operator(addr(7), U256(1) << 100));
  ASSERT_EQ(reg.size(), 2u);
  EXPECT_EQ(*reg[0].as_address(), addr(7));
  EXPECT_EQ(*reg[1].as_uint(), U256(1) << 100);

  auto at = decode("getOperatorWeightAt(address,uint32)",
                   service_manager::encode_get_operator_weight_at(addr(8), 0xffffffffu));
  ASSERT_EQ(at.size(), 2u);
  EXPECT_EQ(*at[1].as_uint(), 0xffffffffu);

  auto quorum = decode("updateQuorum(uint256,uint256)", service_manager::encode_update_quorum({2, 3}));
  ASSERT_EQ(quorum.size(), 2u);
  EXPECT_EQ(*quorum[0].as_uint(), 2);
  EXPECT_EQ(*quorum[1].as_uint(), 3);

  auto uri = decode("setServiceURI(string)", service_manager::encode_set_service_uri("ipfs://x"));
  ASSERT_EQ(uri.size(), 1u);
  EXPECT_EQ(*uri[0].as_string(), "ipfs://x");

  EXPECT_EQ(service_manager::encode_get_service_uri().size(), 4u);
  EXPECT_EQ(service_manager::function_signatures().size(), 29u);
}

TEST(ServiceManagerAbi, ConstructorArgumentsAreThreeWords) {
  Bytes args = service_manager::encode_constructor(addr(9), {2, 3});
  ASSERT_EQ(args.size(), 96u);
  EXPECT_EQ(Bytes(args.begin() + 12, args.begin() + 32), addr(9).to_vector());
  EXPECT_EQ(args[63], 2);
  EXPECT_EQ(args[95], 3);
}

TEST(ServiceManagerAbi, BindingProofMatchesTheCastVector) {
  const auto& v = testing::signing_vectors();
  ASSERT_TRUE(v.is_object()) << "contracts/test/vectors/signing.json is missing or not JSON";
  auto op = Address::from_hex(v["operator"]["address"].get<std::string>());
  ASSERT_TRUE(op);
  auto key = crypto::PrivateKey::from_hex(v["signing_keys"][0]["private_key"].get<std::string>());
  ASSERT_TRUE(key);
  EXPECT_EQ(service_manager::signing_key_binding_digest(*op).hex(),
            v["binding"]["digest"].get<std::string>());
  crypto::Signature proof = service_manager::signing_key_binding_proof(*key, *op);
  EXPECT_EQ(proof.hex(), v["binding"]["signature"].get<std::string>());

  auto call = decode("updateOperatorSigningKey(address,bytes)",
                     service_manager::encode_update_operator_signing_key(key->address(), proof));
  ASSERT_EQ(call.size(), 2u);
  EXPECT_EQ(*call[0].as_address(), key->address());
  EXPECT_EQ(*call[1].as_bytes(), proof.to_vector());
}

TEST(ServiceManagerAbi, VerdictIsAcceptedOnlyWithoutRejection) {
  EXPECT_TRUE(Verdict{}.accepted());
  EXPECT_FALSE(Verdict{InsufficientQuorumZero{}}.accepted());
}

}  // namespace
}  // namespace wavs::contracts
