// Feeds arbitrary bytes to the TriggerAction and trigger-data parsers. Besides "no crash,
// no hang", every accepted document must survive the round trip the node relies on:
// to_json output parses back to the same value and is byte-stable, and event ids derive.
// An input the parser accepted is valid JSON within the depth limit, so the nlohmann
// calls below cannot throw or recurse deeply.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "component/trigger.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void round_trip_data(const wavs::component::TriggerData& data) {
  const std::string json = wavs::component::to_json(data);
  auto back = wavs::component::parse_trigger_data(json);
  check(back.has_value() && *back == data);
  check(wavs::component::to_json(*back) == json);
  (void)wavs::component::canonical_encoding(data);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  if (auto action = wavs::component::parse_trigger_action(text)) {
    const std::string json = wavs::component::to_json(*action);
    auto back = wavs::component::parse_trigger_action(json);
    check(back.has_value());
    check(back->service_id == action->service_id && back->workflow_id == action->workflow_id &&
          back->trigger_json == action->trigger_json && back->data == action->data);
    check(wavs::component::to_json(*back) == json);
    // A parsed workflow id always passes the rule, so deriving the id cannot fail.
    check(wavs::component::event_id(action->service_id, action->workflow_id, action->data).has_value());
    round_trip_data(action->data);
    // trigger_json is cut from the text rather than re-serialized; it must still be the
    // same value nlohmann sees in the parsed document (duplicate keys, escapes, BOM).
    const auto doc = nlohmann::json::parse(text.begin(), text.end());
    const auto& config = doc.at("config");
    if (config.contains("trigger")) {
      check(nlohmann::json::parse(action->trigger_json) == config.at("trigger"));
    } else {
      check(action->trigger_json == "\"manual\"");
    }
  }

  if (auto trigger_data = wavs::component::parse_trigger_data(text)) round_trip_data(*trigger_data);
  return 0;
}
