#include "contracts/events.hpp"

#include <cassert>

#include "contracts/abi_fields.hpp"
#include "eth/abi.hpp"

namespace wavs::contracts {
namespace {

template <class E>
auto fields(E& e) {
  using T = std::remove_const_t<E>;
  if constexpr (std::is_same_v<T, ServiceURIUpdated>) {
    return std::tie(e.service_uri);
  } else if constexpr (std::is_same_v<T, QuorumThresholdUpdated>) {
    return std::tie(e.numerator, e.denominator);
  } else if constexpr (std::is_same_v<T, OperatorRegistered>) {
    return std::tie(e.operator_address, e.weight);
  } else if constexpr (std::is_same_v<T, OperatorWeightUpdated>) {
    return std::tie(e.operator_address, e.old_weight, e.new_weight);
  } else if constexpr (std::is_same_v<T, OperatorDeregistered>) {
    return std::tie(e.operator_address);
  } else if constexpr (std::is_same_v<T, SigningKeyUpdated>) {
    return std::tie(e.operator_address, e.new_signing_key, e.old_signing_key);
  } else if constexpr (std::is_same_v<T, MaxReferenceBlockAgeUpdated>) {
    return std::tie(e.max_age);
  } else if constexpr (std::is_same_v<T, EnvelopeHandled>) {
    return std::tie(e.event_id, e.ordering, e.payload);
  } else {
    static_assert(std::is_same_v<T, NewTrigger>, "an event without its fields listed");
    return std::tie(e.trigger_info);
  }
}

template <class E>
const eth::AbiEvent& abi_event() {
  static const eth::AbiEvent event = [] {
    auto parsed = eth::AbiEvent::parse(E::kSignature);
    assert(parsed && "a binding's event signature does not parse");
    return *parsed;
  }();
  return event;
}

template <class E>
std::string what() {
  return "event " + abi_event<E>().name();
}

}  // namespace

template <class E>
const Hash256& event_topic() {
  return abi_event<E>().topic0();
}

template <class E>
Result<E> decode_event(const chain::Log& log) {
  if (log.topics.empty() || log.topics[0] != event_topic<E>()) {
    return Error(
        ContractsErrc::kWrongLog,
        what<E>() + ": log " + (log.topics.empty() ? "has no topics" : "has topic0 " + log.topics[0].hex()) +
            " (block " + std::to_string(log.block_number) + ", index " + std::to_string(log.log_index) + ")");
  }
  auto values = abi_event<E>().decode_log(log.topics, log.data);
  E event;
  Status assigned = values ? detail::assign_all(fields(event), *values) : Status(values.error());
  if (!assigned) {
    return Error(ContractsErrc::kDecode, what<E>() + " (block " + std::to_string(log.block_number) +
                                             ", index " + std::to_string(log.log_index) +
                                             "): " + assigned.error().message());
  }
  return event;
}

template <class E>
chain::Log encode_event(const E& event, const Address& emitter) {
  auto encoded = abi_event<E>().encode_log(detail::to_abi_all(fields(event)));
  assert(encoded && "typed fields always fit their ABI types");
  chain::Log log;
  log.address = emitter;
  if (encoded) {
    log.topics = std::move(encoded->first);
    log.data = std::move(encoded->second);
  }
  return log;
}

template <class E>
Result<std::vector<E>> events_in(const chain::Receipt& receipt, const Address& emitter) {
  std::vector<E> out;
  for (const auto& log : receipt.logs) {
    if (log.address != emitter || log.topics.empty() || log.topics[0] != event_topic<E>()) continue;
    auto event = decode_event<E>(log);
    if (!event) return event.error().with_context("transaction " + receipt.tx_hash.hex());
    out.push_back(std::move(*event));
  }
  return out;
}

namespace {
template <std::size_t... I>
Result<ManagerEvent> decode_any(const chain::Log& log, std::index_sequence<I...>) {
  std::optional<Result<ManagerEvent>> found;
  auto try_one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
    using E = std::variant_alternative_t<J, ManagerEvent>;
    if (found || log.topics.empty() || log.topics[0] != event_topic<E>()) return;
    auto event = decode_event<E>(log);
    found =
        event ? Result<ManagerEvent>(ManagerEvent(std::move(*event))) : Result<ManagerEvent>(event.error());
  };
  (try_one(std::integral_constant<std::size_t, I>{}), ...);
  if (found) return *std::move(found);
  return Error(ContractsErrc::kWrongLog,
               "service manager event: log " +
                   (log.topics.empty() ? std::string("has no topics") : "has topic0 " + log.topics[0].hex()) +
                   " (block " + std::to_string(log.block_number) + ", index " +
                   std::to_string(log.log_index) + ")");
}

template <std::size_t... I>
std::vector<Hash256> topics_of(std::index_sequence<I...>) {
  return {event_topic<std::variant_alternative_t<I, ManagerEvent>>()...};
}
}  // namespace

Result<ManagerEvent> decode_manager_event(const chain::Log& log) {
  return decode_any(log, std::make_index_sequence<std::variant_size_v<ManagerEvent>>{});
}

std::vector<Hash256> manager_event_topics() {
  return topics_of(std::make_index_sequence<std::variant_size_v<ManagerEvent>>{});
}

#define WAVS_CONTRACTS_EVENT(E)                                  \
  template const Hash256& event_topic<E>();                      \
  template Result<E> decode_event<E>(const chain::Log&);         \
  template chain::Log encode_event<E>(const E&, const Address&); \
  template Result<std::vector<E>> events_in<E>(const chain::Receipt&, const Address&);
WAVS_CONTRACTS_EVENT(ServiceURIUpdated)
WAVS_CONTRACTS_EVENT(QuorumThresholdUpdated)
WAVS_CONTRACTS_EVENT(OperatorRegistered)
WAVS_CONTRACTS_EVENT(OperatorWeightUpdated)
WAVS_CONTRACTS_EVENT(OperatorDeregistered)
WAVS_CONTRACTS_EVENT(SigningKeyUpdated)
WAVS_CONTRACTS_EVENT(MaxReferenceBlockAgeUpdated)
WAVS_CONTRACTS_EVENT(EnvelopeHandled)
WAVS_CONTRACTS_EVENT(NewTrigger)
#undef WAVS_CONTRACTS_EVENT

}  // namespace wavs::contracts
