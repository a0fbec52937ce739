#include "contracts/service_handler.hpp"

#include <gtest/gtest.h>

#include "test_vectors.hpp"

namespace wavs::contracts {
namespace {

TEST(ServiceHandlerAbi, HandleSignedEnvelopeIsTheCastCalldata) {
  const auto& v = testing::signing_vectors();
  ASSERT_TRUE(v.is_object()) << "contracts/test/vectors/signing.json is missing or not JSON";
  const auto& e0 = v["envelopes"][0];
  eth::Envelope envelope;
  envelope.event_id = *eth::EventId::from_hex(e0["event_id"].get<std::string>());
  envelope.ordering = *eth::Ordering::from_hex(e0["ordering"].get<std::string>());
  envelope.payload = testing::vector_bytes(e0["payload"]);
  std::vector<std::pair<Address, crypto::Signature>> signed_by;
  for (int i = 0; i < 2; ++i) {
    signed_by.emplace_back(*Address::from_hex(v["signing_keys"][i]["address"].get<std::string>()),
                           *crypto::Signature::from_hex(e0["signatures"][i].get<std::string>()));
  }
  auto sigs = eth::SignatureData::from_signatures(
      signed_by, v["handle_signed_envelope"]["reference_block"].get<std::uint32_t>());
  ASSERT_TRUE(sigs) << sigs.error().message();
  EXPECT_EQ(to_hex(service_handler::encode_handle_signed_envelope(envelope, *sigs)),
            v["handle_signed_envelope"]["calldata"].get<std::string>());
}

TEST(ServiceHandlerAbi, SimpleSubmitReadsTakeTheEventId) {
  eth::EventId id;
  id.data.fill(0x22);
  Bytes data = simple_submit::encode_is_handled(id);
  ASSERT_EQ(data.size(), 36u);
  EXPECT_EQ(to_hex(ByteView(data).first(4)), "0xfe5aa85b");
  // bytes20 is left-aligned in its word.
  EXPECT_EQ(Bytes(data.begin() + 4, data.begin() + 24), id.to_vector());
  EXPECT_EQ(Bytes(data.begin() + 24, data.end()), Bytes(12, 0));
  const Bytes payload_call = simple_submit::encode_get_payload(id);
  EXPECT_EQ(Bytes(payload_call.begin() + 4, payload_call.end()), Bytes(data.begin() + 4, data.end()));
  Address manager;
  manager.data.fill(0x33);
  Bytes ctor = simple_submit::encode_constructor(manager);
  ASSERT_EQ(ctor.size(), 32u);
  EXPECT_EQ(Bytes(ctor.begin() + 12, ctor.end()), manager.to_vector());
}

}  // namespace
}  // namespace wavs::contracts
