#include "node/state.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "crypto/hash.hpp"

WAVS_ERROR_TABLE(wavs::node, StateErrc, "node state", "service already registered", "not found",
                 "work item not pending", "outbox full", "invalid argument", "corrupt record",
                 "record from a newer build", "too many concurrent conflicts", "state store failed")

namespace wavs::node {
namespace {

using nlohmann::json;
using storage::Batch;
using storage::Record;

// Layout (docs/storage.md, "Node state"). Keys are binary; ‖ is concatenation.
constexpr std::string_view kServices = "node.services";             // service id → service
constexpr std::string_view kMeta = "node.meta";                     // "hd_index.next" → counter
constexpr std::string_view kCursors = "node.cursors";               // chain key text → cursor
constexpr std::string_view kBlockProgress = "node.block_progress";  // sid ‖ workflow → height
constexpr std::string_view kCronProgress = "node.cron_progress";    // sid ‖ workflow → tick
constexpr std::string_view kSeen = "node.seen";                     // sid ‖ event id → state
constexpr std::string_view kWork = "node.work";                     // queue of work items
constexpr std::string_view kResults = "node.results";               // sid ‖ seq(u64 BE) → result
constexpr std::string_view kResultsMeta = "node.results_meta";      // sid → {next, oldest}
constexpr std::string_view kOutbox = "node.outbox";                 // sha256(url) ‖ seq(u64 BE) → entry
constexpr std::string_view kOutboxDest = "node.outbox_dest";        // sha256(url) → {url, depth, next_seq}
constexpr std::string_view kHdKey = "hd_index.next";

constexpr int kVersion = 1;
constexpr std::size_t kMaxUrl = 2048;
constexpr std::uint32_t kPage = 1000;
constexpr std::uint32_t kHdLimit = 0x80000000u;  // non-hardened BIP-32 child indexes

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

Error store_error(const Error& error, std::string_view doing) {
  return Error(StateErrc::kStorage, std::string(doing) + ": " + error.message());
}

Bytes u64_be(std::uint64_t v) {
  Bytes out(8);
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
  return out;
}

Bytes key_of(ByteView a, ByteView b) { return concat({a, b}); }
Bytes workflow_key(const Hash256& sid, std::string_view workflow) {
  return key_of(sid.view(), as_bytes(workflow));
}
Bytes seen_key(const Hash256& sid, const eth::EventId& event) { return key_of(sid.view(), event.view()); }
Hash256 destination_key(std::string_view url) { return crypto::sha256(as_bytes(url)); }

Bytes encode(json j) {
  j["v"] = kVersion;
  std::string text = j.dump();
  return Bytes(text.begin(), text.end());
}

// Parses a stored record and checks its version; `what` names it in errors.
Result<json> decode(ByteView bytes, std::string_view what, int max_version = kVersion) {
  json j = json::parse(as_chars(bytes), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error(StateErrc::kCorrupt, std::string(what) + ": not a JSON object");
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_unsigned()) {
    return Error(StateErrc::kCorrupt, std::string(what) + ": no version");
  }
  if (v->get<std::uint64_t>() > static_cast<std::uint64_t>(max_version)) {
    return Error(StateErrc::kTooNew, std::string(what) + ": version " +
                                         std::to_string(v->get<std::uint64_t>()) +
                                         " (this build reads up to " + std::to_string(max_version) + ")");
  }
  if (v->get<std::uint64_t>() == 0) return Error(StateErrc::kCorrupt, std::string(what) + ": version 0");
  return j;
}

// Runs `read` on a decoded record, turning nlohmann's type errors into kCorrupt.
template <class T>
Result<T> decode_as(ByteView bytes, std::string_view what,
                    const std::function<Result<T>(const json&)>& read, int max_version = kVersion) {
  auto j = decode(bytes, what, max_version);
  if (!j) return j.error();
  try {
    return read(*j);
  } catch (const json::exception& e) {
    return Error(StateErrc::kCorrupt, std::string(what) + ": " + e.what());
  }
}

template <std::size_t N>
Result<FixedBytes<N>> hex_field(const json& j, const char* name) {
  auto parsed = FixedBytes<N>::from_hex(j.at(name).get<std::string>());
  if (!parsed) return Error(StateErrc::kCorrupt, std::string(name) + ": " + parsed.error().message());
  return *parsed;
}

// --- records ---

Bytes encode_service(const ServiceRecord& r) {
  json j{{"id", r.id.hex()},
         {"manager", {{"chain", r.manager.chain.str()}, {"address", r.manager.address.hex()}}},
         {"manifest", r.manifest_json},
         {"manifest_hash", r.manifest_hash.hex()},
         {"hd_index", r.hd_index},
         {"status", to_string(r.status)},
         {"last_load_error", r.last_load_error ? json(*r.last_load_error) : json(nullptr)}};
  return encode(std::move(j));
}

Result<ServiceRecord> decode_service(ByteView bytes) {
  return decode_as<ServiceRecord>(bytes, "service record", [](const json& j) -> Result<ServiceRecord> {
    ServiceRecord r;
    auto id = hex_field<32>(j, "id");
    if (!id) return id.error();
    r.id = *id;
    const json& m = j.at("manager");
    auto chain = service::parse_chain_key(m.at("chain").get<std::string>());
    if (!chain) return Error(StateErrc::kCorrupt, "manager.chain: " + chain.error().message());
    r.manager.chain = *chain;
    auto address = hex_field<20>(m, "address");
    if (!address) return address.error();
    r.manager.address = *address;
    r.manifest_json = j.at("manifest").get<std::string>();
    auto hash = hex_field<32>(j, "manifest_hash");
    if (!hash) return hash.error();
    r.manifest_hash = *hash;
    r.hd_index = j.at("hd_index").get<std::uint32_t>();
    auto status = j.at("status").get<std::string>();
    if (status == "active") {
      r.status = ServiceStatus::kActive;
    } else if (status == "paused") {
      r.status = ServiceStatus::kPaused;
    } else {
      return Error(StateErrc::kCorrupt, "status: unknown value \"" + status + "\"");
    }
    auto err = j.find("last_load_error");
    if (err != j.end() && !err->is_null()) r.last_load_error = err->get<std::string>();
    return r;
  });
}

Bytes encode_work(const eth::EventId& event, const component::TriggerAction& action, std::uint64_t at_ms) {
  // The action's own document is spliced in as text: parsing it into a json value only
  // to print it again cost as much as the rest of an enqueue.
  const Bytes members = encode(json{{"event_id", event.hex()}, {"enqueued_at_ms", at_ms}});
  const std::string doc = component::to_json(action);
  Bytes out;
  out.reserve(members.size() + doc.size() + 11);
  const std::string_view head = "{\"action\":";
  out.insert(out.end(), head.begin(), head.end());
  out.insert(out.end(), doc.begin(), doc.end());
  out.push_back(',');
  out.insert(out.end(), members.begin() + 1, members.end());  // without its '{'
  return out;
}

Result<PendingWork> decode_work(const storage::QueueItem& item) {
  return decode_as<PendingWork>(item.payload, "work item " + std::to_string(item.id),
                             [&](const json& j) -> Result<PendingWork> {
                               PendingWork w;
                               w.id = item.id;
                               auto event = hex_field<20>(j, "event_id");
                               if (!event) return event.error();
                               w.event_id = *event;
                               auto action = component::parse_trigger_action(j.at("action").dump());
                               if (!action)
                                 return Error(StateErrc::kCorrupt, "action: " + action.error().message());
                               w.action = std::move(*action);
                               w.enqueued_at_ms = j.at("enqueued_at_ms").get<std::uint64_t>();
                               return w;
                             });
}

Bytes encode_result(const ResultRecord& r) {
  return encode(json{{"seq", r.seq},
                     {"event_id", r.event_id.hex()},
                     {"workflow_id", r.workflow_id},
                     {"status", to_string(r.run.status)},
                     {"fuel", r.run.fuel},
                     {"duration_us", static_cast<std::uint64_t>(r.run.duration.count())},
                     {"error", r.run.error},
                     {"tier", r.run.tier},
                     {"finished_at_ms", r.finished_at_ms}});
}

Result<ResultRecord> decode_result(ByteView bytes) {
  return decode_as<ResultRecord>(bytes, "result record", [](const json& j) -> Result<ResultRecord> {
    ResultRecord r;
    r.seq = j.at("seq").get<std::uint64_t>();
    auto event = hex_field<20>(j, "event_id");
    if (!event) return event.error();
    r.event_id = *event;
    r.workflow_id = j.at("workflow_id").get<std::string>();
    auto status = j.at("status").get<std::string>();
    if (status == "succeeded") {
      r.run.status = RunStatus::kSucceeded;
    } else if (status == "failed") {
      r.run.status = RunStatus::kFailed;
    } else if (status == "skipped") {
      r.run.status = RunStatus::kSkipped;
    } else {
      return Error(StateErrc::kCorrupt, "status: unknown value \"" + status + "\"");
    }
    r.run.fuel = j.at("fuel").get<std::uint64_t>();
    r.run.duration = std::chrono::microseconds(j.at("duration_us").get<std::int64_t>());
    r.run.error = j.at("error").get<std::string>();
    r.run.tier = j.value("tier", std::string());  // absent in records of earlier builds
    r.finished_at_ms = j.at("finished_at_ms").get<std::uint64_t>();
    return r;
  });
}

// Outbox entries, version 2: the members as JSON, a NUL byte, then the body's raw bytes
// (docs/storage.md, "Node state"). JSON text never holds a raw NUL, so the first one
// ends it. Version 1 kept the body as a hex member; hex-encoding and then JSON-escaping
// a packet of ~700 bytes on every completion was a third of the committer's CPU.
constexpr int kOutboxVersion = 2;

Bytes encode_entry(const OutboxEntry& e) {
  json j{{"seq", e.seq},
         {"destination", e.packet.destination},
         {"service_id", e.packet.service_id.hex()},
         {"workflow_id", e.packet.workflow_id},
         {"event_id", e.packet.event_id.hex()},
         {"body_size", e.packet.body.size()},
         {"attempts", e.attempts},
         {"next_attempt_ms", e.next_attempt_ms},
         {"last_error", e.last_error},
         {"enqueued_at_ms", e.enqueued_at_ms},
         {"v", kOutboxVersion}};
  const std::string text = j.dump();
  Bytes out;
  out.reserve(text.size() + 1 + e.packet.body.size());
  out.insert(out.end(), text.begin(), text.end());
  out.push_back(0);
  out.insert(out.end(), e.packet.body.begin(), e.packet.body.end());
  return out;
}

Result<OutboxEntry> decode_entry(ByteView bytes) {
  const auto nul = std::find(bytes.begin(), bytes.end(), std::uint8_t{0});
  const bool framed = nul != bytes.end();
  const ByteView members = framed ? bytes.first(static_cast<std::size_t>(nul - bytes.begin())) : bytes;
  const ByteView tail = framed ? bytes.subspan(members.size() + 1) : ByteView{};
  return decode_as<OutboxEntry>(
      members, "outbox entry",
      [&](const json& j) -> Result<OutboxEntry> {
        OutboxEntry e;
        e.seq = j.at("seq").get<std::uint64_t>();
        e.packet.destination = j.at("destination").get<std::string>();
        auto sid = hex_field<32>(j, "service_id");
        if (!sid) return sid.error();
        e.packet.service_id = *sid;
        e.packet.workflow_id = j.at("workflow_id").get<std::string>();
        auto event = hex_field<20>(j, "event_id");
        if (!event) return event.error();
        e.packet.event_id = *event;
        const auto version = j.at("v").get<std::uint64_t>();
        if (version >= 2) {
          if (!framed) return Error(StateErrc::kCorrupt, "outbox entry: version 2 without its body");
          const auto size = j.at("body_size").get<std::uint64_t>();
          if (size != tail.size()) {
            return Error(StateErrc::kCorrupt, "outbox entry: body_size " + std::to_string(size) +
                                                  ", the record holds " + std::to_string(tail.size()) +
                                                  " bytes after its members");
          }
          e.packet.body.assign(tail.begin(), tail.end());
        } else {
          if (framed) return Error(StateErrc::kCorrupt, "outbox entry: version 1 with bytes after its members");
          auto body = from_hex(j.at("body").get<std::string>());
          if (!body) return Error(StateErrc::kCorrupt, "body: " + body.error().message());
          e.packet.body = std::move(*body);
        }
        e.attempts = j.at("attempts").get<std::uint32_t>();
        e.next_attempt_ms = j.at("next_attempt_ms").get<std::uint64_t>();
        e.last_error = j.at("last_error").get<std::string>();
        e.enqueued_at_ms = j.at("enqueued_at_ms").get<std::uint64_t>();
        return e;
      },
      kOutboxVersion);
}

struct DestMeta {
  std::string url;
  std::uint32_t depth = 0;
  std::uint64_t next_seq = 0;
};

Bytes encode_dest(const DestMeta& d) {
  return encode(json{{"url", d.url}, {"depth", d.depth}, {"next_seq", d.next_seq}});
}

Result<DestMeta> decode_dest(ByteView bytes) {
  return decode_as<DestMeta>(bytes, "outbox destination", [](const json& j) -> Result<DestMeta> {
    return DestMeta{j.at("url").get<std::string>(), j.at("depth").get<std::uint32_t>(),
                    j.at("next_seq").get<std::uint64_t>()};
  });
}

Result<std::uint64_t> decode_u64(ByteView bytes, std::string_view what, const char* field) {
  return decode_as<std::uint64_t>(
      bytes, what, [&](const json& j) -> Result<std::uint64_t> { return j.at(field).get<std::uint64_t>(); });
}

// A compare-and-set check against a value read earlier (nullopt: it was absent).
void expect(Batch& batch, std::string_view table, ByteView key, const std::optional<Bytes>& old) {
  if (old) {
    batch.expect_value(table, key, *old);
  } else {
    batch.expect_absent(table, key);
  }
}

Status check_workflow(std::string_view workflow_id) {
  if (!service::valid_workflow_id(workflow_id)) {
    return Error(StateErrc::kInvalid,
                 "workflow id \"" + std::string(workflow_id) + "\": expected [a-z0-9_-]{3,36}");
  }
  return {};
}

}  // namespace

std::string_view to_string(ServiceStatus status) {
  return status == ServiceStatus::kActive ? "active" : "paused";
}

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::kSucceeded:
      return "succeeded";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kSkipped:
      return "skipped";
  }
  return "failed";
}

