#include "component/trigger.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.hpp"

namespace wavs::component {
namespace {

namespace fs = std::filesystem;

constexpr const char* kServiceIdHex = "8f0a5d6c39bde6c6e0f5a7b7f0e2b2f4d5c8f1a3b9e6d2c7a4f1e8b5c2d9a6f3";

// ctest sets WAVS_SOURCE_DIR; when the binary is run by hand, look upwards from the
// working directory and from the binary for the checkout.
fs::path source_path(const fs::path& rel) {
  if (const char* src = std::getenv("WAVS_SOURCE_DIR")) return fs::path(src) / rel;
  std::error_code ec;
  for (fs::path start : {fs::current_path(ec), fs::read_symlink("/proc/self/exe", ec).parent_path()}) {
    for (fs::path dir = start; !dir.empty(); dir = dir.parent_path()) {
      if (fs::exists(dir / rel, ec)) return dir / rel;
      if (dir == dir.parent_path()) break;
    }
  }
  return rel;
}

fs::path triggers_dir() { return source_path(fs::path("sdk") / "tests" / "triggers"); }

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string read_trigger_file(const std::string& name) { return read_file(triggers_dir() / name); }

TriggerAction load_action(const std::string& name) {
  auto action = parse_trigger_action(read_trigger_file(name));
  EXPECT_TRUE(action.has_value()) << name << ": " << action.error().message();
  return action ? *action : TriggerAction{};
}

Hash256 service_id() { return *Hash256::from_hex(kServiceIdHex); }

Hash256 hash_of(std::string_view hex) { return *Hash256::from_hex(hex); }

service::ChainKey key(std::string_view text) { return service::parse_chain_key(text).value(); }

std::string trigger_json(const TriggerAction& action) { return service::trigger_to_json(action.trigger); }

// A data document with `log_fields` as the body of the evm log (before the closing brace).
std::string evm_data(const std::string& log_fields) {
  return R"({"evm_contract_event":{"chain":"evm:31337","log":{)" + log_fields + "}}}";
}

const std::string kTopic = "0x" + std::string(64, '1');
const std::string kAddress = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

// Every member of a valid log, so a test can replace or drop one.
std::vector<std::pair<std::string, std::string>> good_log_members() {
  return {{"address", "\"" + kAddress + "\""},
          {"topics", "[\"" + kTopic + "\"]"},
          {"data", "\"0x2a\""},
          {"tx_hash", "\"" + kTopic + "\""},
          {"block_number", "\"42\""},
          {"block_hash", "\"" + kTopic + "\""},
          {"log_index", "\"1\""},
          {"tx_index", "\"2\""}};
}

std::string log_with(const std::string& name, const std::optional<std::string>& value) {
  std::string out;
  for (const auto& [key, text] : good_log_members()) {
    std::string v = key == name ? value.value_or("") : text;
    if (key == name && !value) continue;
    out += (out.empty() ? "\"" : ",\"") + key + "\":" + v;
  }
  return evm_data(out);
}

void expect_bad(std::string_view json, const std::string& detail_part) {
  auto result = parse_trigger_data(json);
  ASSERT_FALSE(result.has_value()) << json;
  EXPECT_TRUE(result.error().is(ComponentErrc::kBadTrigger)) << result.error().message();
  EXPECT_NE(result.error().detail().find(detail_part), std::string::npos)
      << "detail '" << result.error().detail() << "' lacks '" << detail_part << "'";
}

std::string action_with_data(const std::string& data, const std::string& trigger = R"("manual")") {
  return std::string(R"({"config":{"service_id":")") + kServiceIdHex +
         R"(","workflow_id":"default","trigger":)" + trigger + R"(},"data":)" + data + "}";
}

// ---- The sdk trigger documents and the doc's test vectors.

TEST(TriggerDocs, EvmContractEventParses) {
  auto action = load_action("evm_contract_event.json");
  EXPECT_EQ(action.service_id, service_id());
  EXPECT_EQ(action.workflow_id, "default");
  EXPECT_EQ(
      trigger_json(action),
      R"({"evm_contract_event":{"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3","chain":"evm:31337",)"
      R"("event_hash":"0x86d6ee6e8e7da2e1bb2fd4d06e1e8af1d1cb3f6ea6d7d40de5d5bb02c67b5a6e"}})");
  ASSERT_TRUE(std::holds_alternative<EvmContractEvent>(action.data));
  const auto& event = std::get<EvmContractEvent>(action.data);
  EXPECT_EQ(event.chain, key("evm:31337"));
  EXPECT_EQ(event.log.address.hex(), kAddress);
  ASSERT_EQ(event.log.topics.size(), 2u);
  EXPECT_EQ(event.log.topics[0], hash_of("0x86d6ee6e8e7da2e1bb2fd4d06e1e8af1d1cb3f6ea6d7d40de5d5bb02c67b5a6e"));
  EXPECT_EQ(event.log.topics[1], hash_of("0x" + std::string(63, '0') + "1"));
  EXPECT_EQ(to_hex(event.log.data), "0x" + std::string(62, '0') + "2a");
  EXPECT_EQ(event.log.tx_hash, hash_of("0x3c0f1b8f5a4f0e8c4c2b6e8f6e0a1d5f9b7a3c2d1e0f9a8b7c6d5e4f3a2b1c0d"));
  EXPECT_EQ(event.log.block_number, 42u);
  EXPECT_EQ(event.log.block_hash, hash_of("0x9e2f4c1a7b3d5e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"));
  EXPECT_EQ(event.log.log_index, 0u);
  EXPECT_EQ(event.log.tx_index, 0u);
  EXPECT_EQ(variant_name(action.data), "evm_contract_event");
}

