#pragma once
// AggregatorState: the aggregator's durable state in one SQLite file (aggregator.sqlite
// in its data directory) — the services it aggregates for and, per (service, workflow,
// event id, envelope digest), the queue of operators' signatures and what became of it.
//
//   auto state = aggregator::AggregatorState::open(data_dir / "aggregator.sqlite");
//   (void)(*state)->add_service({id, manager, manifest_json, manifest_hash});
//   auto q = (*state)->add_signature(key, envelope, {signer, op, weight, sig});
//   if (q->signatures.size() >= enough) (void)(*state)->set_status(q->id, QueueStatus::kSubmitting);
//   ... send the transaction ...
//   (void)(*state)->set_status(q->id, QueueStatus::kSubmitted, tx_hash);
//
// Why a queue is keyed by the envelope digest too: operators that disagree about the
// payload sign different envelopes, and those signatures must never count together. Each
// digest gets its own queue; the first to reach the quorum lands, and the event is then
// done for every digest (submitted_for_event answers the late ones).
//
// Contract:
// - Each call is one SQLite transaction: it takes effect wholly or not at all, durably
//   (synchronous=FULL) when it returns success. Other processes on the same file are
//   serialised by SQLite's lock.
// - add_signature is idempotent per (queue, signer): a repeat returns the queue as it is,
//   with `added` false, and keeps the first signature. A queue once kSubmitted stays so.
// - Thread-safe (the Database serialises its users); calls block for at most the
//   database's busy timeout.
// - Errors are AggregatorErrc::kStorage with the database's detail, kServiceExists, or
//   kUnknownService; stored rows that do not decode are kStorage naming the row.

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aggregator/error.hpp"
#include "common/bytes.hpp"
#include "common/error.hpp"
#include "crypto/keys.hpp"
#include "eth/envelope.hpp"
#include "eth/uint256.hpp"
#include "service/manifest.hpp"

namespace wavs::storage {
class Database;
}

namespace wavs::aggregator {

// A service as registered: the manager it was asked for and the manifest its URI held.
struct ServiceRecord {
  Hash256 service_id;  // service::service_id(manager)
  service::Manager manager;
  std::string manifest_json;  // as published
  Hash256 manifest_hash;      // service::manifest_hash(manifest_json)
  std::int64_t added_ms = 0;  // set by add_service
};

enum class QueueStatus : std::uint8_t {
  kPending = 0,     // collecting signatures
  kSubmitting = 1,  // quorum reached; the transaction is being (or must be) sent
  kSubmitted = 2,   // landed (tx_hash), or found already handled on chain
};
[[nodiscard]] std::string_view to_string(QueueStatus status);

struct QueueKey {
  Hash256 service_id;
  std::string workflow_id;
  eth::EventId event_id;
  Hash256 digest;  // envelope.digest()
};

struct SignatureRecord {
  crypto::Address signer;            // the service's signing key
  crypto::Address operator_address;  // the manager's operator for it
  eth::U256 weight{0};               // the operator's weight when the packet came
  crypto::Signature signature;
  std::int64_t received_ms = 0;  // set by add_signature
};

struct QueueView {
  std::int64_t id = 0;
  QueueKey key;
  eth::Envelope envelope;
  QueueStatus status = QueueStatus::kPending;
  std::optional<Hash256> tx_hash;                // kSubmitted by a transaction of ours
  std::string last_error;                        // the last failed submission, "" when none
  std::vector<SignatureRecord> signatures;       // in arrival order
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t not_before_ms = 0;  // kSubmitting: not retried before (backoff, or waiting for the primary)
  bool added = false;  // add_signature: this call stored the signature

  [[nodiscard]] eth::U256 signed_weight() const;
};

struct StateStats {
  std::int64_t services = 0;
  std::int64_t pending = 0;
  std::int64_t submitting = 0;
  std::int64_t submitted = 0;
};

class AggregatorState {
 public:
  // Creates the file (its directory must exist) or opens and migrates it.
  [[nodiscard]] static Result<std::unique_ptr<AggregatorState>> open(const std::filesystem::path& file);
  ~AggregatorState();
  AggregatorState(const AggregatorState&) = delete;
  AggregatorState& operator=(const AggregatorState&) = delete;

  // kServiceExists when the id is registered.
  [[nodiscard]] Status add_service(const ServiceRecord& record);
  // Replaces the manifest of a registered service (kUnknownService otherwise).
  [[nodiscard]] Status update_service(const ServiceRecord& record);
  // false when there was no such service. Its queues stay until purged.
  [[nodiscard]] Result<bool> remove_service(const Hash256& service_id);
  [[nodiscard]] Result<std::vector<ServiceRecord>> services();

  // Creates the queue of `key` (holding `envelope`) on first use and adds the signature.
  [[nodiscard]] Result<QueueView> add_signature(const QueueKey& key, const eth::Envelope& envelope,
                                                const SignatureRecord& signature);
  [[nodiscard]] Result<std::optional<QueueView>> queue(std::int64_t id);
  // The kSubmitted queue of this event, whatever its digest.
  [[nodiscard]] Result<std::optional<QueueView>> submitted_for_event(const Hash256& service_id,
                                                                     const std::string& workflow_id,
                                                                     const eth::EventId& event_id);
  // A kSubmitted queue is never moved back (the call is then a no-op). `not_before_ms`
  // (ms since the epoch) holds a kSubmitting queue back from queues_with_status.
  [[nodiscard]] Status set_status(std::int64_t id, QueueStatus status,
                                  const std::optional<Hash256>& tx_hash = std::nullopt,
                                  const std::string& last_error = {}, std::int64_t not_before_ms = 0);
  // Removes signatures that no longer count (their key was unbound, their operator
  // lost its weight).
  [[nodiscard]] Status drop_signatures(std::int64_t id, const std::vector<crypto::Address>& signers);
  // Ids of the queues in `status` whose not_before_ms is at most `due_at_ms`, oldest
  // first, at most `limit`.
  [[nodiscard]] Result<std::vector<std::int64_t>> queues_with_status(
      QueueStatus status, std::size_t limit, std::int64_t due_at_ms = std::numeric_limits<std::int64_t>::max());
  // Deletes kSubmitted queues last updated before `submitted_before_ms` and kPending ones
  // before `pending_before_ms` (events that never reached the quorum). Returns how many.
  [[nodiscard]] Result<std::int64_t> purge(std::int64_t submitted_before_ms, std::int64_t pending_before_ms);
  [[nodiscard]] Result<StateStats> stats();

 private:
  explicit AggregatorState(std::unique_ptr<storage::Database> db);
  std::unique_ptr<storage::Database> db_;
};

}  // namespace wavs::aggregator