namespace {
// A destination's outbox meta as read (for the batch's compare-and-set) and as updated.
struct Dest {
  std::optional<Bytes> old;
  DestMeta meta;
};
}  // namespace

struct NodeState::Impl {
  std::unique_ptr<storage::StateStore> store;
  Options options;

  // Reads the meta of every destination of `packets` not in `dests` yet.
  Status load_destinations(const std::vector<OutboxPacket>& packets, std::map<Hash256, Dest>& dests,
                           std::string_view doing) {
    for (const auto& p : packets) {
      Hash256 dk = destination_key(p.destination);
      if (dests.count(dk) != 0) continue;
      auto old = get(kOutboxDest, dk.view(), doing);
      if (!old) return old.error();
      Dest d{*old, DestMeta{p.destination, 0, 0}};
      if (*old) {
        auto meta = decode_dest(**old);
        if (!meta) return meta.error().with_context(doing);
        d.meta = *meta;
      }
      dests.emplace(dk, std::move(d));
    }
    return {};
  }

  Result<std::optional<Bytes>> get(std::string_view table, ByteView key, std::string_view doing) {
    auto got = store->get(table, key);
    if (!got) return store_error(got.error(), doing);
    return std::move(*got);
  }

  Result<storage::BatchOutcome> apply(const Batch& batch, std::string_view doing) {
    auto outcome = store->apply(batch);
    if (!outcome) return store_error(outcome.error(), doing);
    return std::move(*outcome);
  }