TEST(TriggerDocs, NewTriggerEventParses) {
  auto action = load_action("new_trigger.json");
  ASSERT_TRUE(std::holds_alternative<EvmContractEvent>(action.data));
  const auto& event = std::get<EvmContractEvent>(action.data);
  EXPECT_EQ(event.log.topics.size(), 1u);
  EXPECT_EQ(event.log.data.size(), 8u * 32u);
}

TEST(TriggerDocs, BlockIntervalParses) {
  auto action = load_action("block_interval.json");
  ASSERT_TRUE(std::holds_alternative<BlockInterval>(action.data));
  EXPECT_EQ(std::get<BlockInterval>(action.data), (BlockInterval{key("evm:31337"), 120}));
  EXPECT_EQ(trigger_json(action), R"({"block_interval":{"chain":"evm:31337","n_blocks":10}})");
  EXPECT_EQ(variant_name(action.data), "block_interval");
}

TEST(TriggerDocs, CronParses) {
  auto action = load_action("cron.json");
  ASSERT_TRUE(std::holds_alternative<Cron>(action.data));
  EXPECT_EQ(std::get<Cron>(action.data).trigger_time, 1764086400000000000ull);
  EXPECT_EQ(trigger_json(action), R"({"cron":{"schedule":"0 */5 * * * *"}})");
  EXPECT_EQ(variant_name(action.data), "cron");
}

TEST(TriggerDocs, RawParses) {
  auto action = load_action("raw.json");
  ASSERT_TRUE(std::holds_alternative<Raw>(action.data));
  Bytes expected(32, 0);
  expected[31] = 7;
  EXPECT_EQ(std::get<Raw>(action.data).data, expected);
  EXPECT_EQ(action.trigger, service::Trigger(service::ManualTrigger{}));
  EXPECT_EQ(variant_name(action.data), "raw");
}

struct Vector {
  const char* file;
  const char* encoding_prefix;
  const char* event_id;
};

TEST(TriggerDocs, TestVectorsWithoutSalt) {
  const Vector vectors[] = {
      {"evm_contract_event.json", "010000000965766d3a33313333375fbdb231", "0xbff52377f6efb0df504c8c4e8d8a6f95b150f841"},
      {"block_interval.json", "020000000965766d3a33313333370000000000000078",
       "0x6145fdd6b6d219c5eec197feabe1d497c6513014"},
      {"cron.json", "03187b4b3bf9190000", "0x6425c6cc84c60f9413dab76b3f63b309e52a1ad2"},
      {"raw.json", "040000002000", "0xd17981ed622b790410a5aebab3330d55caf53321"},
  };
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.file);
    auto action = load_action(v.file);
    const std::string encoding = to_hex(canonical_encoding(action.data), HexPrefix::kNone);
    EXPECT_EQ(encoding.rfind(v.encoding_prefix, 0), 0u) << encoding;
    auto id = event_id(action.service_id, action.workflow_id, action.data);
    ASSERT_TRUE(id.has_value()) << id.error().message();
    EXPECT_EQ(id->hex(), v.event_id);
  }
}

TEST(TriggerDocs, CanonicalEncodingsInFull) {
  // raw.json: 04 00000020 00…07
  EXPECT_EQ(to_hex(canonical_encoding(load_action("raw.json").data), HexPrefix::kNone),
            "0400000020" + std::string(62, '0') + "07");
  // cron.json is exactly tag + u64.
  EXPECT_EQ(to_hex(canonical_encoding(load_action("cron.json").data), HexPrefix::kNone), "03187b4b3bf9190000");
  // evm_contract_event.json, field by field from the table.
  const std::string evm = to_hex(canonical_encoding(load_action("evm_contract_event.json").data), HexPrefix::kNone);
  const std::string expected = std::string("01") + "00000009" + "65766d3a3331333337" +
                               "5fbdb2315678afecb367f032d93f642f64180aa3" + "02" +
                               "86d6ee6e8e7da2e1bb2fd4d06e1e8af1d1cb3f6ea6d7d40de5d5bb02c67b5a6e" +
                               std::string(63, '0') + "1" + "00000020" + std::string(62, '0') + "2a" +
                               "3c0f1b8f5a4f0e8c4c2b6e8f6e0a1d5f9b7a3c2d1e0f9a8b7c6d5e4f3a2b1c0d" +
                               "000000000000002a" +
                               "9e2f4c1a7b3d5e8f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071" +
                               "0000000000000000" + "0000000000000000";
  EXPECT_EQ(evm, expected);
}

TEST(TriggerDocs, SaltVector) {
  const std::uint8_t salt[] = {'a'};
  auto id = event_id_salted(service_id(), "default", salt);
  ASSERT_TRUE(id.has_value()) << id.error().message();
  EXPECT_EQ(id->hex(), "0x304cecd4c80df16998d6a1cf7bb851211daefa30");
}

