#include "eth/tx.hpp"

#include "eth/rlp.hpp"

#include <gtest/gtest.h>

namespace wavs::eth {
namespace {

crypto::PrivateKey anvil_key() {
  return *crypto::PrivateKey::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
}

Eip1559Tx sample() {
  Eip1559Tx tx;
  tx.chain_id = 31337;
  tx.nonce = 3;
  tx.max_priority_fee_per_gas = 1000000000;
  tx.max_fee_per_gas = 2000000000;
  tx.gas_limit = 21000;
  tx.to = *crypto::Address::from_hex("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
  tx.value = 12345;
  return tx;
}

TEST(Eip1559Tx, MatchesCastMktx) {
  // cast mktx --private-key <anvil 0> --chain 31337 --nonce 3 --gas-limit 21000
  //   --gas-price 2000000000 --priority-gas-price 1000000000 --value 12345 0x7099…
  auto signed_tx = sample().sign(anvil_key());
  EXPECT_EQ(to_hex(signed_tx.raw),
            "0x02f86e827a6903843b9aca0084773594008252089470997970c51812dc3a010c7d01b50e0d17dc79c882303980c001"
            "a076420c65238d5fea1f29e89a6072a71afd26d1c3fc6499c0e0230079332a56fea04d07de4d54d3dd7813ae5950f4c1"
            "7c725756756ce5525531f0d4b32c72526ca3");
  EXPECT_EQ(signed_tx.from, anvil_key().address());
}

TEST(Eip1559Tx, WithCalldataMatchesCast) {
  auto tx = sample();
  tx.data = *from_hex("0xb3de648b0000000000000000000000000000000000000000000000000000000000000007");
  EXPECT_EQ(
      to_hex(tx.sign(anvil_key()).raw),
      "0x02f892827a6903843b9aca0084773594008252089470997970c51812dc3a010c7d01b50e0d17dc79c8823039a4b3de648b00"
      "00000000000000000000000000000000000000000000000000000000000007c001a0b5c36cd312313a7884c088efb0026bc13f"
      "aef952688296eee8c6aba9a9a44433a0791ecf37c542a408861cb5771c0f2723853653cd58485b071094acb6a62fcb4d");
}

TEST(Eip1559Tx, DecodeSignedRoundTrip) {
  auto tx = sample();
  tx.to.reset();
  tx.data = Bytes(100, 0x60);
  tx.access_list.push_back({*crypto::Address::from_hex("0x0000000000000000000000000000000000000001"),
                            {Hash256{}, *Hash256::from_hex("0x" + std::string(64, '1'))}});
  auto signed_tx = tx.sign(anvil_key());
  auto back = Eip1559Tx::decode_signed(signed_tx.raw);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->first, tx);
  EXPECT_EQ(back->second.from, anvil_key().address());
  EXPECT_EQ(back->second.hash, signed_tx.hash);
}

TEST(Eip1559Tx, DecodeRejectsGarbage) {
  EXPECT_FALSE(Eip1559Tx::decode_signed({}));
  EXPECT_FALSE(Eip1559Tx::decode_signed(*from_hex("0x01c0")));
  EXPECT_FALSE(Eip1559Tx::decode_signed(*from_hex("0x02c0")));
  auto raw = sample().sign(anvil_key()).raw;
  raw.back() ^= 1;  // s changes: recovers to someone else or fails, never crashes
  auto r = Eip1559Tx::decode_signed(raw);
  if (r) {
    EXPECT_NE(r->second.from, anvil_key().address());
  }
  raw.pop_back();
  EXPECT_FALSE(Eip1559Tx::decode_signed(raw));
}

TEST(LegacyTx, Eip155SpecExample) {
  // The example of EIP-155: nonce 9, 20 gwei, 21000 gas, to 0x3535…, 1 ether, chain 1.
  LegacyTx tx;
  tx.chain_id = 1;
  tx.nonce = 9;
  tx.gas_price = 20000000000ull;
  tx.gas_limit = 21000;
  tx.to = *crypto::Address::from_hex("0x3535353535353535353535353535353535353535");
  tx.value = U256(1000000000000000000ull);
  EXPECT_EQ(to_hex(tx.signing_payload()),
            "0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080");
  EXPECT_EQ(tx.signing_hash().hex(), "0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
  auto key =
      *crypto::PrivateKey::from_hex("0x4646464646464646464646464646464646464646464646464646464646464646");
  EXPECT_EQ(to_hex(tx.sign(key).raw),
            "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef"
            "61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf5"
            "55c9f3dc64214b297fb1966a3b6d83");
}

TEST(LegacyTx, PreEip155UsesV27) {
  LegacyTx tx;
  tx.gas_limit = 21000;
  auto raw = tx.sign(anvil_key()).raw;
  auto item = rlp::decode(raw);
  ASSERT_TRUE(item);
  ASSERT_EQ(item->items.size(), 9u);
  auto v = item->items[6].as_u64();
  ASSERT_TRUE(v);
  EXPECT_TRUE(*v == 27 || *v == 28);
}

}  // namespace
}  // namespace wavs::eth
