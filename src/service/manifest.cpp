#include "service/manifest.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "common/json_text.hpp"
#include "crypto/hash.hpp"
#include "service/cron.hpp"

namespace wavs::service {
namespace {

using Json = nlohmann::json;
using Ordered = nlohmann::ordered_json;

constexpr int kMaxDepth = 32;
constexpr std::size_t kMaxManifestBytes = 4 << 20;
constexpr std::string_view kEnvPrefix = "WAVS_ENV_";

// Walks one JSON object, recording which members were read so the rest can be
// reported as unknown; every accessor names the member's full path on failure.
class Reader {
 public:
  Reader(const Json& obj, std::string path, std::vector<std::string>& unknown)
      : obj_(obj), path_(std::move(path)), unknown_(unknown) {}
  ~Reader() {
    if (!obj_.is_object()) return;
    for (const auto& [k, v] : obj_.items()) {
      if (std::find(seen_.begin(), seen_.end(), k) == seen_.end()) unknown_.push_back(at(k));
    }
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  [[nodiscard]] std::string at(std::string_view member) const {
    return path_.empty() ? std::string(member) : path_ + "." + std::string(member);
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::vector<std::string>& unknown() { return unknown_; }

  const Json* find(std::string_view member) {
    seen_.emplace_back(member);
    auto it = obj_.find(member);
    return it == obj_.end() ? nullptr : &*it;
  }
  Result<const Json*> need(std::string_view member) {
    const Json* v = find(member);
    if (v == nullptr) return bad(at(member), "missing");
    return v;
  }
  Result<std::string> string(std::string_view member) {
    auto v = need(member);
    if (!v) return v.error();
    if (!(*v)->is_string()) return bad(at(member), "expected a string");
    return (*v)->get<std::string>();
  }
  Result<std::optional<std::uint64_t>> optional_u64(std::string_view member) {
    const Json* v = find(member);
    if (v == nullptr || v->is_null()) return std::optional<std::uint64_t>{};
    if (!v->is_number_unsigned()) return bad(at(member), "expected a non-negative integer");
    return std::optional<std::uint64_t>(v->get<std::uint64_t>());
  }

  static Error bad(const std::string& path, const std::string& what) {
    return Error(ServiceErrc::kBadManifest, path + ": " + what);
  }

 private:
  const Json& obj_;
  std::string path_;
  std::vector<std::string>& unknown_;
  std::vector<std::string> seen_;
};

Error bad(const std::string& path, const std::string& what) { return Reader::bad(path, what); }

Result<Address> parse_address(const std::string& path, const std::string& text) {
  auto a = Address::from_hex(text);
  if (!a) return bad(path, "expected a 20-byte 0x address: " + a.error().message());
  return *a;
}

Result<Hash256> parse_hash(const std::string& path, const std::string& text) {
  auto h = Hash256::from_hex(text);
  if (!h) return bad(path, "expected 32 bytes of hex: " + h.error().message());
  return *h;
}

Result<ChainKey> chain_at(Reader& r, std::string_view member) {
  auto s = r.string(member);
  if (!s) return s.error();
  auto key = parse_chain_key(*s);
  if (!key) return bad(r.at(member), key.error().detail());
  return *key;
}

// The schedule is parsed here in full (service/cron.hpp), so a manifest that loads is
// one the trigger scheduler can run.
Status check_cron(const std::string& path, std::string_view schedule) {
  auto parsed = CronSchedule::parse(schedule);
  if (!parsed) return bad(path, parsed.error().detail());
  return {};
}

Result<Trigger> read_trigger(const Json& v, const std::string& path, std::vector<std::string>& unknown) {
  if (v.is_string()) {
    if (v.get<std::string>() == "manual") return Trigger{ManualTrigger{}};
    return bad(path, "unknown trigger \"" + v.get<std::string>() + "\"");
  }
  if (!v.is_object() || v.size() != 1) {
    return bad(path, "expected \"manual\" or an object with one of evm_contract_event, block_interval, cron");
  }
  const std::string kind = v.begin().key();
  const Json& body = v.begin().value();
  const std::string at = path + "." + kind;
  if (!body.is_object()) return bad(at, "expected an object");
  Reader r(body, at, unknown);
  if (kind == "evm_contract_event") {
    EvmContractEventTrigger t;
    auto chain = chain_at(r, "chain");
    if (!chain) return chain.error();
    t.chain = *chain;
    auto address = r.string("address");
    if (!address) return address.error();
    auto a = parse_address(r.at("address"), *address);
    if (!a) return a.error();
    t.address = *a;
    auto hash = r.string("event_hash");
    if (!hash) return hash.error();
    auto h = parse_hash(r.at("event_hash"), *hash);
    if (!h) return h.error();
    t.event_hash = *h;
    return Trigger{t};
  }
  if (kind == "block_interval") {
    BlockIntervalTrigger t;
    auto chain = chain_at(r, "chain");
    if (!chain) return chain.error();
    t.chain = *chain;
    auto n = r.need("n_blocks");
    if (!n) return n.error();
    if (!(*n)->is_number_unsigned() || (*n)->get<std::uint64_t>() == 0) {
      return bad(r.at("n_blocks"), "expected an integer >= 1");
    }
    t.n_blocks = (*n)->get<std::uint64_t>();
    auto start = r.optional_u64("start_block");
    if (!start) return start.error();
    auto end = r.optional_u64("end_block");
    if (!end) return end.error();
    t.start_block = *start;
    t.end_block = *end;
    if (t.start_block && t.end_block && *t.end_block < *t.start_block) {
      return bad(r.at("end_block"), "before start_block");
    }
    return Trigger{t};
  }
  if (kind == "cron") {
    CronTrigger t;
    auto schedule = r.string("schedule");
    if (!schedule) return schedule.error();
    if (auto ok = check_cron(r.at("schedule"), *schedule); !ok) return ok.error();
    t.schedule = *schedule;
    auto start = r.optional_u64("start_time");
    if (!start) return start.error();
    auto end = r.optional_u64("end_time");
    if (!end) return end.error();
    t.start_time = *start;
    t.end_time = *end;
    if (t.start_time && t.end_time && *t.end_time < *t.start_time) return bad(r.at("end_time"), "before start_time");
    return Trigger{t};
  }
  return bad(path, "unknown trigger kind \"" + kind + "\"");
}

Result<ComponentSource> parse_source(const Json& v, const std::string& path, std::vector<std::string>& unknown) {
  if (!v.is_object() || v.size() != 1) return bad(path, "expected one of digest, download, registry");
  const std::string kind = v.begin().key();
  const Json& body = v.begin().value();
  const std::string at = path + "." + kind;
  ComponentSource s;
  if (kind == "digest") {
    if (!body.is_string()) return bad(at, "expected 64 hex characters");
    auto h = parse_hash(at, body.get<std::string>());
    if (!h) return h.error();
    s.kind = ComponentSource::Kind::kDigest;
    s.digest = *h;
    return s;
  }
  if (!body.is_object()) return bad(at, "expected an object");
  Reader r(body, at, unknown);
  auto digest = r.string("digest");
  if (!digest) return digest.error();
  auto h = parse_hash(r.at("digest"), *digest);
  if (!h) return h.error();
  s.digest = *h;
  if (kind == "download") {
    s.kind = ComponentSource::Kind::kDownload;
    auto uri = r.string("uri");
    if (!uri) return uri.error();
    if (uri->rfind("http://", 0) != 0 && uri->rfind("https://", 0) != 0 && uri->rfind("ipfs://", 0) != 0) {
      return bad(r.at("uri"), "expected an http(s):// or ipfs:// URI");
    }
    s.uri = *uri;
    return s;
  }
  if (kind == "registry") {
    s.kind = ComponentSource::Kind::kRegistry;
    auto package = r.string("package");
    if (!package) return package.error();
    s.package = *package;
    for (auto [member, field] : {std::pair{"domain", &s.domain}, std::pair{"version", &s.version}}) {
      const Json* m = r.find(member);
      if (m == nullptr || m->is_null()) continue;
      if (!m->is_string()) return bad(r.at(member), "expected a string");
      *field = m->get<std::string>();
    }
    return s;
  }
  return bad(path, "unknown source kind \"" + kind + "\"");
}

Result<HttpHosts> parse_http_hosts(const Json& v, const std::string& path) {
  HttpHosts h;
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "none") return h;
    if (s == "all") {
      h.mode = HttpHosts::Mode::kAll;
      return h;
    }
    return bad(path, "expected \"none\", \"all\" or {\"only\": [...]}");
  }
  if (!v.is_object() || v.size() != 1 || !v.contains("only") || !v["only"].is_array()) {
    return bad(path, "expected \"none\", \"all\" or {\"only\": [...]}");
  }
  h.mode = HttpHosts::Mode::kOnly;
  std::size_t i = 0;
  for (const auto& e : v["only"]) {
    if (!e.is_string() || e.get<std::string>().empty()) {
      return bad(path + ".only[" + std::to_string(i) + "]", "expected a host name");
    }
    h.hosts.push_back(e.get<std::string>());
    ++i;
  }
  return h;
}

Result<Component> parse_component(const Json& v, const std::string& path, std::vector<std::string>& unknown) {
  if (!v.is_object()) return bad(path, "expected an object");
  Reader r(v, path, unknown);
  Component c;
  auto source = r.need("source");
  if (!source) return source.error();
  auto s = parse_source(**source, r.at("source"), unknown);
  if (!s) return s.error();
  c.source = std::move(*s);
  if (const Json* p = r.find("permissions"); p != nullptr && !p->is_null()) {
    if (!p->is_object()) return bad(r.at("permissions"), "expected an object");
    Reader pr(*p, r.at("permissions"), unknown);
    if (const Json* h = pr.find("allowed_http_hosts"); h != nullptr) {
      auto hosts = parse_http_hosts(*h, pr.at("allowed_http_hosts"));
      if (!hosts) return hosts.error();
      c.allowed_http_hosts = std::move(*hosts);
    }
    if (const Json* fs = pr.find("file_system"); fs != nullptr) {
      if (!fs->is_boolean()) return bad(pr.at("file_system"), "expected true or false");
      c.file_system = fs->get<bool>();
    }
  }
  if (const Json* f = r.find("fuel_limit"); f != nullptr && !f->is_null()) {
    if (!f->is_number_unsigned() || f->get<std::uint64_t>() == 0) return bad(r.at("fuel_limit"), "expected an integer >= 1");
    c.fuel_limit = f->get<std::uint64_t>();
  }
  if (const Json* t = r.find("time_limit_seconds"); t != nullptr && !t->is_null()) {
    if (!t->is_number() || !(t->get<double>() > 0) || !std::isfinite(t->get<double>())) {
      return bad(r.at("time_limit_seconds"), "expected a positive number");
    }
    c.time_limit_seconds = t->get<double>();
  }
  if (const Json* cfg = r.find("config"); cfg != nullptr && !cfg->is_null()) {
    if (!cfg->is_object()) return bad(r.at("config"), "expected an object of strings");
    for (const auto& [k, val] : cfg->items()) {
      if (!val.is_string()) return bad(r.at("config") + "." + k, "expected a string");
      c.config[k] = val.get<std::string>();
    }
  }
  if (const Json* keys = r.find("env_keys"); keys != nullptr && !keys->is_null()) {
    if (!keys->is_array()) return bad(r.at("env_keys"), "expected a list of names");
    std::size_t i = 0;
    for (const auto& k : *keys) {
      const std::string at = r.at("env_keys") + "[" + std::to_string(i++) + "]";
      if (!k.is_string()) return bad(at, "expected a string");
      const auto name = k.get<std::string>();
      if (name.size() <= kEnvPrefix.size() || name.compare(0, kEnvPrefix.size(), kEnvPrefix) != 0) {
        return bad(at, "'" + name + "' must start with " + std::string(kEnvPrefix));
      }
      c.env_keys.push_back(name);
    }
  }
  return c;
}

Result<Submit> parse_submit(const Json* v, const std::string& path, std::vector<std::string>& unknown) {
  Submit s;
  if (v == nullptr || v->is_null()) return s;
  if (v->is_string()) {
    if (v->get<std::string>() == "none") return s;
    return bad(path, "expected \"none\" or {\"aggregator\": {...}}");
  }
  if (!v->is_object() || v->size() != 1 || !v->contains("aggregator")) {
    return bad(path, "expected \"none\" or {\"aggregator\": {...}}");
  }
  const Json& body = (*v)["aggregator"];
  const std::string at = path + ".aggregator";
  if (!body.is_object()) return bad(at, "expected an object");
  Reader r(body, at, unknown);
  s.kind = Submit::Kind::kAggregator;
  if (const Json* component = r.find("component")) {  // the 2.0 shape
    auto c = parse_component(*component, r.at("component"), unknown);
    if (!c) return c.error();
    s.component = std::move(*c);
    if (const Json* kind = r.find("signature_kind")) s.signature_kind_json = kind->dump();
    return s;
  }
  // `url` may be left out: the node then sends to the aggregators it is configured with
  // (aggregator_urls), which is how one workflow reaches several aggregators.
  if (r.find("url") != nullptr) {
    auto url = r.string("url");
    if (!url) return url.error();
    if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
      return bad(r.at("url"), "expected an http(s) URL");
    }
    s.url = *url;
  }
  auto contracts = r.need("evm_contracts");
  if (!contracts) return contracts.error();
  if (!(*contracts)->is_array() || (*contracts)->empty()) {
    return bad(r.at("evm_contracts"), "expected a non-empty list of {chain, address}");
  }
  std::size_t i = 0;
  for (const auto& c : **contracts) {
    const std::string cat = r.at("evm_contracts") + "[" + std::to_string(i++) + "]";
    if (!c.is_object()) return bad(cat, "expected {chain, address}");
    Reader cr(c, cat, unknown);
    EvmContract ec;
    auto chain = chain_at(cr, "chain");
    if (!chain) return chain.error();
    ec.chain = *chain;
    auto address = cr.string("address");
    if (!address) return address.error();
    auto a = parse_address(cr.at("address"), *address);
    if (!a) return a.error();
    ec.address = *a;
    s.evm_contracts.push_back(std::move(ec));
  }
  return s;
}

Ordered trigger_json(const Trigger& t) {
  return std::visit(
      [](const auto& x) -> Ordered {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, ManualTrigger>) {
          return "manual";
        } else if constexpr (std::is_same_v<T, EvmContractEventTrigger>) {
          Ordered o = Ordered::object();
          o["address"] = x.address.hex();
          o["chain"] = x.chain.str();
          o["event_hash"] = x.event_hash.hex();
          return Ordered{{"evm_contract_event", o}};
        } else if constexpr (std::is_same_v<T, BlockIntervalTrigger>) {
          Ordered o = Ordered::object();
          o["chain"] = x.chain.str();
          o["n_blocks"] = x.n_blocks;
          if (x.start_block) o["start_block"] = *x.start_block;
          if (x.end_block) o["end_block"] = *x.end_block;
          return Ordered{{"block_interval", o}};
        } else {
          Ordered o = Ordered::object();
          o["schedule"] = x.schedule;
          if (x.start_time) o["start_time"] = *x.start_time;
          if (x.end_time) o["end_time"] = *x.end_time;
          return Ordered{{"cron", o}};
        }
      },
      t);
}