TEST(TriggerEncoding, RawSevenIsTagLengthByte) {
  EXPECT_EQ(to_hex(canonical_encoding(Raw{{0x07}}), HexPrefix::kNone), "040000000107");
  EXPECT_EQ(to_hex(canonical_encoding(Raw{}), HexPrefix::kNone), "0400000000");
}

TEST(TriggerEncoding, BlockIntervalAndCronLayout) {
  EXPECT_EQ(to_hex(canonical_encoding(BlockInterval{key("a:b"), 0x0102030405060708ull}), HexPrefix::kNone),
            "0200000003613a620102030405060708");
  EXPECT_EQ(to_hex(canonical_encoding(Cron{UINT64_MAX}), HexPrefix::kNone), "03ffffffffffffffff");
}

// ---- Event ids.

TEST(TriggerEventId, SaltLimits) {
  const Bytes max(64, 0xab);
  EXPECT_TRUE(event_id_salted(service_id(), "default", max).has_value());
  const Bytes over(65, 0xab);
  auto too_long = event_id_salted(service_id(), "default", over);
  ASSERT_FALSE(too_long.has_value());
  EXPECT_TRUE(too_long.error().is(ComponentErrc::kInvalid));
  auto empty = event_id_salted(service_id(), "default", ByteView{});
  ASSERT_FALSE(empty.has_value());
  EXPECT_TRUE(empty.error().is(ComponentErrc::kInvalid));
}

TEST(TriggerEventId, WorkflowIdIsChecked) {
  auto bad_id = event_id(service_id(), "No", Raw{{1}});
  ASSERT_FALSE(bad_id.has_value());
  EXPECT_TRUE(bad_id.error().is(ComponentErrc::kInvalid));
  const std::uint8_t salt[] = {1};
  auto bad_salted = event_id_salted(service_id(), "with space", salt);
  ASSERT_FALSE(bad_salted.has_value());
  EXPECT_TRUE(bad_salted.error().is(ComponentErrc::kInvalid));
}

TEST(TriggerEventId, LengthAndTagBytesSeparateInputs) {
  // Without the length byte, workflow "abc" + salt "de" would hash like "abcd" + "e".
  const std::uint8_t de[] = {'d', 'e'};
  const std::uint8_t e[] = {'e'};
  EXPECT_NE(*event_id_salted(service_id(), "abc", de), *event_id_salted(service_id(), "abcd", e));
  // Without the tag byte, a salt equal to a trigger's canonical encoding would collide.
  const Raw raw{{7}};
  const Bytes encoding = canonical_encoding(raw);
  EXPECT_NE(*event_id(service_id(), "default", raw), *event_id_salted(service_id(), "default", encoding));
  // Different service ids and different data give different ids.
  Hash256 other = service_id();
  other[0] ^= 1;
  EXPECT_NE(*event_id(other, "default", raw), *event_id(service_id(), "default", raw));
  EXPECT_NE(*event_id(service_id(), "default", Raw{{8}}), *event_id(service_id(), "default", raw));
}

// ---- Workflow ids.

TEST(TriggerWorkflowId, UpstreamRule) {
  for (std::string_view good : std::initializer_list<std::string_view>{"abc", "default", "a_b-c", "012", "abcdefghijklmnopqrstuvwxyz0123456789"}) {
    EXPECT_TRUE(check_workflow_id(good).has_value()) << good;
  }
  for (std::string_view bad : std::initializer_list<std::string_view>{"", "ab", "Default", "a.b", "a b", "abcdefghijklmnopqrstuvwxyz01234567890",
                               "caf\xc3\xa9", std::string_view("ab\0c", 4)}) {
    auto status = check_workflow_id(bad);
    ASSERT_FALSE(status.has_value()) << bad;
    EXPECT_TRUE(status.error().is(ComponentErrc::kInvalid));
    EXPECT_NE(status.error().detail().find("[a-z0-9_-]"), std::string::npos) << status.error().detail();
  }
}

TEST(TriggerWorkflowId, ParseRejectsBadWorkflowIdNamingTheField) {
  std::string doc = action_with_data(R"({"raw":"0x"})");
  doc.replace(doc.find("default"), 7, "Default");
  auto action = parse_trigger_action(doc);
  ASSERT_FALSE(action.has_value());
  EXPECT_TRUE(action.error().is(ComponentErrc::kBadTrigger));
  EXPECT_EQ(action.error().detail().rfind("config.workflow_id: ", 0), 0u) << action.error().detail();
}

// ---- Output form and round trips.

TEST(TriggerJson, ExactOutputForm) {
  TriggerAction action;
  action.service_id = service_id();
  action.data = Raw{{0x07, 0xAB}};
  EXPECT_EQ(to_json(action), std::string(R"({"config":{"service_id":")") + kServiceIdHex +
                                 R"(","workflow_id":"default","trigger":"manual"},"data":{"raw":"0x07ab"}})");

  EvmContractEvent event;
  event.chain = key("evm:1");
  event.log.address = *chain::Address::from_hex(kAddress);
  event.log.topics = {hash_of(kTopic)};
  event.log.tx_hash = hash_of(kTopic);
  event.log.block_hash = hash_of(kTopic);
  event.log.block_number = 18446744073709551615ull;
  event.log.log_index = 3;
  event.log.tx_index = 4;
  event.log.removed = true;  // not part of the document
  EXPECT_EQ(to_json(TriggerData(event)),
            R"({"evm_contract_event":{"chain":"evm:1","log":{"address":")" + kAddress + R"(","topics":[")" + kTopic +
                R"("],"data":"0x","tx_hash":")" + kTopic + R"(","block_number":"18446744073709551615","block_hash":")" +
                kTopic + R"(","log_index":"3","tx_index":"4"}}})");
  EXPECT_EQ(to_json(TriggerData(BlockInterval{key("evm:31337"), 120})),
            R"({"block_interval":{"chain":"evm:31337","block_height":"120"}})");
  EXPECT_EQ(to_json(TriggerData(Cron{5})), R"({"cron":{"trigger_time":"5"}})");
}

