#include "contracts/events.hpp"

#include <gtest/gtest.h>

#include "crypto/hash.hpp"
#include "test_vectors.hpp"

namespace wavs::contracts {
namespace {

Address addr(std::uint8_t fill) {
  Address a;
  a.data.fill(fill);
  return a;
}

template <class E>
void expect_round_trip(const E& event) {
  chain::Log log = encode_event(event, addr(0xee));
  auto back = decode_event<E>(log);
  ASSERT_TRUE(back) << E::kSignature << ": " << back.error().message();
  EXPECT_EQ(*back, event) << E::kSignature;
  EXPECT_EQ(log.topics.at(0), event_topic<E>());
}

TEST(Events, EveryEventRoundTrips) {
  expect_round_trip(ServiceURIUpdated{"ipfs://bafy/service.json"});
  expect_round_trip(QuorumThresholdUpdated{2, 3});
  expect_round_trip(OperatorRegistered{addr(1), U256(1) << 200});
  expect_round_trip(OperatorWeightUpdated{addr(2), 10, 20});
  expect_round_trip(OperatorDeregistered{addr(3)});
  expect_round_trip(SigningKeyUpdated{addr(4), addr(5), Address{}});
  expect_round_trip(MaxReferenceBlockAgeUpdated{7200});
  FixedBytes<20> id;
  id.data.fill(0x11);
  FixedBytes<12> ordering;
  ordering.data[7] = 42;
  expect_round_trip(EnvelopeHandled{id, ordering, Bytes{1, 2, 3}});
  expect_round_trip(NewTrigger{Bytes(100, 0xab)});
}

TEST(Events, IndexedParametersAreTopics) {
  chain::Log log = encode_event(SigningKeyUpdated{addr(4), addr(5), addr(6)}, addr(0xee));
  ASSERT_EQ(log.topics.size(), 4u);
  EXPECT_TRUE(log.data.empty());
  EXPECT_EQ(Bytes(log.topics[2].data.begin() + 12, log.topics[2].data.end()), addr(5).to_vector());
}

TEST(Events, TopicsAreThoseOfTheCanonicalSignatures) {
  EXPECT_EQ(event_topic<ServiceURIUpdated>(),
            crypto::keccak256(std::string_view("ServiceURIUpdated(string)")));
  // The value service manifests name (docs/contracts.md).
  EXPECT_EQ(event_topic<NewTrigger>().hex(),
            "0x86eacd23610d81706516de1ed0476c87772fdf939c7c771fbbd7f0230d619e68");
}

TEST(Events, WrongOrMalformedLogsAreErrorsNamingTheEvent) {
  chain::Log log = encode_event(ServiceURIUpdated{"x"}, addr(1));
  log.block_number = 12;
  log.log_index = 3;
  auto wrong = decode_event<QuorumThresholdUpdated>(log);
  ASSERT_FALSE(wrong);
  EXPECT_TRUE(wrong.error().is(ContractsErrc::kWrongLog));
  EXPECT_NE(wrong.error().message().find("QuorumThresholdUpdated"), std::string::npos)
      << wrong.error().message();
  EXPECT_NE(wrong.error().message().find("block 12, index 3"), std::string::npos) << wrong.error().message();

  chain::Log no_topics = log;
  no_topics.topics.clear();
  EXPECT_TRUE(decode_event<ServiceURIUpdated>(no_topics).error().is(ContractsErrc::kWrongLog));

  chain::Log truncated = log;
  truncated.data.resize(40);
  auto bad = decode_event<ServiceURIUpdated>(truncated);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().is(ContractsErrc::kDecode)) << bad.error().message();

  // An indexed parameter missing from the topics.
  chain::Log short_topics = encode_event(OperatorDeregistered{addr(3)}, addr(1));
  short_topics.topics.pop_back();
  EXPECT_FALSE(decode_event<OperatorDeregistered>(short_topics));
}

TEST(Events, ManagerEventsDispatchOnTopic0) {
  auto uri = decode_manager_event(encode_event(ServiceURIUpdated{"u"}, addr(1)));
  ASSERT_TRUE(uri) << uri.error().message();
  EXPECT_EQ(std::get<ServiceURIUpdated>(*uri).service_uri, "u");
  auto dereg = decode_manager_event(encode_event(OperatorDeregistered{addr(3)}, addr(1)));
  ASSERT_TRUE(dereg);
  EXPECT_EQ(std::get<OperatorDeregistered>(*dereg).operator_address, addr(3));

  auto other = decode_manager_event(encode_event(NewTrigger{{}}, addr(1)));
  ASSERT_FALSE(other);
  EXPECT_TRUE(other.error().is(ContractsErrc::kWrongLog));

  auto topics = manager_event_topics();
  EXPECT_EQ(topics.size(), std::variant_size_v<ManagerEvent>);
  EXPECT_NE(std::find(topics.begin(), topics.end(), event_topic<SigningKeyUpdated>()), topics.end());
}

TEST(Events, EventsInReceiptKeepOnlyTheEmitter) {
  chain::Receipt receipt;
  receipt.logs.push_back(encode_event(NewTrigger{{1}}, addr(1)));
  receipt.logs.push_back(encode_event(NewTrigger{{2}}, addr(2)));  // another contract
  receipt.logs.push_back(encode_event(ServiceURIUpdated{"u"}, addr(1)));
  receipt.logs.push_back(encode_event(NewTrigger{{3}}, addr(1)));
  auto found = events_in<NewTrigger>(receipt, addr(1));
  ASSERT_TRUE(found) << found.error().message();
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].trigger_info, Bytes{1});
  EXPECT_EQ((*found)[1].trigger_info, Bytes{3});

  receipt.logs[3].data.resize(10);
  EXPECT_FALSE(events_in<NewTrigger>(receipt, addr(1)));
}

TEST(Events, NewTriggerLogOfTheVectors) {
  const auto& v = testing::signing_vectors()["new_trigger"];
  ASSERT_TRUE(v.is_object()) << "contracts/test/vectors/signing.json has no new_trigger";
  chain::Log log;
  log.topics.push_back(*Hash256::from_hex(v["topic0"].get<std::string>()));
  log.data = testing::vector_bytes(v["log_data"]);
  auto event = decode_event<NewTrigger>(log);
  ASSERT_TRUE(event) << event.error().message();
  EXPECT_FALSE(event->trigger_info.empty());
}

}  // namespace
}  // namespace wavs::contracts