Ordered component_json(const Component& c) {
  Ordered o = Ordered::object();
  const std::string digest = c.source.digest.hex(HexPrefix::kNone);
  switch (c.source.kind) {
    case ComponentSource::Kind::kDigest: o["source"] = Ordered{{"digest", digest}}; break;
    case ComponentSource::Kind::kDownload:
      o["source"] = Ordered{{"download", Ordered{{"uri", c.source.uri}, {"digest", digest}}}};
      break;
    case ComponentSource::Kind::kRegistry: {
      Ordered r = Ordered::object();
      r["digest"] = digest;
      if (c.source.domain) r["domain"] = *c.source.domain;
      if (c.source.version) r["version"] = *c.source.version;
      r["package"] = c.source.package;
      o["source"] = Ordered{{"registry", r}};
      break;
    }
  }
  Ordered perms = Ordered::object();
  switch (c.allowed_http_hosts.mode) {
    case HttpHosts::Mode::kNone: perms["allowed_http_hosts"] = "none"; break;
    case HttpHosts::Mode::kAll: perms["allowed_http_hosts"] = "all"; break;
    case HttpHosts::Mode::kOnly:
      perms["allowed_http_hosts"] = Ordered{{"only", c.allowed_http_hosts.hosts}};
      break;
  }
  perms["file_system"] = c.file_system;
  o["permissions"] = perms;
  if (c.fuel_limit) o["fuel_limit"] = *c.fuel_limit;
  if (c.time_limit_seconds) o["time_limit_seconds"] = *c.time_limit_seconds;
  Ordered cfg = Ordered::object();
  for (const auto& [k, v] : c.config) cfg[k] = v;
  o["config"] = cfg;
  o["env_keys"] = c.env_keys;
  return o;
}

}  // namespace