TEST(TriggerJson, StringsAreEscaped) {
  // A hand-built key outside the rule still gives a well-formed document, which the
  // parser then refuses by the rule, naming the field.
  const BlockInterval interval{service::ChainKey{"odd", "\"quoted\"\\\n"}, 1};
  const std::string json = to_json(TriggerData(interval));
  EXPECT_EQ(json, R"({"block_interval":{"chain":"odd:\"quoted\"\\\n","block_height":"1"}})");
  auto back = parse_trigger_data(json);
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().detail().rfind("data.block_interval.chain: expected a chain key", 0), 0u)
      << back.error().detail();
}

TEST(TriggerJson, RoundTripEveryVariant) {
  for (const char* file : {"evm_contract_event.json", "new_trigger.json", "block_interval.json", "cron.json", "raw.json"}) {
    SCOPED_TRACE(file);
    const TriggerAction action = load_action(file);
    const std::string json = to_json(action);
    auto back = parse_trigger_action(json);
    ASSERT_TRUE(back.has_value()) << back.error().message();
    EXPECT_EQ(back->service_id, action.service_id);
    EXPECT_EQ(back->workflow_id, action.workflow_id);
    EXPECT_EQ(*back, action);
    EXPECT_EQ(to_json(*back), json);  // byte-stable

    auto data_back = parse_trigger_data(to_json(action.data));
    ASSERT_TRUE(data_back.has_value()) << data_back.error().message();
    EXPECT_EQ(*data_back, action.data);
  }
}

TEST(TriggerJson, RoundTripExtremes) {
  EvmContractEvent no_topics;
  no_topics.chain = key("cosmos:layer-1");
  no_topics.log.block_number = UINT64_MAX;
  no_topics.log.log_index = UINT64_MAX;
  no_topics.log.tx_index = UINT64_MAX;
  EvmContractEvent four_topics = no_topics;
  four_topics.log.topics.assign(4, hash_of(kTopic));
  four_topics.log.data = Bytes(1000, 0xfe);
  const TriggerData cases[] = {no_topics,
                               four_topics,
                               BlockInterval{key("x:y"), 0},
                               BlockInterval{key("x:y"), UINT64_MAX},
                               Cron{0},
                               Cron{UINT64_MAX},
                               Raw{},
                               Raw{Bytes(4096, 0x5a)}};
  for (const auto& data : cases) {
    auto back = parse_trigger_data(to_json(data));
    ASSERT_TRUE(back.has_value()) << to_json(data) << ": " << back.error().message();
    EXPECT_EQ(*back, data) << to_json(data);
  }
}

TEST(TriggerJson, TriggerIsReadByTheManifestRulesAndWrittenCanonically) {
  // Any member order, spacing and escapes; unknown members are dropped like the data's.
  const std::string trigger =
      "{ \"block_interval\" : {\"n_blocks\": 10,\n \"ch\\u0061in\": \"evm:31337\", \"note\": \"a \\\" b\"} }";
  auto action = parse_trigger_action(action_with_data(R"({"raw":"0x"})", trigger));
  ASSERT_TRUE(action.has_value()) << action.error().message();
  const service::BlockIntervalTrigger expected{key("evm:31337"), 10, std::nullopt, std::nullopt};
  EXPECT_EQ(action->trigger, service::Trigger(expected));
  EXPECT_EQ(trigger_json(*action), R"({"block_interval":{"chain":"evm:31337","n_blocks":10}})");
  // What a guest reads is the same bytes whichever way the trigger was written.
  const TriggerAction typed{service_id(), "default", expected, Raw{}};
  EXPECT_EQ(to_json(*action), to_json(typed));
  auto again = parse_trigger_action(to_json(*action));
  ASSERT_TRUE(again.has_value()) << again.error().message();
  EXPECT_EQ(*again, *action);
}

TEST(TriggerJson, EveryTriggerKindRoundTrips) {
  const service::Trigger triggers[] = {
      service::ManualTrigger{},
      service::EvmContractEventTrigger{key("evm:1"), *chain::Address::from_hex(kAddress), hash_of(kTopic)},
      service::BlockIntervalTrigger{key("cosmos:neutron-1"), 7, 100, 200},
      service::CronTrigger{"*/10 * * * * *", 1, std::nullopt},
  };
  for (const auto& trigger : triggers) {
    const TriggerAction action{service_id(), "default", trigger, Cron{9}};
    const std::string json = to_json(action);
    EXPECT_NE(json.find(R"("trigger":)" + service::trigger_to_json(trigger) + "}"), std::string::npos)
        << json;
    auto back = parse_trigger_action(json);
    ASSERT_TRUE(back.has_value()) << json << ": " << back.error().message();
    EXPECT_EQ(*back, action) << json;
    EXPECT_EQ(to_json(*back), json);
  }
}

