#include "node/signer.hpp"

#include <string>

#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "crypto/hd.hpp"

namespace wavs::node {
namespace {

constexpr std::string_view kAnvilMnemonic = "test test test test test test test test test test test junk";

service::Manager manager() {
  service::Manager m;
  m.chain = *service::parse_chain_key("evm:31337");
  m.address = *service::Address::from_hex("0x5fbdb2315678afecb367f032d93f642f64180aa3");
  return m;
}

Signer anvil_signer() {
  auto s = Signer::from_mnemonic(Secret(std::string(kAnvilMnemonic)));
  EXPECT_TRUE(s) << s.error().message();
  return std::move(*s);
}

SignRequest request(std::uint32_t index = 1) {
  SignRequest r;
  r.service_manager = manager();
  r.workflow_id = "default";
  r.hd_index = index;
  r.event_id = *eth::EventId::from_hex("0x00112233445566778899aabbccddeeff00112233");
  r.ordering = eth::Envelope::ordering_from_u64(7);
  r.payload = {0xde, 0xad, 0xbe, 0xef, 0x01};
  r.origin.kind = "block_interval";
  r.origin.chain = r.service_manager.chain;
  r.origin.block_number = 42;
  return r;
}

// anvil's default accounts: what anvil, cast and MetaMask derive from its mnemonic.
TEST(Signer, AnvilMnemonicGivesAnvilAccounts) {
  Signer s = anvil_signer();
  const char* expected[] = {
      "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
      "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"};
  EXPECT_EQ(s.operator_address().to_checksum(), expected[0]);
  for (std::uint32_t i = 0; i < 5; ++i) {
    auto a = s.address(i);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->to_checksum(), expected[i]) << i;
    // Asked twice (the second from the cache), the same key.
    EXPECT_EQ(s.address(i)->to_checksum(), expected[i]) << i;
  }
  EXPECT_EQ(s.address(9)->to_checksum(), "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
  EXPECT_EQ(Signer::path(3), "m/44'/60'/0'/0/3");
}

TEST(Signer, SameKeysAsDeriveEthKey) {
  Signer s = anvil_signer();
  auto m = crypto::Mnemonic::parse(kAnvilMnemonic);
  ASSERT_TRUE(m);
  for (std::uint32_t i : {0u, 1u, 17u, 1000u, Signer::kMaxIndex}) {
    auto k = crypto::derive_eth_key(*m, i);
    ASSERT_TRUE(k);
    EXPECT_EQ(*s.address(i), k->address()) << i;
    EXPECT_EQ(s.reveal_private_key(i)->reveal(), k->reveal_hex().reveal()) << i;
  }
  EXPECT_EQ(s.reveal_private_key(1)->reveal(),
            "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
}

TEST(Signer, MissingOrBadMnemonicIsAnErrorWithoutTheWords) {
  auto none = Signer::from_mnemonic(Secret());
  ASSERT_FALSE(none);
  EXPECT_TRUE(none.error().is(NodeErrc::kNoMnemonic));

  auto bad = Signer::from_mnemonic(Secret("test test test test test test test test test test tesst junk"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message().find("tesst"), std::string::npos) << bad.error().message();
  EXPECT_EQ(bad.error().message().find("junk"), std::string::npos) << bad.error().message();
  EXPECT_NE(bad.error().message().find("signing_mnemonic"), std::string::npos) << bad.error().message();
}

TEST(Signer, ToStringShowsOnlyTheOperatorAddress) {
  Signer s = anvil_signer();
  std::string text = s.to_string();
  EXPECT_NE(text.find("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"), std::string::npos);
  EXPECT_EQ(text.find("test"), std::string::npos);
  EXPECT_EQ(text.find("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"), std::string::npos);
}

TEST(Signer, IndexesOutsideTheirRangeAreRefused) {
  Signer s = anvil_signer();
  auto high = s.address(Signer::kMaxIndex + 1);
  ASSERT_FALSE(high);
  EXPECT_TRUE(high.error().is(NodeErrc::kBadIndex));
  auto op = s.sign(request(0));
  ASSERT_FALSE(op);
  EXPECT_TRUE(op.error().is(NodeErrc::kBadIndex)) << op.error().message();
  auto bad_workflow = request();
  bad_workflow.workflow_id = "X";
  EXPECT_FALSE(s.sign(bad_workflow));
}

// The signature recovers to the service's own key, and the digest is the contract's
// envelopeDigest: keccak256(abi.encode(envelope)), built here word by word.
TEST(Signer, SignatureRecoversToTheServiceKey) {
  Signer s = anvil_signer();
  auto p = s.sign(request(2));
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->signer.to_checksum(), "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC");
  EXPECT_EQ(p->service_id, service::service_id(manager()));
  EXPECT_EQ(p->workflow_id, "default");

  Bytes encoded(32 * 6, 0);
  encoded[31] = 0x20;  // offset of the tuple
  const auto& req = request(2);
  std::copy(req.event_id.data.begin(), req.event_id.data.end(),
            encoded.begin() + 32);  // bytes20, left-aligned
  std::copy(req.ordering.data.begin(), req.ordering.data.end(),
            encoded.begin() + 64);  // bytes12, left-aligned
  encoded[96 + 31] = 0x60;          // offset of payload within the tuple
  encoded[128 + 31] = 5;            // payload length
  std::copy(req.payload.begin(), req.payload.end(), encoded.begin() + 160);
  Hash256 expected = crypto::keccak256(encoded);
  EXPECT_EQ(p->digest(), expected);
  EXPECT_EQ(p->digest(), p->envelope.digest());
  EXPECT_EQ(p->envelope.abi_encode(), encoded);

  // EIP-191 over the 32-byte digest.
  auto who = crypto::recover(crypto::eip191_hash(expected.view()), p->signature);
  ASSERT_TRUE(who);
  EXPECT_EQ(*who, p->signer);
  EXPECT_TRUE(p->verify());
  EXPECT_NE(p->signer, s.operator_address());

  // Deterministic (RFC 6979): the same request, the same signature.
  EXPECT_EQ(s.sign(request(2))->signature, p->signature);
}

TEST(Signer, TamperedPacketFailsVerify) {
  Signer s = anvil_signer();
  auto p = s.sign(request(1));
  ASSERT_TRUE(p);
  Packet changed = *p;
  changed.envelope.payload.push_back(0);
  auto v = changed.verify();
  ASSERT_FALSE(v);
  EXPECT_TRUE(v.error().is(NodeErrc::kBadPacket));
  Packet other_signer = *p;
  other_signer.signer = s.operator_address();
  EXPECT_FALSE(other_signer.verify());
  Packet other_id = *p;
  other_id.service_id[0] ^= 1;
  EXPECT_FALSE(other_id.verify());
}

TEST(Packet, JsonShapeAndRoundTrip) {
  Signer s = anvil_signer();
  auto p = s.sign(request(1));
  ASSERT_TRUE(p);
  std::string json = to_json(*p);
  EXPECT_EQ(json,
            "{\"service_id\":\"" + p->service_id.hex(HexPrefix::kNone) +
                "\",\"service_manager\":{\"evm\":{\"chain\":\"evm:31337\",\"address\":"
                "\"0x5fbdb2315678afecb367f032d93f642f64180aa3\"}},\"workflow_id\":\"default\","
                "\"envelope\":{\"event_id\":\"0x00112233445566778899aabbccddeeff00112233\","
                "\"ordering\":\"0x000000000000000700000000\",\"payload\":\"0xdeadbeef01\"},"
                "\"signature\":\"" +
                p->signature.hex() +
                "\","
                "\"signer\":\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\","
                "\"origin\":{\"kind\":\"block_interval\",\"chain\":\"evm:31337\",\"block_number\":\"42\"}}");
  auto back = parse_packet(json);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, *p);
  EXPECT_TRUE(back->verify());
}

TEST(Packet, OriginOfEachTriggerKind) {
  component::EvmContractEvent e;
  e.chain = *service::parse_chain_key("evm:1");
  e.log.block_number = 100;
  e.log.log_index = 3;
  e.log.tx_hash[31] = 9;
  PacketOrigin o = origin_of(e);
  EXPECT_EQ(o.kind, "evm_contract_event");
  EXPECT_EQ(o.chain->str(), "evm:1");
  EXPECT_EQ(*o.block_number, 100u);
  EXPECT_EQ(*o.log_index, 3u);
  EXPECT_EQ((*o.tx_hash)[31], 9);

  o = origin_of(component::Cron{1'700'000'000'000'000'000ull});
  EXPECT_EQ(o.kind, "cron");
  EXPECT_EQ(*o.trigger_time, 1'700'000'000'000'000'000ull);
  EXPECT_FALSE(o.chain);

  o = origin_of(component::Raw{{1, 2}});
  EXPECT_EQ(o.kind, "raw");
  EXPECT_FALSE(o.block_number);

  // Every kind survives the JSON, the 64-bit values exactly.
  Signer s = anvil_signer();
  for (const component::TriggerData& data :
       {component::TriggerData(e), component::TriggerData(component::Cron{18'446'744'073'709'551'615ull}),
        component::TriggerData(component::BlockInterval{e.chain, 77}),
        component::TriggerData(component::Raw{})}) {
    auto r = request(1);
    r.origin = origin_of(data);
    auto p = s.sign(r);
    ASSERT_TRUE(p);
    auto back = parse_packet(to_json(*p));
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->origin, p->origin);
  }
}

TEST(Packet, ParseErrorsNameThePath) {
  Signer s = anvil_signer();
  std::string good = to_json(*s.sign(request(1)));
  struct Case {
    std::string from, to, path;
  };
  const Case cases[] = {
      {"\"event_id\":\"0x00112233445566778899aabbccddeeff00112233\"", "\"event_id\":\"0x0011\"",
       "envelope.event_id"},
      {"\"payload\":\"0xdeadbeef01\"", "\"payload\":\"deadbeef01\"", "envelope.payload"},
      {"\"payload\":\"0xdeadbeef01\"", "\"payload\":7", "envelope.payload"},
      {"\"workflow_id\":\"default\"", "\"workflow_id\":\"D\"", "workflow_id"},
      {"\"chain\":\"evm:31337\",\"address\"", "\"chain\":\"evm\",\"address\"", "service_manager.evm.chain"},
      {"\"block_number\":\"42\"", "\"block_number\":\"-1\"", "origin.block_number"},
      {"\"kind\":\"block_interval\"", "\"kind\":\"other\"", "origin.kind"},
      {"\"signer\":\"0x70997970C51812dc3A010C7d01b50e0d17dc79C8\"",
       "\"signer\":\"0x70997970c51812dc3A010C7d01b50e0d17dc79C8\"", "signer"},
      {"\"service_id\":", "\"service\":", "service_id"},
  };
  for (const auto& c : cases) {
    std::string text = good;
    auto at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.from;
    text.replace(at, c.from.size(), c.to);
    auto r = parse_packet(text);
    ASSERT_FALSE(r) << c.to;
    EXPECT_TRUE(r.error().is(NodeErrc::kBadPacket));
    EXPECT_EQ(r.error().detail().rfind(c.path + ":", 0), 0u) << r.error().message();
  }
  EXPECT_FALSE(parse_packet("[]"));
  EXPECT_FALSE(parse_packet("{"));
  EXPECT_FALSE(parse_packet(std::string(100, '[') + std::string(100, ']')));
}

}  // namespace
}  // namespace wavs::node