Result<ChainKey> parse_chain_key(std::string_view key) {
  const auto colon = key.find(':');
  const std::string shown(key.substr(0, 80));
  if (colon == std::string_view::npos) return Error(ServiceErrc::kBadChainKey, "'" + shown + "' is not namespace:id");
  ChainKey k{std::string(key.substr(0, colon)), std::string(key.substr(colon + 1))};
  const bool ns_ok = !k.name_space.empty() && k.name_space.size() <= 32 &&
                     std::all_of(k.name_space.begin(), k.name_space.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                     });
  if (!ns_ok) return Error(ServiceErrc::kBadChainKey, "'" + shown + "': the namespace must be 1-32 of [a-z0-9-]");
  const bool id_ok = !k.id.empty() && k.id.size() <= 64 && std::all_of(k.id.begin(), k.id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
  if (!id_ok) return Error(ServiceErrc::kBadChainKey, "'" + shown + "': the id must be 1-64 of [A-Za-z0-9_.-]");
  if (k.name_space == "evm") {
    const bool decimal = k.id.size() <= 20 && std::all_of(k.id.begin(), k.id.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
    if (!decimal) return Error(ServiceErrc::kBadChainKey, "'" + shown + "': an evm chain id is a decimal number");
  }
  return k;
}

bool valid_workflow_id(std::string_view id) {
  return id.size() >= 3 && id.size() <= 36 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
         });
}