TEST(TriggerJson, BadTriggersAreRefusedNamingTheField) {
  // The rules are the manifest's (tested in src/service); here, that they apply to
  // config.trigger and that the error is the document's.
  auto bad_kind = parse_trigger_action(action_with_data(R"({"raw":"0x"})", R"([1, "two"])"));
  ASSERT_FALSE(bad_kind.has_value());
  EXPECT_TRUE(bad_kind.error().is(ComponentErrc::kBadTrigger)) << bad_kind.error().message();
  EXPECT_EQ(bad_kind.error().detail().rfind("config.trigger: expected \"manual\" or an object", 0), 0u)
      << bad_kind.error().detail();
  auto bad_chain = parse_trigger_action(action_with_data(
      R"({"raw":"0x"})", R"({"evm_contract_event":{"chain":"evm","address":"0x00","event_hash":"0x00"}})"));
  ASSERT_FALSE(bad_chain.has_value());
  EXPECT_TRUE(bad_chain.error().is(ComponentErrc::kBadTrigger));
  EXPECT_EQ(bad_chain.error().detail().rfind("config.trigger.evm_contract_event.chain: ", 0), 0u)
      << bad_chain.error().detail();
}

TEST(TriggerJson, MissingTriggerIsManual) {
  const std::string doc = std::string(R"({"data":{"raw":"0x01"},"config":{"workflow_id":"abc","service_id":"0x)") +
                          kServiceIdHex + R"("}})";
  auto action = parse_trigger_action(doc);
  ASSERT_TRUE(action.has_value()) << action.error().message();
  EXPECT_EQ(action->trigger, service::Trigger(service::ManualTrigger{}));
  EXPECT_EQ(action->workflow_id, "abc");
}

TEST(TriggerJson, DuplicateMembersTakeTheLastLikeTheParser) {
  // Keys that repeat, including an escaped spelling of one, resolve as the JSON parser
  // does: the last wins.
  const std::string doc =
      std::string(R"({"config":{"service_id":")") + kServiceIdHex +
      R"(","workflow_id":"first","trigger":"manual"},"data":{"raw":"0x"},)" +
      R"("\u0063onfig":{"service_id":")" + kServiceIdHex +
      R"(","workflow_id":"second","trigger":"manual","trigger":{"cron" : {"schedule":"0 * * * * *"}}}})";
  auto action = parse_trigger_action(doc);
  ASSERT_TRUE(action.has_value()) << action.error().message();
  EXPECT_EQ(action->workflow_id, "second");
  EXPECT_EQ(trigger_json(*action), R"({"cron":{"schedule":"0 * * * * *"}})");
}

TEST(TriggerJson, ByteOrderMarkIsAccepted) {
  auto action = parse_trigger_action("\xEF\xBB\xBF" + action_with_data(R"({"raw":"0x01"})"));
  ASSERT_TRUE(action.has_value()) << action.error().message();
  EXPECT_EQ(std::get<Raw>(action->data).data, Bytes{0x01});
}

// ---- Accepted input forms.

TEST(TriggerParse, IntegersInEveryAcceptedForm) {
  for (const char* height : {R"("120")", "120", R"("0x78")", R"("0X78")", R"("0x0078")", R"("000120")"}) {
    auto data = parse_trigger_data(std::string(R"({"block_interval":{"chain":"evm:1","block_height":)") + height + "}}");
    ASSERT_TRUE(data.has_value()) << height << ": " << data.error().message();
    EXPECT_EQ(std::get<BlockInterval>(*data).block_height, 120u) << height;
  }
  auto max = parse_trigger_data(R"({"cron":{"trigger_time":"18446744073709551615"}})");
  ASSERT_TRUE(max.has_value());
  EXPECT_EQ(std::get<Cron>(*max).trigger_time, UINT64_MAX);
  auto max_number = parse_trigger_data(R"({"cron":{"trigger_time":18446744073709551615}})");
  ASSERT_TRUE(max_number.has_value());
  EXPECT_EQ(std::get<Cron>(*max_number).trigger_time, UINT64_MAX);
  auto max_hex = parse_trigger_data(R"({"cron":{"trigger_time":"0xFFFFFFFFFFFFFFFF"}})");
  ASSERT_TRUE(max_hex.has_value());
  EXPECT_EQ(std::get<Cron>(*max_hex).trigger_time, UINT64_MAX);
}

TEST(TriggerParse, HexInAnyCase) {
  auto data = parse_trigger_data(R"({"raw":"0xABcdEf"})");
  ASSERT_TRUE(data.has_value()) << data.error().message();
  EXPECT_EQ(std::get<Raw>(*data).data, (Bytes{0xab, 0xcd, 0xef}));
  auto empty = parse_trigger_data(R"({"raw":"0x"})");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(std::get<Raw>(*empty).data.empty());
}