  // Records whose key starts with `prefix`, ascending, at most `limit`.
  Result<std::vector<Record>> scan_prefix(std::string_view table, ByteView prefix, std::uint32_t limit,
                                          std::string_view doing) {
    std::vector<Record> out;
    Bytes after(prefix.begin(), prefix.end());
    while (out.size() < limit) {
      auto page = store->scan(table, after,
                              std::min<std::uint32_t>(kPage, limit - static_cast<std::uint32_t>(out.size())));
      if (!page) return store_error(page.error(), doing);
      for (auto& r : *page) {
        if (r.key.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), r.key.begin()))
          return out;
        out.push_back(std::move(r));
      }
      if (page->empty()) break;
      after = out.back().key;
    }
    return out;
  }

  Result<ServiceRecord> update_service(const Hash256& id, std::string_view doing,
                                       const std::function<void(ServiceRecord&)>& change) {
    for (std::uint32_t attempt = 0; attempt < options.max_conflict_retries; ++attempt) {
      auto old = get(kServices, id.view(), doing);
      if (!old) return old.error();
      if (!*old) return Error(StateErrc::kNotFound, std::string(doing) + ": no service " + id.hex());
      auto record = decode_service(**old);
      if (!record) return record.error().with_context(doing);
      change(*record);
      Batch batch;
      batch.expect_value(kServices, id.view(), **old).put(kServices, id.view(), encode_service(*record));
      auto outcome = apply(batch, doing);
      if (!outcome) return outcome.error();
      if (outcome->applied) return *record;
    }
    return Error(StateErrc::kConflict, std::string(doing) + ": service " + id.hex());
  }

  // The one path from triggers to work: `progress` adds the trigger's progress writes
  // (puts only), then each action not seen before is marked seen and queued.
  Result<std::vector<PendingWork>> record(const std::function<void(Batch&)>& progress,
                                       const std::vector<component::TriggerAction>& actions,
                                       std::string_view doing) {
    std::vector<eth::EventId> ids;
    ids.reserve(actions.size());
    for (std::size_t i = 0; i < actions.size(); ++i) {
      auto id = component::event_id(actions[i].service_id, actions[i].workflow_id, actions[i].data);
      if (!id) {
        return Error(StateErrc::kInvalid,
                     std::string(doing) + ": actions[" + std::to_string(i) + "]: " + id.error().message());
      }
      ids.push_back(*id);
    }
    for (std::uint32_t attempt = 0; attempt < options.max_conflict_retries; ++attempt) {
      std::vector<std::size_t> fresh;
      std::set<std::string> in_batch;  // strings: GCC 12 warns falsely on ordered byte vectors
      for (std::size_t i = 0; i < actions.size(); ++i) {
        Bytes key = seen_key(actions[i].service_id, ids[i]);
        std::string text(as_chars(key));
        if (in_batch.count(text) != 0) continue;
        auto got = get(kSeen, key, doing);
        if (!got) return got.error();
        if (*got) continue;
        in_batch.insert(std::move(text));
        fresh.push_back(i);
      }
      const std::uint64_t at = now_ms();
      Batch batch;
      progress(batch);
      const Bytes pending = encode(json{{"state", "pending"}, {"at_ms", at}});
      for (std::size_t i : fresh) {
        Bytes key = seen_key(actions[i].service_id, ids[i]);
        batch.expect_absent(kSeen, key)
            .put(kSeen, key, pending)
            .push(kWork, encode_work(ids[i], actions[i], at));
      }
      if (batch.empty()) return std::vector<PendingWork>{};
      auto outcome = apply(batch, doing);
      if (!outcome) return outcome.error();
      if (!outcome->applied) continue;  // another writer queued one of them meanwhile: look again
      std::vector<PendingWork> items;
      for (std::size_t n = 0; n < fresh.size(); ++n) {
        items.push_back({outcome->pushed[n], ids[fresh[n]], actions[fresh[n]], at});
      }
      return items;
    }
    return Error(StateErrc::kConflict, std::string(doing) + ": seen events");
  }

  // A service's results log: its meta record as read (for the compare-and-set) and the
  // seq range it holds.
  struct ResultsLog {
    std::optional<Bytes> old;
    std::uint64_t next = 0;
    std::uint64_t oldest = 0;
  };

  Result<ResultsLog> results_log(const Hash256& sid, std::string_view doing) {
    auto old = get(kResultsMeta, sid.view(), doing);
    if (!old) return old.error();
    ResultsLog log{*old};
    if (*old) {
      auto meta = decode_as<std::pair<std::uint64_t, std::uint64_t>>(
          **old, "results log", [](const json& j) -> Result<std::pair<std::uint64_t, std::uint64_t>> {
            return std::pair{j.at("next").get<std::uint64_t>(), j.at("oldest").get<std::uint64_t>()};
          });
      if (!meta) return meta.error().with_context(doing);
      std::tie(log.next, log.oldest) = *meta;
    }
    return log;
  }

  // Appends a result to `log` in `batch`, pruning to results_per_service; the caller
  // checks log.old and writes the meta (put_results_log) once per service and batch.
  void append_result(Batch& batch, const Hash256& sid, ResultsLog& log, ResultRecord rec) {
    rec.seq = log.next;
    batch.put(kResults, key_of(sid.view(), u64_be(log.next)), encode_result(rec));
    ++log.next;
    while (log.next - log.oldest > options.results_per_service)
      batch.erase(kResults, key_of(sid.view(), u64_be(log.oldest++)));
  }

  static void put_results_log(Batch& batch, const Hash256& sid, const ResultsLog& log) {
    batch.put(kResultsMeta, sid.view(), encode(json{{"next", log.next}, {"oldest", log.oldest}}));
  }

  Result<std::optional<std::uint64_t>> progress_of(std::string_view table, const Hash256& sid,
                                                   std::string_view workflow, const char* field) {
    auto got = get(table, workflow_key(sid, workflow), "read trigger progress");
    if (!got) return got.error();
    if (!*got) return std::optional<std::uint64_t>{};
    auto value = decode_u64(**got, "trigger progress", field);
    if (!value) return value.error();
    return std::optional<std::uint64_t>(*value);
  }
};