Result<Manifest> parse_manifest(std::string_view text) {
  if (text.size() > kMaxManifestBytes) {
    return Error(ServiceErrc::kBadJson, "the manifest is " + std::to_string(text.size()) + " bytes, over the limit of " +
                                            std::to_string(kMaxManifestBytes));
  }
  if (auto at = json_too_deep(text, kMaxDepth)) {
    return Error(ServiceErrc::kBadJson, "nested deeper than " + std::to_string(kMaxDepth) + " levels at byte offset " +
                                            std::to_string(*at));
  }
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    return Error(ServiceErrc::kBadJson, "invalid JSON at byte offset " + std::to_string(e.byte > 0 ? e.byte - 1 : 0));
  } catch (const Json::exception& e) {
    return Error(ServiceErrc::kBadJson, "invalid JSON");
  }
  if (!doc.is_object()) return Error(ServiceErrc::kBadManifest, "expected a JSON object");

  Manifest m;
  {
    Reader r(doc, "", m.unknown_fields);
    auto name = r.string("name");
    if (!name) return name.error();
    if (name->empty() || name->size() > 256) return bad("name", "expected 1-256 characters");
    m.name = *name;

    if (const Json* status = r.find("status"); status != nullptr) {
      if (!status->is_string() || (*status != "active" && *status != "paused")) {
        return bad("status", "expected \"active\" or \"paused\"");
      }
      m.active = *status == "active";
    }

    auto manager = r.need("manager");
    if (!manager) return manager.error();
    if (!(*manager)->is_object() || (*manager)->size() != 1 || !(*manager)->contains("evm")) {
      return bad("manager", "expected {\"evm\": {chain, address}}");
    }
    const Json& evm = (**manager)["evm"];
    if (!evm.is_object()) return bad("manager.evm", "expected {chain, address}");
    Reader mr(evm, "manager.evm", m.unknown_fields);
    auto chain = chain_at(mr, "chain");
    if (!chain) return chain.error();
    m.manager.chain = *chain;
    auto address = mr.string("address");
    if (!address) return address.error();
    auto a = parse_address("manager.evm.address", *address);
    if (!a) return a.error();
    m.manager.address = *a;

    auto workflows = r.need("workflows");
    if (!workflows) return workflows.error();
    if (!(*workflows)->is_object() || (*workflows)->empty()) return bad("workflows", "expected at least one workflow");
    for (const auto& [id, wf] : (*workflows)->items()) {
      const std::string at = "workflows." + id;
      if (!valid_workflow_id(id)) return bad(at, "a workflow id is 3-36 of [a-z0-9_-]");
      if (!wf.is_object()) return bad(at, "expected an object");
      Reader wr(wf, at, m.unknown_fields);
      Workflow w;
      if (const Json* t = wr.find("trigger"); t != nullptr) {
        auto trigger = read_trigger(*t, wr.at("trigger"), m.unknown_fields);
        if (!trigger) return trigger.error();
        w.trigger = std::move(*trigger);
      }
      auto comp = wr.need("component");
      if (!comp) return comp.error();
      auto c = parse_component(**comp, wr.at("component"), m.unknown_fields);
      if (!c) return c.error();
      w.component = std::move(*c);
      auto submit = parse_submit(wr.find("submit"), wr.at("submit"), m.unknown_fields);
      if (!submit) return submit.error();
      w.submit = std::move(*submit);
      m.workflows.emplace(id, std::move(w));
    }
  }
  return m;
}