TEST(TriggerParse, UnknownMembersAreIgnored) {
  std::string log;
  for (const auto& [key, text] : good_log_members()) log += "\"" + key + "\":" + text + ",";
  log += R"("removed":true,"future":{"x":[1,2]})";
  const std::string doc = R"({"future":1,"evm_contract_event":{"extra":"y","chain":"evm:31337","log":{)" + log + "}}}";
  auto data = parse_trigger_data(doc);
  ASSERT_TRUE(data.has_value()) << data.error().message();
  const auto& event = std::get<EvmContractEvent>(*data);
  EXPECT_EQ(event.log.log_index, 1u);
  EXPECT_EQ(event.log.tx_index, 2u);
  EXPECT_FALSE(event.log.removed);

  auto action = parse_trigger_action(std::string(R"({"version":2,"config":{"extra":null,"service_id":")") +
                                     kServiceIdHex + R"(","workflow_id":"abc"},"data":{"cron":{"trigger_time":"1","tz":"utc"}}})");
  ASSERT_TRUE(action.has_value()) << action.error().message();
  EXPECT_EQ(std::get<Cron>(action->data).trigger_time, 1u);
}

TEST(TriggerParse, ServiceIdForms) {
  std::string upper = kServiceIdHex;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& id : {std::string(kServiceIdHex), "0x" + std::string(kServiceIdHex), upper}) {
    std::string doc = action_with_data(R"({"raw":"0x"})");
    doc.replace(doc.find(kServiceIdHex), 64, id);
    auto action = parse_trigger_action(doc);
    ASSERT_TRUE(action.has_value()) << id << ": " << action.error().message();
    EXPECT_EQ(action->service_id, service_id());
  }
  for (const std::string& id : {std::string(kServiceIdHex).substr(1), std::string(kServiceIdHex) + "0",
                                "zz" + std::string(kServiceIdHex).substr(2), std::string("0x")}) {
    std::string doc = action_with_data(R"({"raw":"0x"})");
    doc.replace(doc.find(kServiceIdHex), 64, id);
    auto action = parse_trigger_action(doc);
    ASSERT_FALSE(action.has_value()) << id;
    EXPECT_TRUE(action.error().is(ComponentErrc::kBadTrigger));
    EXPECT_EQ(action.error().detail().rfind("config.service_id: expected 64 hex digits", 0), 0u)
        << action.error().detail();
  }
}

// ---- Rejected input, each naming the field.

TEST(TriggerParse, WrongLengthsNameTheField) {
  const std::string t = "\"" + kTopic + "\"";
  auto short_topic = "\"0x" + std::string(62, 'a') + "\"";
  auto doc = log_with("topics", "[" + t + "," + t + "," + short_topic + "]");
  auto result = parse_trigger_data(doc);
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().is(ComponentErrc::kBadTrigger));
  EXPECT_EQ(result.error().detail(), "data.evm_contract_event.log.topics[2]: expected 32 bytes, got 31");

  expect_bad(log_with("address", "\"0x" + std::string(38, '1') + "\""),
             "data.evm_contract_event.log.address: expected 20 bytes, got 19");
  expect_bad(log_with("tx_hash", "\"0x" + std::string(66, '1') + "\""),
             "data.evm_contract_event.log.tx_hash: expected 32 bytes, got 33");
  expect_bad(log_with("block_hash", "\"0x\""), "data.evm_contract_event.log.block_hash: expected 32 bytes, got 0");
  expect_bad(log_with("topics", "[" + t + "," + t + "," + t + "," + t + "," + t + "]"),
             "data.evm_contract_event.log.topics: 5 topics, at most 4 allowed");
  expect_bad(log_with("topics", t), "data.evm_contract_event.log.topics: expected an array, got string");
}

TEST(TriggerParse, BadHexNamesTheField) {
  expect_bad(R"({"raw":"0x123"})", "data.raw: odd number of hex digits (3)");
  expect_bad(R"({"raw":"0x12zz"})", "data.raw: bad hex digit");
  expect_bad(R"({"raw":"1234"})", "data.raw: expected a 0x-prefixed hex string");
  expect_bad(R"({"raw":7})", "data.raw: expected a 0x-hex string, got number");
  expect_bad(log_with("data", "\"0x0\""), "data.evm_contract_event.log.data: odd number of hex digits (1)");
  expect_bad(log_with("topics", "[\"" + kTopic.substr(0, 65) + "g\"]"),
             "data.evm_contract_event.log.topics[0]: bad hex digit 'g' at offset 65");
}

TEST(TriggerParse, MissingFieldsNameTheField) {
  for (const auto& [name, value] : good_log_members()) {
    expect_bad(log_with(name, std::nullopt), "data.evm_contract_event.log." + name + ": missing");
  }
  expect_bad(R"({"evm_contract_event":{"log":{}}})", "data.evm_contract_event.chain: missing");
  expect_bad(R"({"evm_contract_event":{"chain":"evm:1"}})", "data.evm_contract_event.log: missing");
  expect_bad(R"({"block_interval":{"chain":"evm:1"}})", "data.block_interval.block_height: missing");
  expect_bad(R"({"block_interval":{"block_height":"1"}})", "data.block_interval.chain: missing");
  expect_bad(R"({"cron":{}})", "data.cron.trigger_time: missing");

  auto no_data = parse_trigger_action(std::string(R"({"config":{"service_id":")") + kServiceIdHex +
                                      R"(","workflow_id":"default"}})");
  ASSERT_FALSE(no_data.has_value());
  EXPECT_EQ(no_data.error().detail(), "data: missing");
  auto no_config = parse_trigger_action(R"({"data":{"raw":"0x"}})");
  ASSERT_FALSE(no_config.has_value());
  EXPECT_EQ(no_config.error().detail(), "config: missing");
  auto no_workflow = parse_trigger_action(std::string(R"({"config":{"service_id":")") + kServiceIdHex +
                                          R"("},"data":{"raw":"0x"}})");
  ASSERT_FALSE(no_workflow.has_value());
  EXPECT_EQ(no_workflow.error().detail(), "config.workflow_id: missing");
  auto no_service = parse_trigger_action(R"({"config":{"workflow_id":"default"},"data":{"raw":"0x"}})");
  ASSERT_FALSE(no_service.has_value());
  EXPECT_EQ(no_service.error().detail(), "config.service_id: missing");
}