NodeState::NodeState(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NodeState::~NodeState() = default;

Result<std::unique_ptr<NodeState>> NodeState::open(const std::filesystem::path& file, Options options,
                                                   storage::OpenOptions store_options) {
  auto store = storage::open_sqlite_state_store(file, store_options);
  if (!store) return store_error(store.error(), "open node state");
  return create(std::move(*store), options);
}

Result<std::unique_ptr<NodeState>> NodeState::create(std::unique_ptr<storage::StateStore> store,
                                                     Options options) {
  if (!store) return Error(StateErrc::kInvalid, "no state store");
  if (options.results_per_service < 1 || options.results_per_service > storage::kMaxScanLimit) {
    return Error(StateErrc::kInvalid, "results_per_service: expected 1..10000");
  }
  if (options.max_outbox_depth < 1 || options.max_outbox_depth > storage::kMaxScanLimit) {
    return Error(StateErrc::kInvalid, "max_outbox_depth: expected 1..10000");
  }
  if (options.first_hd_index >= kHdLimit)
    return Error(StateErrc::kInvalid, "first_hd_index: expected below 2^31");
  if (options.max_conflict_retries < 1)
    return Error(StateErrc::kInvalid, "max_conflict_retries: expected >= 1");
  auto impl = std::make_unique<Impl>();
  impl->store = std::move(store);
  impl->options = options;
  return std::unique_ptr<NodeState>(new NodeState(std::move(impl)));
}

// --- services ---

Result<ServiceRecord> NodeState::add_service(const NewService& service) {
  constexpr std::string_view kDoing = "add service";
  ServiceRecord record{service::service_id(service.manager),
                       service.manager,
                       service.manifest_json,
                       service.manifest_hash,
                       0,
                       service.status,
                       std::nullopt};
  for (std::uint32_t attempt = 0; attempt < impl_->options.max_conflict_retries; ++attempt) {
    auto existing = impl_->get(kServices, record.id.view(), kDoing);
    if (!existing) return existing.error();
    if (*existing) return Error(StateErrc::kAlreadyExists, "service " + record.id.hex() + " is registered");
    auto counter = impl_->get(kMeta, as_bytes(kHdKey), kDoing);
    if (!counter) return counter.error();
    std::uint64_t next = impl_->options.first_hd_index;
    if (*counter) {
      auto stored = decode_u64(**counter, "HD index counter", "next");
      if (!stored) return stored.error().with_context(kDoing);
      next = std::max<std::uint64_t>(*stored, impl_->options.first_hd_index);
    }
    if (next >= kHdLimit) return Error(StateErrc::kInvalid, "add service: HD indexes exhausted");
    record.hd_index = static_cast<std::uint32_t>(next);
    Batch batch;
    expect(batch, kMeta, as_bytes(kHdKey), *counter);  // op 0: the counter is unchanged
    batch.put(kMeta, as_bytes(kHdKey), encode(json{{"next", next + 1}}))
        .expect_absent(kServices, record.id.view())  // op 2: the id is still free
        .put(kServices, record.id.view(), encode_service(record));
    auto outcome = impl_->apply(batch, kDoing);
    if (!outcome) return outcome.error();
    if (outcome->applied) return record;
    if (outcome->failed_op == 2) {
      return Error(StateErrc::kAlreadyExists, "service " + record.id.hex() + " is registered");
    }
  }
  return Error(StateErrc::kConflict, "add service: HD index counter");
}

Result<ServiceRecord> NodeState::replace_manifest(const Hash256& id, std::string_view manifest_json,
                                                  const Hash256& manifest_hash) {
  return impl_->update_service(id, "replace manifest", [&](ServiceRecord& r) {
    r.manifest_json = std::string(manifest_json);
    r.manifest_hash = manifest_hash;
    r.last_load_error.reset();
  });
}

Result<ServiceRecord> NodeState::set_load_error(const Hash256& id, std::string_view error) {
  return impl_->update_service(id, "record load error",
                               [&](ServiceRecord& r) { r.last_load_error = std::string(error); });
}

Result<ServiceRecord> NodeState::set_status(const Hash256& id, ServiceStatus status) {
  return impl_->update_service(id, "set service status", [&](ServiceRecord& r) { r.status = status; });
}

Result<ServiceRecord> NodeState::remove_service(const Hash256& id) {
  constexpr std::string_view kDoing = "remove service";
  for (std::uint32_t attempt = 0; attempt < impl_->options.max_conflict_retries; ++attempt) {
    auto old = impl_->get(kServices, id.view(), kDoing);
    if (!old) return old.error();
    if (!*old) return Error(StateErrc::kNotFound, "remove service: no service " + id.hex());
    auto record = decode_service(**old);
    if (!record) return record.error().with_context(kDoing);
    Batch batch;
    batch.expect_value(kServices, id.view(), **old).erase(kServices, id.view());
    for (auto table : {kBlockProgress, kCronProgress, kResults}) {
      auto records = impl_->scan_prefix(table, id.view(), storage::kMaxScanLimit, kDoing);
      if (!records) return records.error();
      for (auto& r : *records) batch.erase(table, r.key);
    }
    batch.erase(kResultsMeta, id.view());
    auto outcome = impl_->apply(batch, kDoing);
    if (!outcome) return outcome.error();
    if (outcome->applied) return *record;
  }
  return Error(StateErrc::kConflict, "remove service: service " + id.hex());
}

Result<std::optional<ServiceRecord>> NodeState::get_service(const Hash256& id) {
  auto got = impl_->get(kServices, id.view(), "get service");
  if (!got) return got.error();
  if (!*got) return std::optional<ServiceRecord>{};
  auto record = decode_service(**got);
  if (!record) return record.error();
  return std::optional<ServiceRecord>(std::move(*record));
}

Result<std::vector<ServiceRecord>> NodeState::list_services() {
  std::vector<ServiceRecord> out;
  Bytes after;
  for (;;) {
    auto page = impl_->store->scan(kServices, after, kPage);
    if (!page) return store_error(page.error(), "list services");
    if (page->empty()) return out;
    for (auto& r : *page) {
      auto record = decode_service(r.value);
      if (!record) return record.error();
      out.push_back(std::move(*record));
    }
    after = page->back().key;
  }
}

Result<std::uint32_t> NodeState::next_hd_index() {
  auto counter = impl_->get(kMeta, as_bytes(kHdKey), "read HD index counter");
  if (!counter) return counter.error();
  if (!*counter) return impl_->options.first_hd_index;
  auto next = decode_u64(**counter, "HD index counter", "next");
  if (!next) return next.error();
  return static_cast<std::uint32_t>(std::max<std::uint64_t>(*next, impl_->options.first_hd_index));
}

// --- triggers → work ---

Result<std::vector<PendingWork>> NodeState::record_triggers(
    const service::ChainKey& chain, const chain::Cursor& cursor,
    const std::vector<component::TriggerAction>& actions) {
  const std::string key = chain.str();
  if (chain.name_space.empty() || chain.id.empty())
    return Error(StateErrc::kInvalid, "record triggers: empty chain key");
  const Bytes value =
      encode(json{{"block_number", cursor.block_number}, {"block_hash", cursor.block_hash.hex()}});
  return impl_->record([&](Batch& b) { b.put(kCursors, as_bytes(key), value); }, actions, "record triggers");
}

Result<std::vector<PendingWork>> NodeState::record_block_interval(
    const Hash256& service_id, std::string_view workflow_id, std::uint64_t height,
    const std::vector<component::TriggerAction>& actions) {
  if (auto ok = check_workflow(workflow_id); !ok) return ok.error().with_context("record block interval");
  const Bytes value = encode(json{{"height", height}});
  return impl_->record([&](Batch& b) { b.put(kBlockProgress, workflow_key(service_id, workflow_id), value); },
                       actions, "record block interval");
}

Result<std::vector<PendingWork>> NodeState::record_cron_tick(
    const Hash256& service_id, std::string_view workflow_id, std::uint64_t tick_ns,
    const std::vector<component::TriggerAction>& actions) {
  if (auto ok = check_workflow(workflow_id); !ok) return ok.error().with_context("record cron tick");
  const Bytes value = encode(json{{"tick_ns", tick_ns}});
  return impl_->record([&](Batch& b) { b.put(kCronProgress, workflow_key(service_id, workflow_id), value); },
                       actions, "record cron tick");
}

Result<std::vector<PendingWork>> NodeState::enqueue(const std::vector<component::TriggerAction>& actions) {
  return impl_->record([](Batch&) {}, actions, "enqueue");
}

Result<std::vector<PendingWork>> NodeState::retract(
    const service::ChainKey& chain, const chain::Cursor& cursor,
    const std::vector<std::pair<Hash256, eth::EventId>>& events) {
  constexpr std::string_view kDoing = "retract events";
  if (chain.name_space.empty() || chain.id.empty())
    return Error(StateErrc::kInvalid, "retract events: empty chain key");
  const std::string chain_text = chain.str();
  const Bytes cursor_value =
      encode(json{{"block_number", cursor.block_number}, {"block_hash", cursor.block_hash.hex()}});
  // Each event once (a log matching two workflows of one service gives two ids, not one twice).
  std::vector<Bytes> keys;
  {
    std::set<std::string> distinct;  // strings: GCC 12 warns falsely on ordered byte vectors
    for (const auto& [sid, event] : events) {
      Bytes key = seen_key(sid, event);
      if (distinct.insert(std::string(as_chars(key))).second) keys.push_back(std::move(key));
    }
  }
  for (std::uint32_t attempt = 0; attempt < impl_->options.max_conflict_retries; ++attempt) {
    // 1. Which of them are still pending (the others are done, or were never queued).
    std::set<std::string> pending;
    for (const auto& key : keys) {
      auto state = impl_->get(kSeen, key, kDoing);
      if (!state) return state.error();
      if (!*state) continue;
      auto is_pending = decode_as<bool>(**state, "seen event", [](const json& j) -> Result<bool> {
        return j.at("state").get<std::string>() == "pending";
      });
      if (!is_pending) return is_pending.error().with_context(kDoing);
      if (*is_pending) pending.insert(std::string(as_chars(key)));
    }
    // 2. Their queue items. The queue has no index by event, so it is read from its head;
    // a retraction is rare and concerns the newest blocks, whose items a backlog puts last.
    std::vector<PendingWork> found;
    if (!pending.empty()) {
      auto items = impl_->store->peek(kWork, storage::kMaxScanLimit);
      if (!items) return store_error(items.error(), kDoing);
      for (const auto& item : *items) {
        auto work = decode_work(item);
        if (!work) return work.error().with_context(kDoing);
        const Bytes key = seen_key(work->action.service_id, work->event_id);
        if (pending.erase(std::string(as_chars(key))) == 0) continue;
        found.push_back(std::move(*work));
        if (pending.empty()) break;
      }
    }
    // 3. One batch: the cursor, and per item its pop (the check that it is still queued),
    // its seen record and its skipped result.
    Batch batch;
    batch.put(kCursors, as_bytes(chain_text), cursor_value);
    std::map<Hash256, Impl::ResultsLog> logs;
    const std::uint64_t at = now_ms();
    for (const auto& w : found) {
      const Hash256& sid = w.action.service_id;
      auto log = logs.find(sid);
      if (log == logs.end()) {
        auto read = impl_->results_log(sid, kDoing);
        if (!read) return read.error();
        expect(batch, kResultsMeta, sid.view(), read->old);
        log = logs.emplace(sid, std::move(*read)).first;
      }
      std::string why = "reorged out of the chain before it ran";
      if (const auto* e = std::get_if<component::EvmContractEvent>(&w.action.data))
        why += " (block " + std::to_string(e->log.block_number) + ")";
      batch.pop(kWork, w.id).erase(kSeen, seen_key(sid, w.event_id));
      RunResult skipped;
      skipped.status = RunStatus::kSkipped;
      skipped.error = std::move(why);
      impl_->append_result(batch, sid, log->second,
                           ResultRecord{0, w.event_id, w.action.workflow_id, skipped, at});
    }
    for (const auto& [sid, log] : logs) Impl::put_results_log(batch, sid, log);
    auto outcome = impl_->apply(batch, kDoing);
    if (!outcome) return outcome.error();
    // Not applied: an item was completed or a result logged meanwhile; look again.
    if (outcome->applied) return found;
  }
  return Error(StateErrc::kConflict, "retract events: work queue or results log");
}

Result<std::optional<chain::Cursor>> NodeState::cursor(const service::ChainKey& chain) {
  auto got = impl_->get(kCursors, as_bytes(chain.str()), "read cursor");
  if (!got) return got.error();
  if (!*got) return std::optional<chain::Cursor>{};
  auto cursor =
      decode_as<chain::Cursor>(**got, "cursor of " + chain.str(), [](const json& j) -> Result<chain::Cursor> {
        auto hash = hex_field<32>(j, "block_hash");
        if (!hash) return hash.error();
        return chain::Cursor{j.at("block_number").get<std::uint64_t>(), *hash};
      });
  if (!cursor) return cursor.error();
  return std::optional<chain::Cursor>(*cursor);
}

Result<std::optional<std::uint64_t>> NodeState::block_progress(const Hash256& service_id,
                                                               std::string_view workflow_id) {
  return impl_->progress_of(kBlockProgress, service_id, workflow_id, "height");
}

Result<std::optional<std::uint64_t>> NodeState::cron_progress(const Hash256& service_id,
                                                              std::string_view workflow_id) {
  return impl_->progress_of(kCronProgress, service_id, workflow_id, "tick_ns");
}

Result<bool> NodeState::seen(const Hash256& service_id, const eth::EventId& event_id) {
  auto got = impl_->get(kSeen, seen_key(service_id, event_id), "read seen event");
  if (!got) return got.error();
  return got->has_value();
}

// --- work ---

Result<std::vector<PendingWork>> NodeState::peek_work(std::uint32_t limit) {
  if (limit == 0) return Error(StateErrc::kInvalid, "peek work: limit 0");
  auto items = impl_->store->peek(kWork, limit);
  if (!items) return store_error(items.error(), "peek work");
  std::vector<PendingWork> out;
  out.reserve(items->size());
  for (const auto& item : *items) {
    auto work = decode_work(item);
    if (!work) return work.error();
    out.push_back(std::move(*work));
  }
  return out;
}

Status NodeState::complete(const PendingWork& item, const RunResult& result,
                           const std::vector<OutboxPacket>& packets) {
  constexpr std::string_view kDoing = "complete work";
  const Hash256& sid = item.action.service_id;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const auto& url = packets[i].destination;
    if (url.empty() || url.size() > kMaxUrl || url.find('\0') != std::string::npos) {
      return Error(StateErrc::kInvalid, "complete work: packets[" + std::to_string(i) +
                                            "].destination: expected 1-2048 bytes without NUL");
    }
  }
  const Bytes seen = seen_key(sid, item.event_id);
  for (std::uint32_t attempt = 0; attempt < impl_->options.max_conflict_retries; ++attempt) {
    auto log = impl_->results_log(sid, kDoing);
    if (!log) return log.error();
    std::map<Hash256, Dest> dests;
    if (auto st = impl_->load_destinations(packets, dests, kDoing); !st) return st.error();
    const std::uint64_t at = now_ms();
    Batch batch;
    batch
        .pop(kWork, item.id)  // op 0: still pending
        .put(kSeen, seen, encode(json{{"state", "done"}, {"at_ms", at}}));
    expect(batch, kResultsMeta, sid.view(), log->old);
    impl_->append_result(batch, sid, *log,
                         ResultRecord{0, item.event_id, item.action.workflow_id, result, at});
    Impl::put_results_log(batch, sid, *log);
    for (const auto& p : packets) {
      Hash256 dk = destination_key(p.destination);
      DestMeta& meta = dests.at(dk).meta;
      OutboxEntry entry{meta.next_seq++, p, 0, 0, {}, at};
      ++meta.depth;
      batch.put(kOutbox, key_of(dk.view(), u64_be(entry.seq)), encode_entry(entry));
    }
    bool full = false;
    for (auto& [dk, d] : dests) {
      if (d.meta.depth > impl_->options.max_outbox_depth) full = true;
      expect(batch, kOutboxDest, dk.view(), d.old);
      batch.put(kOutboxDest, dk.view(), encode_dest(d.meta));
    }
    if (full) {
      // Refused, nothing written. A redelivered complete of an item done already is
      // kNotPending, whatever the outbox holds now.
      auto state = impl_->get(kSeen, seen, kDoing);
      if (!state) return state.error();
      if (*state) {
        auto done = decode_as<bool>(**state, "seen event", [](const json& j) -> Result<bool> {
          return j.at("state").get<std::string>() == "done";
        });
        if (!done) return done.error();
        if (*done) return Error(StateErrc::kNotPending, "complete work: item " + std::to_string(item.id));
      }
      return Error(StateErrc::kOutboxFull, "complete work: the outbox of " + dests.begin()->second.meta.url +
                                               " holds its " +
                                               std::to_string(impl_->options.max_outbox_depth) + " packets");
    }
    auto outcome = impl_->apply(batch, kDoing);
    if (!outcome) return outcome.error();
    if (outcome->applied) return {};
    if (outcome->failed_op == 0) {
      return Error(StateErrc::kNotPending,
                   "complete work: item " + std::to_string(item.id) + " is not queued");
    }
  }
  return Error(StateErrc::kConflict, "complete work: results log or outbox counters");
}

