// Placeholder until the trigger codec lands.
#include "component/trigger.hpp"

namespace wavs::component {
std::string_view variant_name(const TriggerData&) { return "raw"; }
Status check_workflow_id(std::string_view) { return {}; }
Result<TriggerData> parse_trigger_data(std::string_view) { return Error(ComponentErrc::kBadTrigger, "todo"); }
Result<TriggerAction> parse_trigger_action(std::string_view) { return Error(ComponentErrc::kBadTrigger, "todo"); }
std::string to_json(const TriggerData&) { return "{}"; }
std::string to_json(const TriggerAction&) { return "{}"; }
Bytes canonical_encoding(const TriggerData&) { return {}; }
Result<EventId> event_id(const Hash256&, std::string_view, const TriggerData&) { return EventId{}; }
Result<EventId> event_id_salted(const Hash256&, std::string_view, ByteView) { return EventId{}; }
}  // namespace wavs::component