TEST(TriggerParse, WrongTypesNameTheField) {
  expect_bad(R"({"cron":[]})", "data.cron: expected an object, got array");
  expect_bad(R"({"evm_contract_event":{"chain":"evm:1","log":[]}})", "data.evm_contract_event.log: expected an object");
  expect_bad(R"({"block_interval":{"chain":5,"block_height":"1"}})", "data.block_interval.chain: expected a string");
  expect_bad(R"(["raw"])", "data: expected an object, got array");
  auto root = parse_trigger_action("[]");
  ASSERT_FALSE(root.has_value());
  EXPECT_TRUE(root.error().is(ComponentErrc::kBadTrigger));
  EXPECT_EQ(root.error().detail(), "document: expected an object, got array");
  auto config = parse_trigger_action(R"({"config":"x","data":{"raw":"0x"}})");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().detail(), "config: expected an object, got string");
}

TEST(TriggerParse, IntegerErrorsNameTheField) {
  expect_bad(R"({"cron":{"trigger_time":"18446744073709551616"}})",
             "data.cron.trigger_time: \"18446744073709551616\" does not fit in 64 bits");
  expect_bad(R"({"cron":{"trigger_time":18446744073709551616}})",
             "data.cron.trigger_time: expected an integer that fits in 64 bits");
  expect_bad(R"({"cron":{"trigger_time":"0x10000000000000000"}})", "data.cron.trigger_time: \"0x10000000000000000\" does not fit");
  expect_bad(R"({"cron":{"trigger_time":-1}})", "data.cron.trigger_time: negative number -1");
  expect_bad(R"({"cron":{"trigger_time":1.5}})", "data.cron.trigger_time: expected an integer");
  expect_bad(R"({"cron":{"trigger_time":""}})", "data.cron.trigger_time: expected a decimal string");
  expect_bad(R"({"cron":{"trigger_time":"-1"}})", "data.cron.trigger_time: expected a decimal string");
  expect_bad(R"({"cron":{"trigger_time":" 1"}})", "data.cron.trigger_time: expected a decimal string");
  expect_bad(R"({"cron":{"trigger_time":"0x"}})", "data.cron.trigger_time: expected 0x-hex digits");
  expect_bad(R"({"cron":{"trigger_time":"0x1g"}})", "data.cron.trigger_time: expected 0x-hex digits");
  expect_bad(R"({"cron":{"trigger_time":null}})", "data.cron.trigger_time: expected a decimal string, got null");
  expect_bad(log_with("block_number", "\"99999999999999999999\""), "data.evm_contract_event.log.block_number:");
  expect_bad(log_with("log_index", "true"), "data.evm_contract_event.log.log_index: expected a decimal string");
}

TEST(TriggerParse, ChainKeys) {
  for (const char* chain : {R"("")", R"("evm")", R"(":1")", R"("evm:")", R"("evm:0x1")", R"("EVM:1")"}) {
    expect_bad(std::string(R"({"block_interval":{"block_height":"1","chain":)") + chain + "}}",
               "data.block_interval.chain: expected a chain key \"namespace:id\"");
  }
  auto ok = parse_trigger_data(R"({"block_interval":{"block_height":"1","chain":"cosmos:neutron-1"}})");
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
}

TEST(TriggerParse, VariantCount) {
  expect_bad(R"({"cron":{"trigger_time":"1"},"raw":"0x"})", "data: more than one trigger variant (cron, raw)");
  expect_bad(R"({})", "data: no trigger variant");
  expect_bad(R"({"manual":{}})", "data: no trigger variant");
  expect_bad(R"({"Raw":"0x"})", "data: no trigger variant");
}