Result<std::vector<Status>> NodeState::complete_many(const std::vector<Completion>& completions) {
  constexpr std::string_view kDoing = "complete work";
  std::vector<Status> status(completions.size());
  // Which completions are still to be written: not refused before any read.
  std::vector<bool> live(completions.size(), true);
  std::set<std::uint64_t> ids;
  for (std::size_t i = 0; i < completions.size(); ++i) {
    const auto& packets = completions[i].packets;
    for (std::size_t k = 0; k < packets.size(); ++k) {
      const auto& url = packets[k].destination;
      if (url.empty() || url.size() > kMaxUrl || url.find('\0') != std::string::npos) {
        status[i] = Error(StateErrc::kInvalid, "complete work: packets[" + std::to_string(k) +
                                                   "].destination: expected 1-2048 bytes without NUL");
        live[i] = false;
        break;
      }
    }
    if (live[i] && !ids.insert(completions[i].item.id).second) {
      // The same item twice: the second is a redelivery of the first.
      status[i] = Error(StateErrc::kNotPending,
                        "complete work: item " + std::to_string(completions[i].item.id) + " is not queued");
      live[i] = false;
    }
  }
  const std::uint32_t keep = impl_->options.results_per_service;
  for (std::uint32_t attempt = 0; attempt < impl_->options.max_conflict_retries; ++attempt) {
    struct Log {
      std::optional<Bytes> old;
      std::uint64_t next = 0;
      std::uint64_t oldest = 0;
    };
    std::map<Hash256, Log> logs;
    std::map<Hash256, Dest> dests;
    // Reads: each touched results log and outbox destination once.
    for (std::size_t i = 0; i < completions.size(); ++i) {
      if (!live[i]) continue;
      const Hash256& sid = completions[i].item.action.service_id;
      if (logs.count(sid) == 0) {
        auto old = impl_->get(kResultsMeta, sid.view(), kDoing);
        if (!old) return old.error();
        Log log{*old, 0, 0};
        if (*old) {
          auto meta = decode_as<std::pair<std::uint64_t, std::uint64_t>>(
              **old, "results log", [](const json& j) -> Result<std::pair<std::uint64_t, std::uint64_t>> {
                return std::pair{j.at("next").get<std::uint64_t>(), j.at("oldest").get<std::uint64_t>()};
              });
          if (!meta) return meta.error().with_context(kDoing);
          std::tie(log.next, log.oldest) = *meta;
        }
        logs.emplace(sid, std::move(log));
      }
      if (auto st = impl_->load_destinations(completions[i].packets, dests, kDoing); !st) return st.error();
    }
    const std::uint64_t at = now_ms();
    Batch batch;
    std::map<std::size_t, std::size_t> pop_of;  // op index of a pop → completion
    std::set<Hash256> logs_written;
    std::set<Hash256> dests_written;
    for (std::size_t i = 0; i < completions.size(); ++i) {
      if (!live[i]) continue;
      status[i] = Status{};  // decided again on every pass
      const Completion& c = completions[i];
      // The bound as complete() applies it, counting the packets queued before this one.
      std::map<Hash256, std::uint32_t> adding;
      for (const auto& p : c.packets) ++adding[destination_key(p.destination)];
      auto full = std::find_if(adding.begin(), adding.end(), [&](const auto& a) {
        return dests.at(a.first).meta.depth + a.second > impl_->options.max_outbox_depth;
      });
      if (full != adding.end()) {
        const Bytes seen = seen_key(c.item.action.service_id, c.item.event_id);
        auto state = impl_->get(kSeen, seen, kDoing);
        if (!state) return state.error();
        bool done = false;
        if (*state) {
          auto d = decode_as<bool>(**state, "seen event", [](const json& j) -> Result<bool> {
            return j.at("state").get<std::string>() == "done";
          });
          if (!d) return d.error();
          done = *d;
        }
        status[i] =
            done ? Error(StateErrc::kNotPending, "complete work: item " + std::to_string(c.item.id))
                 : Error(StateErrc::kOutboxFull,
                         "complete work: the outbox of " + dests.at(full->first).meta.url + " holds its " +
                             std::to_string(impl_->options.max_outbox_depth) + " packets");
        continue;
      }
      const Hash256& sid = c.item.action.service_id;
      pop_of.emplace(batch.ops().size(), i);
      batch.pop(kWork, c.item.id)
          .put(kSeen, seen_key(sid, c.item.event_id), encode(json{{"state", "done"}, {"at_ms", at}}));
      Log& log = logs.at(sid);
      if (logs_written.insert(sid).second) expect(batch, kResultsMeta, sid.view(), log.old);
      ResultRecord rec{log.next, c.item.event_id, c.item.action.workflow_id, c.result, at};
      batch.put(kResults, key_of(sid.view(), u64_be(log.next)), encode_result(rec));
      while (log.next + 1 - log.oldest > keep)
        batch.erase(kResults, key_of(sid.view(), u64_be(log.oldest++)));
      ++log.next;
      for (const auto& p : c.packets) {
        Hash256 dk = destination_key(p.destination);
        Dest& d = dests.at(dk);
        if (dests_written.insert(dk).second) expect(batch, kOutboxDest, dk.view(), d.old);
        OutboxEntry entry{d.meta.next_seq++, p, 0, 0, {}, at};
        ++d.meta.depth;
        batch.put(kOutbox, key_of(dk.view(), u64_be(entry.seq)), encode_entry(entry));
      }
    }
    if (pop_of.empty()) return status;
    for (const auto& sid : logs_written) {
      const Log& log = logs.at(sid);
      batch.put(kResultsMeta, sid.view(), encode(json{{"next", log.next}, {"oldest", log.oldest}}));
    }
    for (const auto& dk : dests_written) batch.put(kOutboxDest, dk.view(), encode_dest(dests.at(dk).meta));
    auto outcome = impl_->apply(batch, kDoing);
    if (!outcome) return outcome.error();
    if (outcome->applied) return status;
    // A pop that failed: that item is no longer queued; the rest is tried again. Any
    // other check: a concurrent writer moved a counter; read again.
    if (auto it = pop_of.find(outcome->failed_op); it != pop_of.end()) {
      const std::size_t i = it->second;
      status[i] = Error(StateErrc::kNotPending,
                        "complete work: item " + std::to_string(completions[i].item.id) + " is not queued");
      live[i] = false;
    }
  }
  return Error(StateErrc::kConflict, "complete work: results log or outbox counters");
}

