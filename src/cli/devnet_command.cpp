#include "cli/devnet_command.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <thread>
#include <utility>

#include "chain/http.hpp"
#include "chain/rpc_client.hpp"
#include "chain/tx_sender.hpp"
#include "cli/app.hpp"
#include "cli/child_process.hpp"
#include "cli/deploy_command.hpp"
#include "cli/devnet_template.hpp"
#include "common/json_text.hpp"
#include "contracts/artifact.hpp"
#include "contracts/contract_error.hpp"
#include "contracts/events.hpp"
#include "contracts/service_manager.hpp"
#include "contracts/simple_trigger.hpp"
#include "crypto/hd.hpp"
#include "eth/uint256.hpp"
#include "runtime/daemon.hpp"

WAVS_ERROR_TABLE(wavs::cli, DevnetErrc, "devnet", "bad devnet input", "missing", "devnet start-up failed",
                 "timed out")

namespace wavs::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

// anvil's accounts: account 0 deploys and owns the manager (and is the funded key of the
// state file), aggregator i submits with account 4 + i.
constexpr const char* kAnvilMnemonic = "test test test test test test test test test test test junk";
constexpr std::uint32_t kFirstSubmitterAccount = 4;

constexpr auto kProcessStart = 30s;  // until a child's port (file) is known
constexpr auto kStopGrace = 5s;      // SIGTERM to SIGKILL, per group of children
constexpr auto kHttpTimeout = 30s;
constexpr auto kTakeover = 3000ms;  // several aggregators: how long a standby waits for the primary

Error failed(std::string detail) { return Error(DevnetErrc::kFailed, std::move(detail)); }

crypto::PrivateKey anvil_account(std::uint32_t index) {
  auto mnemonic = crypto::Mnemonic::parse(kAnvilMnemonic);
  auto key = crypto::derive_eth_key(*mnemonic, index);
  return *key;
}

// A TOML basic string: its escapes are JSON's (and both want UTF-8), so the one JSON
// escaper serves, as it does for `wavs config`'s TOML output.
std::string toml_quote(std::string_view s) { return json_quote(s); }

std::string toml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_quote(items[i]);
  return out + "]";
}

// Files that hold a secret (a mnemonic, a key in a configuration file) are created 0600.
Status write_private_file(const fs::path& file, std::string_view content) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return failed("cannot create " + file.string());
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n <= 0) {
      ::close(fd);
      return failed("cannot write " + file.string());
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) return failed("cannot write " + file.string());
  return {};
}

struct HttpAnswer {
  long status = 0;
  std::string body;
};

std::size_t collect(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// One request to a node or an aggregator on loopback; an error only when no answer came.
Result<HttpAnswer> http(const char* method, const std::string& url, std::string_view body,
                        const std::stop_token& cancel) {
  chain::ensure_curl();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), &curl_easy_cleanup);
  if (!easy) return failed("curl_easy_init failed");
  HttpAnswer answer;
  std::string body_copy(body);
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(easy.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(easy.get(), CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(kHttpTimeout.count() * 1000));
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(easy.get(), CURLOPT_HTTPHEADER, headers);
  if (std::string_view(method) != "GET") {
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, body_copy.data());
    curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_copy.size()));
  }
  const int rc = chain::perform_transfer(easy.get(), nullptr, cancel);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    if (cancel.stop_requested()) return Error(ProcessErrc::kStopped, std::string(method) + " " + url);
    return failed(std::string(method) + " " + url + ": " + curl_easy_strerror(static_cast<CURLcode>(rc)));
  }
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &answer.status);
  return answer;
}

// POST expecting 200 and a JSON object back.
Result<json> post_json(const std::string& what, const std::string& url, std::string_view body,
                       const std::stop_token& cancel) {
  auto answer = http("POST", url, body, cancel);
  if (!answer) return answer.error().with_context(what);
  auto doc = json::parse(answer->body, nullptr, false);
  if (answer->status != 200) {
    std::string message = answer->body;
    if (doc.is_object() && doc.contains("error") && doc["error"].is_object()) {
      message = doc["error"].value("message", answer->body);
    }
    return failed(what + ": " + url + " answered " + std::to_string(answer->status) + ": " + message);
  }
  if (!doc.is_object()) return failed(what + ": " + url + " did not answer a JSON object");
  return doc;
}

bool dir_is_empty(const fs::path& dir) {
  std::error_code ec;
  return fs::directory_iterator(dir, ec) == fs::directory_iterator();
}