TEST(TriggerParse, InvalidJsonGivesTheOffset) {
  // "0x07" unquoted: the number starts at offset 8 and the 'x' at offset 9 breaks it.
  auto result = parse_trigger_data(R"({"raw": 0x07})");
  ASSERT_FALSE(result.has_value());
  EXPECT_TRUE(result.error().is(ComponentErrc::kBadTrigger));
  EXPECT_EQ(result.error().detail().rfind("invalid JSON at byte offset 9: ", 0), 0u) << result.error().detail();

  auto truncated = parse_trigger_action(R"({"config":)");
  ASSERT_FALSE(truncated.has_value());
  EXPECT_EQ(truncated.error().detail().rfind("invalid JSON at byte offset ", 0), 0u) << truncated.error().detail();

  auto trailing = parse_trigger_data(R"({"raw":"0x"} x)");
  ASSERT_FALSE(trailing.has_value());
  EXPECT_EQ(trailing.error().detail().rfind("invalid JSON at byte offset 13: ", 0), 0u) << trailing.error().detail();

  auto bad_utf8 = parse_trigger_data("{\"raw\":\"\xff\"}");
  ASSERT_FALSE(bad_utf8.has_value());
  EXPECT_EQ(bad_utf8.error().detail().rfind("invalid JSON at byte offset 8: ", 0), 0u) << bad_utf8.error().detail();

  auto huge_number = parse_trigger_data(R"({"cron":{"trigger_time":1e400}})");
  ASSERT_FALSE(huge_number.has_value());
  EXPECT_TRUE(huge_number.error().is(ComponentErrc::kBadTrigger));
  EXPECT_EQ(huge_number.error().detail(), "invalid JSON: number overflow parsing '1e400'");
  auto long_number = parse_trigger_data(R"({"cron":{"trigger_time":1)" + std::string(100'000, '0') + "}}");
  ASSERT_FALSE(long_number.has_value());
  EXPECT_TRUE(long_number.error().is(ComponentErrc::kBadTrigger));
  EXPECT_LT(long_number.error().detail().size(), 300u);

  auto empty = parse_trigger_action("");
  ASSERT_FALSE(empty.has_value());
  EXPECT_TRUE(empty.error().is(ComponentErrc::kBadTrigger));
}

TEST(TriggerParse, DeepNestingIsRejectedBeforeParsing) {
  // The root object is level 1, so a member a reader ignores may nest 63 more and the
  // document reaches the 64-level limit exactly.
  auto nested = [](int levels) { return std::string(levels, '[') + std::string(levels, ']'); };
  auto with_extra = [&](int levels) {
    std::string doc = action_with_data(R"({"raw":"0x"})");
    doc.insert(doc.size() - 1, R"(,"extra":)" + nested(levels));
    return doc;
  };
  auto ok = parse_trigger_action(with_extra(63));
  ASSERT_TRUE(ok.has_value()) << ok.error().message();

  auto deep = parse_trigger_action(with_extra(64));
  ASSERT_FALSE(deep.has_value());
  EXPECT_TRUE(deep.error().is(ComponentErrc::kBadTrigger));
  EXPECT_NE(deep.error().detail().find("nested deeper than 64 levels"), std::string::npos) << deep.error().detail();

  // A stack-exhausting document is refused quickly, long before its end.
  auto huge = parse_trigger_data(std::string(1'000'000, '['));
  ASSERT_FALSE(huge.has_value());
  EXPECT_EQ(huge.error().detail(), "document nested deeper than 64 levels at byte offset 64");
  auto objects = parse_trigger_data(std::string(100'000, '{'));
  ASSERT_FALSE(objects.has_value());
  EXPECT_NE(objects.error().detail().find("nested deeper"), std::string::npos);

  // Brackets inside strings are text, not nesting.
  auto in_string = parse_trigger_data(R"({"raw":"0x","note":")" + std::string(200, '[') + "\\\"\"}");
  ASSERT_TRUE(in_string.has_value()) << in_string.error().message();
}

TEST(TriggerParse, OversizedDocumentIsRejected) {
  constexpr std::size_t kLimit = std::size_t{16} << 20;
  const std::string doc = R"({"raw":"0x01"})";
  std::string at_limit = doc + std::string(kLimit - doc.size(), ' ');
  auto ok = parse_trigger_data(at_limit);
  ASSERT_TRUE(ok.has_value()) << ok.error().message();
  at_limit += ' ';
  auto over = parse_trigger_data(at_limit);
  ASSERT_FALSE(over.has_value());
  EXPECT_TRUE(over.error().is(ComponentErrc::kBadTrigger));
  EXPECT_NE(over.error().detail().find("over the limit"), std::string::npos) << over.error().detail();
}

TEST(TriggerParse, ErrorDetailsStayBounded) {
  // A long bad value is shortened in the detail, not copied whole.
  const std::string long_value(100'000, '9');
  auto result = parse_trigger_data(R"({"cron":{"trigger_time":")" + long_value + "\"}}");
  ASSERT_FALSE(result.has_value());
  EXPECT_LT(result.error().detail().size(), 200u) << result.error().detail();
  auto unterminated = parse_trigger_data(R"({"raw":")" + std::string(100'000, 'a'));
  ASSERT_FALSE(unterminated.has_value());
  EXPECT_LT(unterminated.error().detail().size(), 300u);
}

// The fuzzer's seeds say what they are by name; keep them honest so the fuzzer starts
// from both sides of every check.
TEST(TriggerFuzzCorpus, SeedsMatchTheirNames) {
  const fs::path dir = source_path(fs::path("fuzz") / "corpus" / "component_trigger_fuzz");
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  int actions = 0, datas = 0, bads = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string text = read_file(entry.path());
    SCOPED_TRACE(name);
    if (name.rfind("action_", 0) == 0) {
      auto action = parse_trigger_action(text);
      EXPECT_TRUE(action.has_value()) << action.error().message();
      ++actions;
    } else if (name.rfind("data_", 0) == 0) {
      auto data = parse_trigger_data(text);
      EXPECT_TRUE(data.has_value()) << data.error().message();
      ++datas;
    } else {
      ASSERT_EQ(name.rfind("bad_", 0), 0u);
      EXPECT_FALSE(parse_trigger_action(text).has_value());
      EXPECT_FALSE(parse_trigger_data(text).has_value());
      ++bads;
    }
  }
  EXPECT_GE(actions, 4);
  EXPECT_GE(datas, 4);
  EXPECT_GE(bads, 4);
}

}  // namespace
}  // namespace wavs::component