Result<std::vector<ResultRecord>> NodeState::results(const Hash256& service_id) {
  auto records =
      impl_->scan_prefix(kResults, service_id.view(), impl_->options.results_per_service, "read results");
  if (!records) return records.error();
  std::vector<ResultRecord> out;
  for (auto it = records->rbegin(); it != records->rend(); ++it) {
    auto rec = decode_result(it->value);
    if (!rec) return rec.error();
    out.push_back(std::move(*rec));
  }
  return out;
}

// --- outbox ---

Result<std::vector<OutboxDestination>> NodeState::outbox_destinations() {
  auto records = impl_->scan_prefix(kOutboxDest, {}, storage::kMaxScanLimit, "list outbox destinations");
  if (!records) return records.error();
  std::vector<OutboxDestination> out;
  for (const auto& r : *records) {
    auto meta = decode_dest(r.value);
    if (!meta) return meta.error();
    out.push_back({meta->url, meta->depth});
  }
  return out;
}

Result<std::uint32_t> NodeState::outbox_depth(std::string_view destination) {
  auto got = impl_->get(kOutboxDest, destination_key(destination).view(), "read outbox depth");
  if (!got) return got.error();
  if (!*got) return 0u;
  auto meta = decode_dest(**got);
  if (!meta) return meta.error();
  return meta->depth;
}

