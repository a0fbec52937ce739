// Feeds arbitrary bytes to the TriggerAction and trigger-data parsers. Besides "no crash,
// no hang", every accepted document must survive the round trip the node relies on:
// to_json output parses back to the same value and is byte-stable, event ids derive,
// and config.trigger is the service module's canonical form of the typed trigger.
// An input the parser accepted is valid JSON within the depth limit.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "component/trigger.hpp"
#include "service/manifest.hpp"

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
    check(back.has_value() && *back == *action);
    check(wavs::component::to_json(*back) == json);
    // A parsed workflow id always passes the rule, so deriving the id cannot fail.
    check(wavs::component::event_id(action->service_id, action->workflow_id, action->data).has_value());
    round_trip_data(action->data);
    const std::string trigger = wavs::service::trigger_to_json(action->trigger);
    check(json.find("\"trigger\":" + trigger + "}") != std::string::npos);
    auto typed = wavs::service::parse_trigger(trigger);
    check(typed.has_value() && *typed == action->trigger &&
          wavs::service::trigger_to_json(*typed) == trigger);
  }

  if (auto trigger_data = wavs::component::parse_trigger_data(text)) round_trip_data(*trigger_data);
  return 0;
}
