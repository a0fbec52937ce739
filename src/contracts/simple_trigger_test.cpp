#include "contracts/simple_trigger.hpp"

#include <gtest/gtest.h>

#include "test_vectors.hpp"

namespace wavs::contracts {
namespace {

TEST(SimpleTriggerAbi, TriggerInfoOfTheCastVector) {
  const auto& v = testing::signing_vectors()["new_trigger"];
  ASSERT_TRUE(v.is_object()) << "contracts/test/vectors/signing.json has no new_trigger";
  chain::Log log;
  log.topics.push_back(*Hash256::from_hex(v["topic0"].get<std::string>()));
  log.data = testing::vector_bytes(v["log_data"]);
  auto event = decode_event<NewTrigger>(log);
  ASSERT_TRUE(event) << event.error().message();
  auto info = simple_trigger::decode_trigger_info(event->trigger_info);
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->trigger_id, v["trigger_id"].get<std::uint64_t>());
  EXPECT_EQ(info->creator, *Address::from_hex(v["creator"].get<std::string>()));
  EXPECT_EQ(info->data, testing::vector_bytes(v["data"]));
  EXPECT_EQ(simple_trigger::encode_trigger_info(*info), event->trigger_info);
}

TEST(SimpleTriggerAbi, TriggerInfoRoundTripsAndRejectsGarbage) {
  TriggerInfo info{~std::uint64_t{0}, {}, Bytes(70, 0x5a)};
  info.creator.data.fill(0x44);
  Bytes encoded = simple_trigger::encode_trigger_info(info);
  auto back = simple_trigger::decode_trigger_info(encoded);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(*back, info);

  for (std::size_t cut : std::vector<std::size_t>{0, 31, 64, 130, encoded.size() - 30}) {
    auto bad = simple_trigger::decode_trigger_info(ByteView(encoded).first(cut));
    ASSERT_FALSE(bad) << cut;
    EXPECT_TRUE(bad.error().is(ContractsErrc::kDecode));
    EXPECT_NE(bad.error().message().find("TriggerInfo"), std::string::npos);
  }
  // A trigger id beyond 64 bits.
  Bytes wide = encoded;
  wide[32 + 23] = 1;
  EXPECT_FALSE(simple_trigger::decode_trigger_info(wide));
}

TEST(SimpleTriggerAbi, Calldata) {
  const Bytes payload = {0xde, 0xad, 0xbe, 0xef};
  Bytes add = simple_trigger::encode_add_trigger(payload);
  EXPECT_EQ(to_hex(ByteView(add).first(4)), "0xe31e0788");
  ASSERT_EQ(add.size(), 4u + 96u);
  EXPECT_EQ(add[4 + 63], 4);  // length
  EXPECT_EQ(Bytes(add.begin() + 68, add.begin() + 72), payload);
  Bytes get = simple_trigger::encode_get_trigger(0x0102);
  ASSERT_EQ(get.size(), 36u);
  EXPECT_EQ(get[34], 0x01);
  EXPECT_EQ(get[35], 0x02);
}

}  // namespace
}  // namespace wavs::contracts