std::string plural(int n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

Bytes u256_word(std::uint64_t v) {
  Bytes out(32, 0);
  for (int i = 0; i < 8; ++i) out[31 - i] = static_cast<std::uint8_t>(v >> (8 * i));
  return out;
}

// One `wavs node` or `wavs aggregator` of the devnet.
struct Child {
  std::string role;  // "node" or "aggregator"
  int index = 0;
  fs::path dir;
  ChildProcess process;
  std::string url;
  bool exit_reported = false;

  [[nodiscard]] std::string name() const { return "wavs " + role + " " + std::to_string(index); }
};

class Devnet {
 public:
  struct Setup {
    fs::path anvil;
    fs::path artifacts;
    fs::path exe;
    fs::path examples;
    fs::path dir;
    fs::path state;
    ServiceTemplate service;
  };

  Devnet(const DevnetCommand& options, Setup setup, std::stop_token cancel, std::ostream& out)
      : o_(options), s_(std::move(setup)), cancel_(std::move(cancel)), out_(out) {}
  ~Devnet() { stop(); }
  Devnet(const Devnet&) = delete;
  Devnet& operator=(const Devnet&) = delete;

  Status start();
  Status once();
  // Until the stop token; reports children that exit meanwhile. An error when anvil ended.
  Status watch(runtime::Daemon& daemon);
  void stop();

 private:
  Status start_anvil();
  Status deploy();
  Status start_daemons(const std::string& role, int count);
  [[nodiscard]] std::string daemon_config(const std::string& role, int index, const fs::path& dir) const;
  Status register_service();
  Status write_state() const;
  void print_summary() const;
  [[nodiscard]] std::string diagnose();
  [[nodiscard]] std::string chain_key() const { return "evm:" + std::to_string(chain_id_); }
  [[nodiscard]] json manager_json() const {
    return {{"evm", {{"chain", chain_key()}, {"address", deployed_.service_manager.hex()}}}};
  }

  const DevnetCommand& o_;
  Setup s_;
  std::stop_token cancel_;
  std::ostream& out_;

  std::optional<ChildProcess> anvil_;
  std::string rpc_url_;
  std::uint64_t chain_id_ = 0;
  std::unique_ptr<chain::RpcClient> rpc_;
  std::unique_ptr<chain::TxSender> owner_;
  DeployResult deployed_;
  std::string service_id_;
  std::vector<Child> aggregators_;
  std::vector<Child> nodes_;
  bool stopped_ = false;
};

Status Devnet::start_anvil() {
  ChildSpec spec;
  spec.argv = {s_.anvil.string(), "--host", "127.0.0.1", "--port", "0"};
  spec.log = s_.dir / "anvil.log";
  spec.env = environment_without_wavs_settings();
  auto child = ChildProcess::spawn(spec);
  if (!child) return failed("anvil (" + s_.anvil.string() + "): " + child.error().message());
  anvil_.emplace(std::move(*child));
  auto rest = anvil_->wait_for_log_line("Listening on 127.0.0.1:", kProcessStart, cancel_);
  if (!rest) {
    if (rest.error().is(ProcessErrc::kStopped)) return rest.error();
    return failed("anvil did not start: " + rest.error().detail() + "; its output (" + spec.log.string() +
                  ") ends with:\n" + anvil_->log_tail());
  }
  const unsigned long port = std::strtoul(rest->c_str(), nullptr, 10);
  if (port == 0 || port > 65535) return failed("anvil reported no port: '" + *rest + "'");
  rpc_url_ = "http://127.0.0.1:" + std::to_string(port);

  chain::RpcConfig rc;
  rc.http_endpoints = {rpc_url_};
  rc.cancel = cancel_;
  rpc_ = std::make_unique<chain::RpcClient>(rc);
  auto id = rpc_->chain_id();
  if (!id) return id.error().with_context("anvil at " + rpc_url_);
  chain_id_ = *id;
  spdlog::info("wavs devnet: anvil at {} (chain {}, pid {})", rpc_url_, chain_id_, anvil_->pid());
  return {};
}

Status Devnet::deploy() {
  DeployPlan plan;
  plan.rpc_url = rpc_url_;
  plan.deployer_credential = anvil_account(0).reveal_hex();
  plan.artifacts_dir = s_.artifacts;
  plan.quorum = contracts::Quorum{2, 3};
  plan.poll_interval = 20ms;
  plan.receipt_timeout = 60'000ms;
  plan.cancel = cancel_;
  for (int i = 0; i < o_.operators; ++i) {
    const fs::path dir = s_.dir / ("node-" + std::to_string(i));
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return failed("cannot create " + dir.string() + ": " + ec.message());
    auto mnemonic = crypto::Mnemonic::generate();
    if (!mnemonic) return mnemonic.error();
    if (auto st = write_private_file(dir / "mnemonic", mnemonic->phrase().reveal() + "\n"); !st) return st;
    plan.operators.push_back({mnemonic->phrase(),
                              "operator " + std::to_string(i) + " (" + (dir / "mnemonic").string() + ")",
                              eth::U256(1), 1});
  }
  auto deployed = deploy_contracts(plan);
  if (!deployed) return deployed.error().with_context("deploying the contracts");
  deployed_ = std::move(*deployed);

  chain::TxSenderConfig tc;
  tc.chain_id = chain_id_;
  tc.known_errors = contracts::abi_errors();
  tc.poll_interval = 20ms;
  tc.receipt_timeout = 60'000ms;
  tc.cancel = cancel_;
  owner_ = std::make_unique<chain::TxSender>(*rpc_, anvil_account(0), tc);
  return {};
}

std::string Devnet::daemon_config(const std::string& role, int index, const fs::path& dir) const {
  std::ostringstream toml;
  if (role == "aggregator") {
    toml << "[aggregator]\n"
         << "aggregator_evm_credential = "
         << toml_quote(anvil_account(kFirstSubmitterAccount + static_cast<std::uint32_t>(index))
                           .reveal_hex()
                           .reveal())
         << "\n";
    if (o_.aggregators > 1) {
      std::vector<std::string> set;
      set.reserve(static_cast<std::size_t>(o_.aggregators));
      for (int k = 0; k < o_.aggregators; ++k) {
        set.push_back(
            anvil_account(kFirstSubmitterAccount + static_cast<std::uint32_t>(k)).address().to_checksum());
      }
      toml << "aggregator_set = " << toml_list(set) << "\ntakeover_ms = " << kTakeover.count() << "\n";
    }
  } else {
    toml << "[wavs]\n"
         << "signing_mnemonic_file = " << toml_quote((dir / "mnemonic").string()) << "\n"
         << "dev_endpoints_enabled = true\nworkers = 2\n";
    if (o_.aggregators > 1) {
      std::vector<std::string> urls;
      for (const auto& a : aggregators_) urls.push_back(a.url);
      toml << "aggregator_urls = " << toml_list(urls) << "\n";
    }
  }
  toml << "host = \"127.0.0.1\"\nport = 0\n"
       << "data = " << toml_quote((dir / "data").string()) << "\n"
       << "log_level = \"info\"\n\n"
       << "[default.chains.evm." << chain_id_ << "]\n"
       << "http_endpoint = " << toml_quote(rpc_url_) << "\npoll_interval_ms = 100\n"
       // anvil answers WebSocket on its HTTP port: new heads are pushed, not polled for.
       << "ws_endpoints = [" << toml_quote("ws" + rpc_url_.substr(rpc_url_.find(':'))) << "]\n";
  return toml.str();
}

Status Devnet::start_daemons(const std::string& role, int count) {
  auto& list = role == "node" ? nodes_ : aggregators_;
  // All are spawned first, then waited for: they start side by side.
  for (int i = 0; i < count; ++i) {
    if (cancel_.stop_requested()) return Error(ProcessErrc::kStopped, "before starting wavs " + role);
    const fs::path dir = s_.dir / (role + "-" + std::to_string(i));
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return failed("cannot create " + dir.string() + ": " + ec.message());
    if (auto st = write_private_file(dir / "wavs.toml", daemon_config(role, i, dir)); !st) return st;
    ChildSpec spec;
    spec.argv = {s_.exe.string(),        "--config", (dir / "wavs.toml").string(), role, "--port-file",
                 (dir / "port").string()};
    spec.log = dir / (role + ".log");
    spec.env = environment_without_wavs_settings();
    auto child = ChildProcess::spawn(spec);
    if (!child) return failed("wavs " + role + " " + std::to_string(i) + ": " + child.error().message());
    list.push_back({role, i, dir, std::move(*child), {}, false});
  }
  for (auto& d : list) {
    auto port = d.process.wait_for_port_file(d.dir / "port", kProcessStart, cancel_);
    if (!port) {
      if (port.error().is(ProcessErrc::kStopped)) return port.error();
      return failed(d.name() + " did not start: " + port.error().detail() + "; its log (" +
                    d.process.log().string() + ") ends with:\n" + d.process.log_tail());
    }
    d.url = "http://127.0.0.1:" + std::to_string(*port);
    spdlog::info("wavs devnet: {} at {} (pid {})", d.name(), d.url, d.process.pid());
  }
  return {};
}

Status Devnet::register_service() {
  TemplateValues values;
  values.chain_id = chain_id_;
  values.service_manager = deployed_.service_manager.hex();
  values.trigger = deployed_.trigger ? deployed_.trigger->hex() : std::string();
  values.submit = deployed_.submit ? deployed_.submit->hex() : std::string();
  values.examples = s_.examples;
  for (const auto& a : aggregators_) values.aggregator_urls.push_back(a.url);
  auto service = fill_service_template(s_.service, values);
  if (!service) return service.error();

  for (auto& n : nodes_) {
    for (const auto& c : service->components) {
      const std::string body(c.wasm.begin(), c.wasm.end());
      auto up = post_json("uploading " + c.file.string() + " to " + n.name(), n.url + "/dev/components", body,
                          cancel_);
      if (!up) return up.error();
      if (up->value("digest", "") != c.digest) {
        return failed(n.name() + " stored " + c.file.string() + " as " + up->value("digest", "?") +
                      ", not as its sha256 " + c.digest);
      }
    }
  }
  auto published = post_json("publishing the manifest on " + nodes_[0].name(),
                             nodes_[0].url + "/dev/services", service->manifest, cancel_);
  if (!published) return published.error();
  const std::string uri = published->value("uri", "");
  if (uri.empty()) return failed(nodes_[0].name() + ": /dev/services answered no uri");
  contracts::ServiceManager manager(*rpc_, deployed_.service_manager);
  if (auto sent = manager.set_service_uri(*owner_, uri); !sent)
    return sent.error().with_context("setServiceURI");
  spdlog::info("wavs devnet: service URI {}", uri);

  const std::string reg = json{{"service_manager", manager_json()}}.dump();
  for (auto& a : aggregators_) {
    auto r = post_json("registering the service on " + a.name(), a.url + "/services", reg, cancel_);
    if (!r) return r.error();
  }
  for (auto& n : nodes_) {
    auto r = post_json("registering the service on " + n.name(), n.url + "/services", reg, cancel_);
    if (!r) return r.error();
    // Index 1 is the key deploy bound for the operator; any other would sign unseen.
    if (r->value("hd_index", 0) != 1) {
      return failed(n.name() + " signs the service with key index " +
                    std::to_string(r->value("hd_index", 0)) +
                    ", but index 1 is the one bound on the manager (is its data directory fresh?)");
    }
    service_id_ = r->value("id", "");
  }
  return {};
}

Status Devnet::write_state() const {
  auto daemons = [](const std::vector<Child>& list) {
    json out = json::array();
    for (const auto& d : list) {
      out.push_back({{"url", d.url},
                     {"pid", d.process.pid()},
                     {"data_dir", (d.dir / "data").string()},
                     {"log", d.process.log().string()}});
    }
    return out;
  };
  const json state = {{"rpc_url", rpc_url_},
                      {"chain_id", chain_id_},
                      {"service_manager", deployed_.service_manager.to_checksum()},
                      {"trigger", deployed_.trigger ? json(deployed_.trigger->to_checksum()) : json(nullptr)},
                      {"submit", deployed_.submit ? json(deployed_.submit->to_checksum()) : json(nullptr)},
                      {"service_id", service_id_},
                      // anvil's well-known account 0: test money only, which is why it may be written here.
                      {"funded_key", anvil_account(0).reveal_hex().reveal()},
                      {"nodes", daemons(nodes_)},
                      {"aggregators", daemons(aggregators_)},
                      {"anvil", {{"pid", anvil_->pid()}, {"log", anvil_->log().string()}}},
                      {"dir", s_.dir.string()}};
  const fs::path tmp = s_.state.string() + ".tmp";
  if (auto st = write_private_file(tmp, state.dump(2) + "\n"); !st) return st;
  std::error_code ec;
  fs::rename(tmp, s_.state, ec);
  if (ec) return failed("cannot write " + s_.state.string() + ": " + ec.message());
  return {};
}

void Devnet::print_summary() const {
  out_ << "wavs devnet: up, " << plural(o_.operators, "operator") << " and "
       << plural(o_.aggregators, "aggregator") << " on chain " << chain_id_ << "\n"
       << "  anvil           " << rpc_url_ << "  (pid " << anvil_->pid() << ")\n"
       << "  service manager " << deployed_.service_manager.to_checksum() << "\n";
  if (deployed_.trigger) out_ << "  SimpleTrigger   " << deployed_.trigger->to_checksum() << "\n";
  if (deployed_.submit) out_ << "  SimpleSubmit    " << deployed_.submit->to_checksum() << "\n";
  out_ << "  service id      " << service_id_ << "\n";
  for (const auto& list : {&aggregators_, &nodes_}) {
    for (const auto& d : *list) {
      out_ << "  " << d.role << " " << d.index << (d.role == "node" ? "          " : "    ") << d.url
           << "  (pid " << d.process.pid() << ", log " << d.process.log().string() << ")\n";
    }
  }
  out_ << "  state           " << s_.state.string() << "\n";
  if (!o_.once && deployed_.trigger) {
    out_ << "Fire a trigger:\n  cast send " << deployed_.trigger->to_checksum()
         << " 'addTrigger(bytes)' $(cast abi-encode 'f(uint256)' 7) --rpc-url " << rpc_url_
         << " --private-key \"$(jq -r .funded_key " << s_.state.string() << ")\"\n"
         << "Stop with Ctrl-C or SIGTERM.\n";
  }
  out_ << std::flush;
}

Status Devnet::start() {
  if (auto st = start_anvil(); !st) return st;
  if (auto st = deploy(); !st) return st;
  if (auto st = start_daemons("aggregator", o_.aggregators); !st) return st;
  if (auto st = start_daemons("node", o_.operators); !st) return st;
  if (auto st = register_service(); !st) return st;
  if (auto st = write_state(); !st) return st;
  print_summary();
  return {};
}

std::string Devnet::diagnose() {
  for (auto* list : {&nodes_, &aggregators_}) {
    for (auto& d : *list) {
      if (!d.process.running()) {
        return d.name() + " has exited (status " + std::to_string(d.process.exit_code().value_or(-1)) +
               "): read " + d.process.log().string();
      }
    }
  }
  for (auto& n : nodes_) {
    auto answer =
        http("GET", n.url + "/services/" + chain_key() + "/" + deployed_.service_manager.hex() + "/results",
             {}, cancel_);
    if (!answer || answer->status != 200)
      return n.name() + " does not answer: read " + n.process.log().string();
    auto doc = json::parse(answer->body, nullptr, false);
    if (!doc.is_object() || !doc.contains("results") || !doc["results"].is_array() ||
        doc["results"].empty()) {
      return n.name() + " ran nothing for the trigger: read " + n.process.log().string();
    }
    const auto& latest = doc["results"][0];
    if (latest.value("status", "") != "succeeded") {
      const std::string why = latest.contains("error") && latest["error"].is_string()
                                  ? latest["error"].get<std::string>()
                                  : latest.value("status", "?");
      return n.name() + "'s run did not succeed (" + why + "): read " + n.process.log().string();
    }
  }
  std::string logs;
  for (const auto& a : aggregators_) logs += (logs.empty() ? "" : ", ") + a.process.log().string();
  return "every operator's run succeeded but nothing landed: read the aggregator log" +
         std::string(aggregators_.size() > 1 ? "s " : " ") + logs;
}

Status Devnet::once() {
  if (!deployed_.trigger || !deployed_.submit) return failed("--once needs the example contracts");
  contracts::SimpleTrigger trigger(*rpc_, *deployed_.trigger);
  auto added = trigger.add_trigger(*owner_, u256_word(o_.input));
  if (!added) return added.error().with_context("SimpleTrigger.addTrigger");
  const auto& receipt = added->outcome.receipt;
  out_ << "trigger tx  " << receipt.tx_hash.hex() << "  (SimpleTrigger.addTrigger, input " << o_.input
       << ", block " << receipt.block_number << ")" << std::endl;

  chain::LogFilter filter{{*deployed_.submit}, {{contracts::event_topic<contracts::EnvelopeHandled>()}}};
  const auto deadline = Clock::now() + std::chrono::seconds(o_.timeout_seconds);
  for (;;) {
    auto head = rpc_->block_number();
    if (!head) return head.error().with_context("waiting for the result");
    auto logs = rpc_->get_logs(filter, receipt.block_number, *head);
    if (!logs) return logs.error().with_context("waiting for the result");
    if (!logs->empty()) {
      const chain::Log& log = logs->front();
      auto handled = contracts::decode_event<contracts::EnvelopeHandled>(log);
      if (!handled) return handled.error().with_context("the EnvelopeHandled log");
      out_ << "event id    " << handled->event_id.hex() << "\n"
           << "submit tx   " << log.tx_hash.hex() << "  (SimpleSubmit.handleSignedEnvelope, block "
           << log.block_number << ")\n";
      if (handled->payload.size() == 32) {
        auto value = eth::u256_from_be(handled->payload);
        out_ << "payload     " << (value ? eth::to_decimal(*value) : std::string("?")) << "  (uint256 "
             << to_hex(handled->payload) << ")\n";
      } else {
        out_ << "payload     " << to_hex(handled->payload) << "\n";
      }
      out_ << std::flush;
      return {};
    }
    if (cancel_.stop_requested()) return Error(ProcessErrc::kStopped, "while waiting for the result");
    if (Clock::now() > deadline) {
      return Error(DevnetErrc::kTimeout, "no EnvelopeHandled on SimpleSubmit within " +
                                             std::to_string(o_.timeout_seconds) + " s: " + diagnose());
    }
    std::this_thread::sleep_for(200ms);
  }
}

Status Devnet::watch(runtime::Daemon& daemon) {
  while (!daemon.wait_for_stop(500ms)) {
    if (!anvil_->running()) {
      return failed("anvil has exited (status " + std::to_string(anvil_->exit_code().value_or(-1)) +
                    "): read " + anvil_->log().string());
    }
    for (auto* list : {&nodes_, &aggregators_}) {
      for (auto& d : *list) {
        if (d.exit_reported || d.process.running()) continue;
        d.exit_reported = true;
        spdlog::warn("wavs devnet: {} has exited (status {}); the others keep running. Its log: {}", d.name(),
                     d.process.exit_code().value_or(-1), d.process.log().string());
      }
    }
  }
  return {};
}

void Devnet::stop() {
  if (stopped_) return;
  stopped_ = true;
  auto stop_group = [](std::vector<Child>& list) {
    std::vector<ChildProcess*> children;
    children.reserve(list.size());
    for (auto& d : list) children.push_back(&d.process);
    const auto outcomes = stop_all(children, kStopGrace);
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (outcomes[i] == StopOutcome::kKilled) {
        spdlog::warn("wavs devnet: {} did not stop within {} s of SIGTERM and was killed", list[i].name(),
                     std::chrono::duration_cast<std::chrono::seconds>(kStopGrace).count());
      }
    }
  };
  // Nodes first (they deliver to the aggregators), aggregators next, the chain last.
  stop_group(nodes_);
  stop_group(aggregators_);
  if (anvil_ && anvil_->stop(kStopGrace) == StopOutcome::kKilled) {
    spdlog::warn("wavs devnet: anvil did not stop within {} s of SIGTERM and was killed",
                 std::chrono::duration_cast<std::chrono::seconds>(kStopGrace).count());
  }
  rpc_.reset();
  std::error_code ec;
  fs::remove(s_.state, ec);
  spdlog::info("wavs devnet: stopped; logs and data are in {}", s_.dir.string());
}