Result<std::vector<OutboxEntry>> NodeState::outbox_pending(std::string_view destination,
                                                           std::uint32_t limit) {
  if (limit == 0) return Error(StateErrc::kInvalid, "outbox pending: limit 0");
  Hash256 dk = destination_key(destination);
  auto records =
      impl_->scan_prefix(kOutbox, dk.view(), std::min(limit, storage::kMaxScanLimit), "read outbox");
  if (!records) return records.error();
  std::vector<OutboxEntry> out;
  for (const auto& r : *records) {
    auto entry = decode_entry(r.value);
    if (!entry) return entry.error();
    out.push_back(std::move(*entry));
  }
  return out;
}

Result<OutboxEntry> NodeState::mark_attempt(const OutboxEntry& entry, std::uint64_t next_attempt_ms,
                                            std::string_view error) {
  constexpr std::string_view kDoing = "mark outbox attempt";
  const Bytes key = key_of(destination_key(entry.packet.destination).view(), u64_be(entry.seq));
  for (std::uint32_t attempt = 0; attempt < impl_->options.max_conflict_retries; ++attempt) {
    auto old = impl_->get(kOutbox, key, kDoing);
    if (!old) return old.error();
    if (!*old)
      return Error(StateErrc::kNotFound, "mark outbox attempt: entry " + std::to_string(entry.seq) + " of " +
                                             entry.packet.destination + " is gone");
    auto current = decode_entry(**old);
    if (!current) return current.error().with_context(kDoing);
    ++current->attempts;
    current->next_attempt_ms = next_attempt_ms;
    current->last_error = std::string(error);
    Batch batch;
    batch.expect_value(kOutbox, key, **old).put(kOutbox, key, encode_entry(*current));
    auto outcome = impl_->apply(batch, kDoing);
    if (!outcome) return outcome.error();
    if (outcome->applied) return *current;
  }
  return Error(StateErrc::kConflict, "mark outbox attempt");
}