std::string trigger_to_json(const Trigger& trigger) { return trigger_json(trigger).dump(); }

Result<Trigger> parse_trigger(std::string_view text, std::string_view path) {
  const std::string where(path);
  if (text.size() > kMaxManifestBytes)
    return Error(ServiceErrc::kBadJson, where + ": over " + std::to_string(kMaxManifestBytes) + " bytes");
  if (auto at = json_too_deep(text, kMaxDepth)) {
    return Error(ServiceErrc::kBadJson, where + ": nested deeper than " + std::to_string(kMaxDepth) +
                                            " levels at byte offset " + std::to_string(*at));
  }
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::exception& e) {
    return Error(ServiceErrc::kBadJson, where + ": invalid JSON");
  }
  std::vector<std::string> unknown;
  return read_trigger(doc, where, unknown);
}

std::string to_json(const Manifest& m) {
  Ordered o = Ordered::object();
  o["name"] = m.name;
  Ordered workflows = Ordered::object();
  for (const auto& [id, w] : m.workflows) {
    Ordered wf = Ordered::object();
    wf["trigger"] = trigger_json(w.trigger);
    wf["component"] = component_json(w.component);
    if (w.submit.kind == Submit::Kind::kNone) {
      wf["submit"] = "none";
    } else {
      Ordered contracts = Ordered::array();
      for (const auto& c : w.submit.evm_contracts) {
        Ordered e = Ordered::object();
        e["chain"] = c.chain.str();
        e["address"] = c.address.hex();
        contracts.push_back(e);
      }
      Ordered agg = Ordered::object();
      if (w.submit.component) {
        agg["component"] = component_json(*w.submit.component);
        if (!w.submit.signature_kind_json.empty()) agg["signature_kind"] = Ordered::parse(w.submit.signature_kind_json);
      } else {
        if (!w.submit.url.empty()) agg["url"] = w.submit.url;
        agg["evm_contracts"] = contracts;
      }
      wf["submit"] = Ordered{{"aggregator", agg}};
    }
    workflows[id] = wf;
  }
  o["workflows"] = workflows;
  o["status"] = m.active ? "active" : "paused";
  Ordered evm = Ordered::object();
  evm["chain"] = m.manager.chain.str();
  evm["address"] = m.manager.address.hex();
  o["manager"] = Ordered{{"evm", evm}};
  return o.dump();
}

Hash256 service_id(const Manager& manager) {
  const std::string chain = manager.chain.str();
  Bytes pre = {'e', 'v', 'm'};
  pre.insert(pre.end(), chain.begin(), chain.end());
  pre.insert(pre.end(), manager.address.data.begin(), manager.address.data.end());
  return crypto::sha256(pre);
}

Hash256 manifest_hash(std::string_view json_bytes) {
  return crypto::sha256(ByteView(reinterpret_cast<const std::uint8_t*>(json_bytes.data()), json_bytes.size()));
}

}  // namespace wavs::service
