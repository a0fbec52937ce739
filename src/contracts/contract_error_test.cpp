#include "contracts/contract_error.hpp"

#include <gtest/gtest.h>

#include "chain/error.hpp"

namespace wavs::contracts {
namespace {

Address addr(std::uint8_t fill) {
  Address a;
  a.data.fill(fill);
  return a;
}

// One value of every named alternative, with arguments that are not all zero.
std::vector<ContractError> samples() {
  FixedBytes<20> id;
  id.data.fill(0x11);
  return {InvalidSignatureLength{},
          InvalidSignatureBlock{},
          InvalidSignatureOrder{},
          InvalidSignature{},
          InsufficientQuorumZero{},
          InsufficientQuorum{30, 40, 60},
          InvalidQuorumParameters{},
          OperatorNotRegistered{addr(0xa1)},
          InvalidSigningKey{},
          InvalidSigningKeySignature{},
          SigningKeyAlreadyBound{addr(0xb1), addr(0xb2)},
          InvalidOperator{},
          InvalidWeight{},
          OperatorAlreadyRegistered{addr(0xc1)},
          OwnableUnauthorizedAccount{addr(0xd1)},
          OwnableInvalidOwner{addr(0xd2)},
          SafeCastOverflowedUintDowncast{208, U256(1) << 208},
          CheckpointUnorderedInsertion{},
          EventAlreadyHandled{id},
          InvalidServiceManager{},
          UnknownTrigger{~std::uint64_t{0}}};
}

TEST(ContractError, EveryNamedErrorRoundTripsThroughRevertData) {
  auto all = samples();
  ASSERT_EQ(all.size(), std::variant_size_v<ContractError> - 1) << "a new error needs a sample here";
  for (const auto& e : all) {
    Bytes data = encode_contract_error(e);
    ContractError back = decode_contract_error(data);
    EXPECT_EQ(back, e) << error_name(e) << " decoded as " << error_name(back);
    EXPECT_EQ(error_name(back), abi_errors()[e.index()].name());
  }
}

TEST(ContractError, InsufficientQuorumFromHandWrittenData) {
  // 0x86b16091 = InsufficientQuorum(uint256,uint256,uint256), as docs/contracts.md lists it.
  Bytes data = *from_hex("0x86b16091");
  for (std::uint8_t v : {30, 40, 60}) {
    Bytes word(32, 0);
    word[31] = v;
    data.insert(data.end(), word.begin(), word.end());
  }
  ContractError e = decode_contract_error(data);
  const auto* q = std::get_if<InsufficientQuorum>(&e);
  ASSERT_NE(q, nullptr) << to_string(e);
  EXPECT_EQ(q->signer_weight, 30);
  EXPECT_EQ(q->threshold_weight, 40);
  EXPECT_EQ(q->total_weight, 60);
  EXPECT_EQ(to_string(e), "InsufficientQuorum(30, 40, 60)");
}

TEST(ContractError, AnythingElseIsUnrecognizedWithTheGenericReason) {
  auto empty = decode_contract_error({});
  ASSERT_TRUE(std::holds_alternative<UnrecognizedRevert>(empty));
  EXPECT_EQ(std::get<UnrecognizedRevert>(empty).reason.kind, eth::RevertReason::Kind::kEmpty);

  auto message_error = eth::AbiError::parse("Error(string)");
  ASSERT_TRUE(message_error);
  auto message = decode_contract_error(*message_error->encode(std::vector{eth::AbiValue::string("nope")}));
  ASSERT_TRUE(std::holds_alternative<UnrecognizedRevert>(message));
  EXPECT_EQ(std::get<UnrecognizedRevert>(message).reason.kind, eth::RevertReason::Kind::kMessage);
  EXPECT_NE(to_string(message).find("nope"), std::string::npos) << to_string(message);

  auto unknown = decode_contract_error(*from_hex("0xdeadbeef"));
  ASSERT_TRUE(std::holds_alternative<UnrecognizedRevert>(unknown));
  EXPECT_EQ(std::get<UnrecognizedRevert>(unknown).reason.data, *from_hex("0xdeadbeef"));
  EXPECT_EQ(encode_contract_error(unknown), *from_hex("0xdeadbeef"));
}

TEST(ContractError, TruncatedArgumentsAreUnrecognizedNotACrash) {
  Bytes full = encode_contract_error(InsufficientQuorum{1, 2, 3});
  for (std::size_t cut : {4u, 5u, 36u, 99u}) {
    Bytes part(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
    auto e = decode_contract_error(part);
    EXPECT_TRUE(std::holds_alternative<UnrecognizedRevert>(e)) << cut << " bytes: " << to_string(e);
  }
  // uint64 argument wider than 64 bits: the ABI decoder refuses it.
  Bytes wide = encode_contract_error(UnknownTrigger{1});
  wide[4 + 23] = 0x01;
  EXPECT_TRUE(std::holds_alternative<UnrecognizedRevert>(decode_contract_error(wide)));
}

TEST(ContractError, FromChainErrorsWithAndWithoutContext) {
  Bytes data = encode_contract_error(OperatorNotRegistered{addr(0x42)});
  Error reverted = chain::make_rpc_error("eth_call", {3, "execution reverted", data})
                       .with_context("WavsServiceManager.updateOperatorSigningKey (0x…)");
  auto e = contract_error(reverted);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, ContractError(OperatorNotRegistered{addr(0x42)}));

  auto no_data =
      contract_error(chain::make_rpc_error("eth_estimateGas", {-32000, "execution reverted", std::nullopt}));
  ASSERT_TRUE(no_data);
  EXPECT_TRUE(std::holds_alternative<UnrecognizedRevert>(*no_data));

  EXPECT_FALSE(contract_error(Error(chain::ChainErrc::kTimeout, "eth_call")));
  EXPECT_FALSE(contract_error(chain::make_rpc_error("eth_call", {-32602, "invalid params", std::nullopt})));
}

}  // namespace
}  // namespace wavs::contracts
