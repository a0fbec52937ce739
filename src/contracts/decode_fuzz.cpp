// libFuzzer target: the contracts' decoders on hostile logs and revert data, which come
// from chain nodes and from contracts the node does not control. The first byte picks a
// decoder, the second the log's topic0 and how many 32-byte topics follow; the rest is
// those topics, then the data (or the revert data / encoded value itself).
// Whatever decodes must encode back and decode to the same value.

#include <cstdint>
#include <cstdlib>
#include <variant>

#include "contracts/contract_error.hpp"
#include "contracts/events.hpp"
#include "contracts/simple_trigger.hpp"

namespace {

using namespace wavs;
using namespace wavs::contracts;

void check(bool ok) {
  if (!ok) std::abort();
}

template <class E>
void round_trip_event(const chain::Log& log) {
  auto e = decode_event<E>(log);
  if (!e) return;
  auto again = decode_event<E>(encode_event(*e, log.address));
  check(again && *again == *e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t selector = data[0];   // low 3 bits: the decoder
  const std::uint8_t topic_spec = data[1];  // high nibble: a real topic0 (< 7) or none; low: more topics
  ByteView rest(data + 2, size - 2);

  chain::Log log;
  auto known = manager_event_topics();
  known.push_back(event_topic<NewTrigger>());
  known.push_back(event_topic<EnvelopeHandled>());
  // A real topic0 most of the time, so decoders get past the topic check.
  if ((topic_spec >> 4) < known.size()) log.topics.push_back(known[topic_spec >> 4]);
  for (std::size_t i = 0; i < (topic_spec & 0x03u) && rest.size() >= 32; ++i) {
    Hash256 t;
    std::copy(rest.begin(), rest.begin() + 32, t.data.begin());
    log.topics.push_back(t);
    rest = rest.subspan(32);
  }
  log.data.assign(rest.begin(), rest.end());

  switch (selector & 0x07) {
    case 0: {
      auto e = decode_manager_event(log);
      if (e) {
        std::visit(
            [&](const auto& event) {
              using E = std::decay_t<decltype(event)>;
              auto again = decode_event<E>(encode_event(event, log.address));
              check(again && *again == event);
            },
            *e);
      }
      break;
    }
    case 1: {
      ContractError err = decode_contract_error(rest);
      (void)error_name(err);
      (void)to_string(err);
      if (!std::holds_alternative<UnrecognizedRevert>(err)) {
        check(decode_contract_error(encode_contract_error(err)) == err);
      }
      break;
    }
    case 2: {
      auto info = simple_trigger::decode_trigger_info(rest);
      if (info) {
        auto again = simple_trigger::decode_trigger_info(simple_trigger::encode_trigger_info(*info));
        check(again && *again == *info);
      }
      break;
    }
    case 3:
      round_trip_event<NewTrigger>(log);
      break;
    case 4:
      round_trip_event<EnvelopeHandled>(log);
      break;
    default:
      round_trip_event<ServiceURIUpdated>(log);
      break;
  }
  return 0;
}