Result<fs::path> make_work_dir(const std::string& given) {
  std::error_code ec;
  if (!given.empty()) {
    const fs::path dir = fs::absolute(given, ec);
    fs::create_directories(dir, ec);
    if (ec) return Error(DevnetErrc::kBadInput, "--dir " + given + ": " + ec.message());
    return dir;
  }
  std::string tmpl = (fs::temp_directory_path(ec) / "wavs-devnet-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr)
    return failed("cannot create a directory in " + fs::temp_directory_path(ec).string());
  return fs::path(tmpl);
}

// Everything that needs nothing started, so a missing piece costs no waiting.
Result<Devnet::Setup> prepare(const DevnetCommand& o) {
  Devnet::Setup s;
  std::error_code ec;
  s.exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return failed("cannot find this executable (/proc/self/exe)");
  s.examples = examples_dir();

  if (o.service.empty()) {
    s.service = default_service_template();
    const fs::path square = s.examples / "square-c.wasm";
    if (!fs::exists(square, ec)) {
      return Error(DevnetErrc::kMissing, "the example component " + square.string() +
                                             " is missing: build it with `cmake --build " +
                                             s.examples.parent_path().string() +
                                             " --target example_components` (needs clang-19: scripts/setup)");
    }
  } else {
    auto tpl = read_service_template(o.service);
    if (!tpl) return tpl.error();
    s.service = std::move(*tpl);
  }
  // The template checked with stand-in values: placeholders, files, the manifest's rules.
  TemplateValues trial;
  trial.chain_id = 31337;
  trial.service_manager = "0x" + std::string(39, '0') + "1";
  trial.trigger = "0x" + std::string(39, '0') + "2";
  trial.submit = "0x" + std::string(39, '0') + "3";
  trial.examples = s.examples;
  for (int i = 0; i < o.aggregators; ++i)
    trial.aggregator_urls.push_back("http://127.0.0.1:" + std::to_string(1 + i));
  auto filled = fill_service_template(s.service, trial);
  if (!filled) return filled.error();
  for (const auto& unknown : filled->unknown_fields) {
    spdlog::warn("wavs devnet: {}: {}: unknown member, ignored", s.service.origin, unknown);
  }

  auto anvil = find_anvil();
  if (!anvil) {
    return Error(
        DevnetErrc::kMissing,
        "anvil not found: neither node_modules/.bin/anvil in the checkout nor `anvil` on PATH; install it "
        "with `scripts/setup` (or `npm ci` in the checkout)");
  }
  s.anvil = *anvil;

  auto artifacts = find_artifacts_dir();
  if (!artifacts) {
    return Error(
        DevnetErrc::kMissing,
        "contract artifacts: no checkout (contracts/foundry.toml) above the working directory or the wavs "
        "binary; run wavs devnet from the checkout");
  }
  for (const std::string contract : {"WavsServiceManager", "SimpleSubmit", "SimpleTrigger"}) {
    const fs::path file = *artifacts / (contract + ".sol") / (contract + ".json");
    if (!fs::exists(file, ec)) {
      return Error(DevnetErrc::kMissing,
                   "contract artifacts: " + file.string() +
                       " is missing: build them with `bash scripts/test-contracts --build-only`");
    }
    auto art = contracts::load_artifact(*artifacts, contract);
    if (!art) return Error(DevnetErrc::kMissing, "contract artifacts: " + art.error().message());
  }
  s.artifacts = *artifacts;

  return s;
}

}  // namespace