Status NodeState::delivered(const OutboxEntry& entry) {
  auto statuses = delivered_many({entry});
  if (!statuses) return statuses.error();
  return std::move(statuses->front());
}

Result<std::vector<Status>> NodeState::delivered_many(const std::vector<OutboxEntry>& entries) {
  constexpr std::string_view kDoing = "mark outbox delivered";
  std::vector<Status> status(entries.size());
  for (std::uint32_t attempt = 0; attempt < impl_->options.max_conflict_retries; ++attempt) {
    std::map<std::string, std::size_t> seen_keys;  // outbox key → first entry with it
    std::map<Hash256, std::pair<Bytes, DestMeta>> dests;
    Batch batch;
    bool any = false;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const OutboxEntry& entry = entries[i];
      const Hash256 dk = destination_key(entry.packet.destination);
      const Bytes key = key_of(dk.view(), u64_be(entry.seq));
      const auto gone = [&] {
        return Error(StateErrc::kNotFound, "mark outbox delivered: entry " + std::to_string(entry.seq) + " of " +
                                               entry.packet.destination + " is gone");
      };
      status[i] = Status{};
      if (!seen_keys.emplace(std::string(as_chars(key)), i).second) {
        status[i] = gone();  // the same entry twice: the first removes it
        continue;
      }
      auto old = impl_->get(kOutbox, key, kDoing);
      if (!old) return old.error();
      if (!*old) {
        status[i] = gone();
        continue;
      }
      auto d = dests.find(dk);
      if (d == dests.end()) {
        auto dest_old = impl_->get(kOutboxDest, dk.view(), kDoing);
        if (!dest_old) return dest_old.error();
        if (!*dest_old)
          return Error(StateErrc::kCorrupt, "mark outbox delivered: an entry without its destination");
        auto meta = decode_dest(**dest_old);
        if (!meta) return meta.error().with_context(kDoing);
        d = dests.emplace(dk, std::pair{std::move(**dest_old), std::move(*meta)}).first;
      }
      if (d->second.second.depth > 0) --d->second.second.depth;
      batch.expect_value(kOutbox, key, **old).erase(kOutbox, key);
      any = true;
    }
    if (!any) return status;
    for (const auto& [dk, d] : dests) {
      batch.expect_value(kOutboxDest, dk.view(), d.first).put(kOutboxDest, dk.view(), encode_dest(d.second));
    }
    auto outcome = impl_->apply(batch, kDoing);
    if (!outcome) return outcome.error();
    if (outcome->applied) return status;
  }
  return Error(StateErrc::kConflict, "mark outbox delivered");
}

}  // namespace wavs::node
