#include "aggregator/state.hpp"

#include <chrono>
#include <functional>

#include "storage/database.hpp"

namespace wavs::aggregator {
namespace {

using storage::TxMode;

const storage::Schema& schema() {
  static const storage::Schema kSchema{
      "aggregator state",
      {{1, "services, queues and signatures",
        "CREATE TABLE services("
        "  service_id BLOB PRIMARY KEY, chain TEXT NOT NULL, manager BLOB NOT NULL,"
        "  manifest TEXT NOT NULL, manifest_hash BLOB NOT NULL, added_ms INTEGER NOT NULL);"
        "CREATE TABLE queues("
        "  id INTEGER PRIMARY KEY, service_id BLOB NOT NULL, workflow_id TEXT NOT NULL,"
        "  event_id BLOB NOT NULL, digest BLOB NOT NULL, ordering BLOB NOT NULL, payload BLOB NOT NULL,"
        "  status INTEGER NOT NULL, tx_hash BLOB, last_error TEXT NOT NULL DEFAULT '',"
        "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, not_before_ms INTEGER NOT NULL DEFAULT 0,"
        "  UNIQUE(service_id, workflow_id, event_id, digest));"
        "CREATE INDEX queues_by_status ON queues(status, id);"
        "CREATE TABLE signatures("
        "  queue_id INTEGER NOT NULL REFERENCES queues(id) ON DELETE CASCADE, signer BLOB NOT NULL,"
        "  operator BLOB NOT NULL, weight TEXT NOT NULL, signature BLOB NOT NULL,"
        "  received_ms INTEGER NOT NULL, PRIMARY KEY(queue_id, signer));"}},
      0,
      {}};
  return kSchema;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error storage_error(const Error& e) { return Error(AggregatorErrc::kStorage, e.message()); }

template <typename T>
Result<T> fixed(const Bytes& b, const char* what) {
  auto v = T::from_view(b);
  if (!v) return Error(AggregatorErrc::kStorage, std::string("stored ") + what + " does not decode");
  return *v;
}

// Columns of a queue row in the order QUEUE_COLUMNS lists them.
constexpr const char* kQueueColumns =
    "id, service_id, workflow_id, event_id, digest, ordering, payload, status, tx_hash, last_error, "
    "created_ms, updated_ms, not_before_ms";

Result<QueueView> read_queue_row(const storage::Statement& s) {
  QueueView q;
  q.id = s.column_int64(0);
  auto sid = fixed<Hash256>(s.column_blob(1), "service id");
  auto eid = fixed<eth::EventId>(s.column_blob(3), "event id");
  auto digest = fixed<Hash256>(s.column_blob(4), "digest");
  auto ordering = fixed<eth::Ordering>(s.column_blob(5), "ordering");
  if (!sid) return sid.error();
  if (!eid) return eid.error();
  if (!digest) return digest.error();
  if (!ordering) return ordering.error();
  q.key = {*sid, s.column_text(2), *eid, *digest};
  q.envelope = {*eid, *ordering, s.column_blob(6)};
  const auto status = s.column_int64(7);
  if (status < 0 || status > 2) return Error(AggregatorErrc::kStorage, "stored queue status out of range");
  q.status = static_cast<QueueStatus>(status);
  if (!s.column_is_null(8)) {
    auto tx = fixed<Hash256>(s.column_blob(8), "tx hash");
    if (!tx) return tx.error();
    q.tx_hash = *tx;
  }
  q.last_error = s.column_text(9);
  q.created_ms = s.column_int64(10);
  q.updated_ms = s.column_int64(11);
  q.not_before_ms = s.column_int64(12);
  return q;
}

Status load_signatures(storage::Transaction& tx, QueueView& q) {
  auto s = tx.statement(
      "SELECT signer, operator, weight, signature, received_ms FROM signatures WHERE queue_id = ?1 "
      "ORDER BY received_ms, rowid");
  if (!s) return storage_error(s.error());
  s->bind_int64(1, q.id);
  while (true) {
    auto row = s->step();
    if (!row) return storage_error(row.error());
    if (!*row) break;
    SignatureRecord r;
    auto signer = fixed<crypto::Address>(s->column_blob(0), "signer");
    auto op = fixed<crypto::Address>(s->column_blob(1), "operator");
    auto weight = eth::parse_u256(s->column_text(2));
    auto sig = crypto::Signature::from_view(s->column_blob(3));
    if (!signer || !op || !weight || !sig) {
      return Error(AggregatorErrc::kStorage, "stored signature of queue " + std::to_string(q.id) + " does not decode");
    }
    r.signer = *signer;
    r.operator_address = *op;
    r.weight = *weight;
    r.signature = *sig;
    r.received_ms = s->column_int64(4);
    q.signatures.push_back(std::move(r));
  }
  return {};
}

Result<std::optional<QueueView>> select_queue(storage::Transaction& tx, std::string_view where,
                                              const std::function<void(storage::Statement&)>& bind) {
  auto s = tx.statement(std::string("SELECT ") + kQueueColumns + " FROM queues WHERE " + std::string(where));
  if (!s) return storage_error(s.error());
  bind(*s);
  auto row = s->step();
  if (!row) return storage_error(row.error());
  if (!*row) return std::optional<QueueView>{};
  auto q = read_queue_row(*s);
  if (!q) return q.error();
  return std::optional<QueueView>(std::move(*q));
}

}  // namespace

std::string_view to_string(QueueStatus status) {
  switch (status) {
    case QueueStatus::kPending:
      return "pending";
    case QueueStatus::kSubmitting:
      return "submitting";
    case QueueStatus::kSubmitted:
      return "submitted";
  }
  return "pending";
}

eth::U256 QueueView::signed_weight() const {
  eth::U256 sum{0};
  for (const auto& s : signatures) sum += s.weight;
  return sum;
}

AggregatorState::AggregatorState(std::unique_ptr<storage::Database> db) : db_(std::move(db)) {}
AggregatorState::~AggregatorState() = default;

Result<std::unique_ptr<AggregatorState>> AggregatorState::open(const std::filesystem::path& file) {
  auto db = storage::Database::open(file, schema());
  if (!db) return storage_error(db.error());
  return std::unique_ptr<AggregatorState>(new AggregatorState(std::move(*db)));
}

Status AggregatorState::add_service(const ServiceRecord& r) {
  auto tx = db_->begin(TxMode::kImmediate, "add service");
  if (!tx) return storage_error(tx.error());
  {
    auto s = tx->statement(
        "INSERT INTO services(service_id, chain, manager, manifest, manifest_hash, added_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(service_id) DO NOTHING");
    if (!s) return storage_error(s.error());
    s->bind_blob(1, r.service_id.view())
        .bind_text(2, r.manager.chain.str())
        .bind_blob(3, r.manager.address.view())
        .bind_text(4, r.manifest_json)
        .bind_blob(5, r.manifest_hash.view())
        .bind_int64(6, now_ms());
    if (auto st = s->run(); !st) return storage_error(st.error());
    if (s->changes() == 0) {
      return Error(AggregatorErrc::kServiceExists, "service " + r.service_id.hex(HexPrefix::kNone));
    }
  }
  if (auto st = tx->commit(); !st) return storage_error(st.error());
  return {};
}

Status AggregatorState::update_service(const ServiceRecord& r) {
  auto tx = db_->begin(TxMode::kImmediate, "update service");
  if (!tx) return storage_error(tx.error());
  {
    auto s = tx->statement("UPDATE services SET manifest = ?2, manifest_hash = ?3 WHERE service_id = ?1");
    if (!s) return storage_error(s.error());
    s->bind_blob(1, r.service_id.view()).bind_text(2, r.manifest_json).bind_blob(3, r.manifest_hash.view());
    if (auto st = s->run(); !st) return storage_error(st.error());
    if (s->changes() == 0) {
      return Error(AggregatorErrc::kUnknownService, "service " + r.service_id.hex(HexPrefix::kNone));
    }
  }
  if (auto st = tx->commit(); !st) return storage_error(st.error());
  return {};
}

Result<bool> AggregatorState::remove_service(const Hash256& service_id) {
  auto tx = db_->begin(TxMode::kImmediate, "remove service");
  if (!tx) return storage_error(tx.error());
  bool removed = false;
  {
    auto s = tx->statement("DELETE FROM services WHERE service_id = ?1");
    if (!s) return storage_error(s.error());
    s->bind_blob(1, service_id.view());
    if (auto st = s->run(); !st) return storage_error(st.error());
    removed = s->changes() > 0;
  }
  if (auto st = tx->commit(); !st) return storage_error(st.error());
  return removed;
}

Result<std::vector<ServiceRecord>> AggregatorState::services() {
  auto tx = db_->begin(TxMode::kDeferred, "list services");
  if (!tx) return storage_error(tx.error());
  auto s = tx->statement(
      "SELECT service_id, chain, manager, manifest, manifest_hash, added_ms FROM services ORDER BY added_ms, "
      "service_id");
  if (!s) return storage_error(s.error());
  std::vector<ServiceRecord> out;
  while (true) {
    auto row = s->step();
    if (!row) return storage_error(row.error());
    if (!*row) break;
    ServiceRecord r;
    auto sid = fixed<Hash256>(s->column_blob(0), "service id");
    auto chain = service::parse_chain_key(s->column_text(1));
    auto manager = fixed<crypto::Address>(s->column_blob(2), "manager address");
    auto hash = fixed<Hash256>(s->column_blob(4), "manifest hash");
    if (!sid || !chain || !manager || !hash) return Error(AggregatorErrc::kStorage, "stored service does not decode");
    r.service_id = *sid;
    r.manager = {*chain, *manager};
    r.manifest_json = s->column_text(3);
    r.manifest_hash = *hash;
    r.added_ms = s->column_int64(5);
    out.push_back(std::move(r));
  }
  return out;
}

Result<QueueView> AggregatorState::add_signature(const QueueKey& key, const eth::Envelope& envelope,
                                                 const SignatureRecord& sig) {
  auto tx = db_->begin(TxMode::kImmediate, "add signature");
  if (!tx) return storage_error(tx.error());
  const auto now = now_ms();
  {
    auto s = tx->statement(
        "INSERT INTO queues(service_id, workflow_id, event_id, digest, ordering, payload, status, created_ms, "
        "updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?7) "
        "ON CONFLICT(service_id, workflow_id, event_id, digest) DO NOTHING");
    if (!s) return storage_error(s.error());
    s->bind_blob(1, key.service_id.view())
        .bind_text(2, key.workflow_id)
        .bind_blob(3, key.event_id.view())
        .bind_blob(4, key.digest.view())
        .bind_blob(5, envelope.ordering.view())
        .bind_blob(6, envelope.payload)
        .bind_int64(7, now);
    if (auto st = s->run(); !st) return storage_error(st.error());
  }
  auto found = select_queue(*tx, "service_id = ?1 AND workflow_id = ?2 AND event_id = ?3 AND digest = ?4",
                            [&](storage::Statement& s) {
                              s.bind_blob(1, key.service_id.view())
                                  .bind_text(2, key.workflow_id)
                                  .bind_blob(3, key.event_id.view())
                                  .bind_blob(4, key.digest.view());
                            });
  if (!found) return found.error();
  if (!*found) return Error(AggregatorErrc::kStorage, "queue vanished inside its transaction");
  QueueView q = std::move(**found);
  {
    auto s = tx->statement(
        "INSERT INTO signatures(queue_id, signer, operator, weight, signature, received_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(queue_id, signer) DO NOTHING");
    if (!s) return storage_error(s.error());
    s->bind_int64(1, q.id)
        .bind_blob(2, sig.signer.view())
        .bind_blob(3, sig.operator_address.view())
        .bind_text(4, eth::to_decimal(sig.weight))
        .bind_blob(5, sig.signature.view())
        .bind_int64(6, now);
    if (auto st = s->run(); !st) return storage_error(st.error());
    q.added = s->changes() > 0;
  }
  if (q.added) {
    auto s = tx->statement("UPDATE queues SET updated_ms = ?2 WHERE id = ?1");
    if (!s) return storage_error(s.error());
    s->bind_int64(1, q.id).bind_int64(2, now);
    if (auto st = s->run(); !st) return storage_error(st.error());
    q.updated_ms = now;
  }
  if (auto st = load_signatures(*tx, q); !st) return st.error();
  if (auto st = tx->commit(); !st) return storage_error(st.error());
  return q;
}

Result<std::optional<QueueView>> AggregatorState::queue(std::int64_t id) {
  auto tx = db_->begin(TxMode::kDeferred, "read queue");
  if (!tx) return storage_error(tx.error());
  auto found = select_queue(*tx, "id = ?1", [&](storage::Statement& s) { s.bind_int64(1, id); });
  if (!found || !*found) return found;
  if (auto st = load_signatures(*tx, **found); !st) return st.error();
  return found;
}

Result<std::optional<QueueView>> AggregatorState::submitted_for_event(const Hash256& service_id,
                                                                      const std::string& workflow_id,
                                                                      const eth::EventId& event_id) {
  auto tx = db_->begin(TxMode::kDeferred, "find submitted event");
  if (!tx) return storage_error(tx.error());
  auto found = select_queue(*tx, "service_id = ?1 AND workflow_id = ?2 AND event_id = ?3 AND status = 2 LIMIT 1",
                            [&](storage::Statement& s) {
                              s.bind_blob(1, service_id.view()).bind_text(2, workflow_id).bind_blob(3, event_id.view());
                            });
  if (!found || !*found) return found;
  if (auto st = load_signatures(*tx, **found); !st) return st.error();
  return found;
}

Status AggregatorState::set_status(std::int64_t id, QueueStatus status, const std::optional<Hash256>& tx_hash,
                                   const std::string& last_error, std::int64_t not_before_ms) {
  auto tx = db_->begin(TxMode::kImmediate, "set queue status");
  if (!tx) return storage_error(tx.error());
  {
    auto s = tx->statement(
        "UPDATE queues SET status = ?2, tx_hash = COALESCE(?3, tx_hash), last_error = ?4, updated_ms = ?5, "
        "not_before_ms = ?6 WHERE id = ?1 AND status != 2");
    if (!s) return storage_error(s.error());
    s->bind_int64(1, id).bind_int64(2, static_cast<std::int64_t>(status));
    if (tx_hash) {
      s->bind_blob(3, tx_hash->view());
    } else {
      s->bind_null(3);
    }
    s->bind_text(4, last_error).bind_int64(5, now_ms()).bind_int64(6, not_before_ms);
    if (auto st = s->run(); !st) return storage_error(st.error());
  }
  if (auto st = tx->commit(); !st) return storage_error(st.error());
  return {};
}

Status AggregatorState::drop_signatures(std::int64_t id, const std::vector<crypto::Address>& signers) {
  if (signers.empty()) return {};
  auto tx = db_->begin(TxMode::kImmediate, "drop signatures");
  if (!tx) return storage_error(tx.error());
  for (const auto& signer : signers) {
    auto s = tx->statement("DELETE FROM signatures WHERE queue_id = ?1 AND signer = ?2");
    if (!s) return storage_error(s.error());
    s->bind_int64(1, id).bind_blob(2, signer.view());
    if (auto st = s->run(); !st) return storage_error(st.error());
  }
  if (auto st = tx->commit(); !st) return storage_error(st.error());
  return {};
}

Result<std::vector<std::int64_t>> AggregatorState::queues_with_status(QueueStatus status, std::size_t limit,
                                                                     std::int64_t due_at_ms) {
  auto tx = db_->begin(TxMode::kDeferred, "list queues");
  if (!tx) return storage_error(tx.error());
  auto s = tx->statement("SELECT id FROM queues WHERE status = ?1 AND not_before_ms <= ?3 ORDER BY id LIMIT ?2");
  if (!s) return storage_error(s.error());
  s->bind_int64(1, static_cast<std::int64_t>(status))
      .bind_int64(2, static_cast<std::int64_t>(limit))
      .bind_int64(3, due_at_ms);
  std::vector<std::int64_t> ids;
  while (true) {
    auto row = s->step();
    if (!row) return storage_error(row.error());
    if (!*row) break;
    ids.push_back(s->column_int64(0));
  }
  return ids;
}

Result<std::int64_t> AggregatorState::purge(std::int64_t submitted_before_ms, std::int64_t pending_before_ms) {
  auto tx = db_->begin(TxMode::kImmediate, "purge queues");
  if (!tx) return storage_error(tx.error());
  std::int64_t n = 0;
  {
    auto s = tx->statement(
        "DELETE FROM queues WHERE (status = 2 AND updated_ms < ?1) OR (status = 0 AND updated_ms < ?2)");
    if (!s) return storage_error(s.error());
    s->bind_int64(1, submitted_before_ms).bind_int64(2, pending_before_ms);
    if (auto st = s->run(); !st) return storage_error(st.error());
    n = s->changes();
  }
  if (auto st = tx->commit(); !st) return storage_error(st.error());
  return n;
}

Result<StateStats> AggregatorState::stats() {
  auto tx = db_->begin(TxMode::kDeferred, "stats");
  if (!tx) return storage_error(tx.error());
  StateStats out;
  {
    auto s = tx->statement("SELECT COUNT(*) FROM services");
    if (!s) return storage_error(s.error());
    auto row = s->step();
    if (!row) return storage_error(row.error());
    out.services = s->column_int64(0);
  }
  auto s = tx->statement("SELECT status, COUNT(*) FROM queues GROUP BY status");
  if (!s) return storage_error(s.error());
  while (true) {
    auto row = s->step();
    if (!row) return storage_error(row.error());
    if (!*row) break;
    const auto n = s->column_int64(1);
    switch (s->column_int64(0)) {
      case 0:
        out.pending = n;
        break;
      case 1:
        out.submitting = n;
        break;
      case 2:
        out.submitted = n;
        break;
      default:
        break;
    }
  }
  return out;
}

}  // namespace wavs::aggregator
