#include "node/uri_watch.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <utility>

#include "chain/log_stream.hpp"
#include "contracts/events.hpp"

namespace wavs::node {

struct UriWatcher::Chain {
  std::set<service::Address> managers;
  std::unique_ptr<chain::LogStream> stream;
};

UriWatcher::UriWatcher(std::vector<ChainEndpoints> chains, OnUpdate on_update, std::stop_token cancel)
    : chains_(std::move(chains)), on_update_(std::move(on_update)), cancel_(std::move(cancel)) {}

UriWatcher::~UriWatcher() { stop(); }

void UriWatcher::stop() {
  std::map<std::string, std::unique_ptr<Chain>> streams;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    streams.swap(streams_);
  }
  for (auto& [key, c] : streams) c->stream->stop();
}

void UriWatcher::set_managers(const std::vector<service::Manager>& managers,
                              const std::map<std::string, std::uint64_t>& fresh_from) {
  std::map<std::string, std::set<service::Address>> wanted;
  for (const auto& m : managers) wanted[m.chain.str()].insert(m.address);

  std::lock_guard lock(mu_);
  if (stopped_) return;
  for (const auto& endpoints : chains_) {
    const std::string key = endpoints.key.str();
    auto want = wanted.find(key);
    auto have = streams_.find(key);
    const bool wants_any = want != wanted.end() && !want->second.empty();
    if (have != streams_.end() && wants_any && have->second->managers == want->second) continue;
    if (!wants_any && have == streams_.end()) continue;

    std::optional<chain::Cursor> resume;
    if (have != streams_.end()) {
      have->second->stream->stop();
      resume = have->second->stream->cursor();
      streams_.erase(have);
    }
    if (!wants_any) continue;

    chain::LogFilter filter;
    for (const auto& a : want->second) filter.addresses.push_back(chain::Address(a));
    filter.topics = {{contracts::event_topic<contracts::ServiceURIUpdated>()}};
    chain::LogStreamConfig lc;
    lc.filters = {filter};
    lc.confirmations =
        0;  // a URI change is acted on at once; a reorg only means a reload that finds nothing new
    lc.poll_interval = endpoints.poll_interval;
    lc.resume_from = resume;
    if (auto from = fresh_from.find(key); !resume && from != fresh_from.end()) lc.start_block = from->second;
    lc.cancel = cancel_;
    chain::RpcConfig rc = rpc_config(endpoints, cancel_);
    std::optional<chain::SubscriberConfig> ws = subscriber_config(endpoints);
    const service::ChainKey chain_key = endpoints.key;
    auto c = std::make_unique<Chain>();
    c->managers = want->second;
    c->stream = std::make_unique<chain::LogStream>(
        std::move(rc), std::move(ws), std::move(lc),
        [this, chain_key](const chain::LogBatch& batch) -> Status {
          for (const auto& log : batch.logs) {
            if (!contracts::decode_event<contracts::ServiceURIUpdated>(log)) continue;
            spdlog::info("node: service URI of {}/{} updated in block {}", chain_key.str(), log.address.hex(),
                         log.block_number);
            on_update_(service::Manager{chain_key, service::Address(log.address)});
          }
          return Status{};
        });
    if (auto st = c->stream->start(); !st) {
      spdlog::error("node: cannot follow service URI updates on {}: {}", key, st.error().message());
      continue;
    }
    streams_.emplace(key, std::move(c));
  }
}

}  // namespace wavs::node