std::optional<fs::path> find_anvil() {
  std::error_code ec;
  if (auto checkout = find_checkout()) {
    const fs::path p = *checkout / "node_modules" / ".bin" / "anvil";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "";
  while (!rest.empty()) {
    const auto colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    if (dir.empty()) continue;
    const fs::path p = fs::path(dir) / "anvil";
    if (::access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

fs::path examples_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return exe.parent_path().parent_path().parent_path() / "examples";
}

void add_devnet_options(CLI::App& cmd, DevnetCommand& o) {
  cmd.add_option("--operators", o.operators,
                 "operators (a wavs node each, weight 1, quorum 2/3), 1 to " +
                     std::to_string(kMaxDevnetOperators) + " (default 3)");
  cmd.add_option("--aggregators", o.aggregators,
                 "wavs aggregator processes, 1 to " + std::to_string(kMaxDevnetAggregators) + " (default 1)");
  cmd.add_option(
      "--service", o.service,
      "manifest template of the service (default: the square example; placeholders in docs/operations.md)");
  cmd.add_option("--state", o.state,
                 "write the devnet's addresses, URLs and PIDs here (default DIR/devnet.json)");
  cmd.add_option("--dir", o.dir,
                 "work directory, empty or missing (default: a fresh one under the temp dir)");
  cmd.add_flag("--once", o.once, "fire one trigger, wait for its result on chain, print it and stop");
  cmd.add_option("--input", o.input, "--once: the uint256 sent with SimpleTrigger.addTrigger (default 7)");
  cmd.add_option("--timeout", o.timeout_seconds, "--once: seconds to wait for the result (default 60)");
  cmd.footer(
      "Starts anvil, deploys the contracts, registers the operators and the service, and runs\n"
      "`wavs node` and `wavs aggregator` child processes on 127.0.0.1 until SIGINT or SIGTERM;\n"
      "then stops them all (docs/operations.md, \"wavs devnet\").\n"
      "Exit code: 0 stopped or --once saw its result, 1 a step failed or timed out, 2 bad flags,\n"
      "template, --dir, or anvil, artifacts or the example component missing.");
}

int run_devnet(const DevnetCommand& o, std::ostream& out, std::ostream& err) {
  const auto usage = [&](const std::string& what) {
    err << "wavs devnet: " << what << "\n";
    return kExitUsage;
  };
  if (o.operators < 1 || o.operators > kMaxDevnetOperators) {
    return usage("--operators must be from 1 to " + std::to_string(kMaxDevnetOperators) + ", got " +
                 std::to_string(o.operators));
  }
  if (o.aggregators < 1 || o.aggregators > kMaxDevnetAggregators) {
    return usage("--aggregators must be from 1 to " + std::to_string(kMaxDevnetAggregators) +
                 " (they submit with anvil's funded accounts 4 to 9), got " + std::to_string(o.aggregators));
  }
  if (o.timeout_seconds < 1 || o.timeout_seconds > 3600) {
    return usage("--timeout must be from 1 to 3600 seconds, got " + std::to_string(o.timeout_seconds));
  }
  if (!o.state.empty()) {
    std::error_code ec;
    const fs::path parent = fs::absolute(o.state, ec).parent_path();
    if (o.state.back() == '/' || fs::is_directory(o.state, ec))
      return usage("--state must name a file, got " + o.state);
    if (!fs::is_directory(parent, ec))
      return usage("--state " + o.state + ": no directory " + parent.string());
  }
  if (!o.dir.empty()) {
    std::error_code ec;
    if (fs::exists(o.dir, ec) && !fs::is_directory(o.dir, ec))
      return usage("--dir " + o.dir + " is not a directory");
    if (fs::is_directory(o.dir, ec) && !dir_is_empty(o.dir)) {
      return usage(
          "--dir " + o.dir +
          " is not empty: a devnet starts from nothing (a fresh chain needs fresh nodes); remove it or "
          "name another");
    }
  }

  auto setup = prepare(o);
  if (!setup) {
    err << "wavs devnet: " << setup.error().detail() << "\n";
    return setup.error().is(DevnetErrc::kFailed) ? kExitFailure : kExitUsage;
  }
  auto dir = make_work_dir(o.dir);
  if (!dir) {
    err << "wavs devnet: " << dir.error().detail() << "\n";
    return dir.error().is(DevnetErrc::kBadInput) ? kExitUsage : kExitFailure;
  }
  setup->dir = *dir;
  std::error_code ec;
  setup->state = o.state.empty() ? *dir / "devnet.json" : fs::absolute(o.state, ec);
  fs::remove(setup->state, ec);  // a stale one would look like a devnet that is up

  // SIGINT and SIGTERM wake the daemon; the relay turns that into a stop request on the
  // token every step below watches (the daemon's own token is requested only once it
  // shuts down, after the devnet has stopped its children).
  runtime::DaemonConfig dc;
  dc.io_threads = 1;
  dc.workers.threads = 1;
  runtime::Daemon daemon(dc);
  daemon.start();
  std::stop_source stop;
  std::jthread relay([&daemon, &stop](const std::stop_token& done) {
    while (!done.stop_requested()) {
      if (daemon.wait_for_stop(100ms)) {
        stop.request_stop();
        return;
      }
    }
  });

  Devnet net(o, std::move(*setup), stop.get_token(), out);
  Status st = net.start();
  if (st && o.once) st = net.once();
  bool up_until_signal = false;
  if (st && !o.once) {
    st = net.watch(daemon);
    up_until_signal = static_cast<bool>(st);
  }
  const bool interrupted = stop.stop_requested() && !up_until_signal;
  net.stop();
  relay.request_stop();
  relay.join();
  (void)daemon.shutdown();
  if (interrupted) {
    err << "wavs devnet: stopped by a signal before " << (o.once ? "the result landed" : "it was up") << "\n";
    return kExitFailure;
  }
  if (!st) {
    err << "wavs devnet: " << st.error().message() << "\n";
    return st.error().is(DevnetErrc::kBadInput) || st.error().is(DevnetErrc::kMissing) ? kExitUsage
                                                                                       : kExitFailure;
  }
  return kExitOk;
}

}  // namespace wavs::cli
