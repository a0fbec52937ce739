#pragma once
// UriWatcher: follows ServiceURIUpdated events of the registered services' managers, so
// an owner's setServiceURI reaches the node without a restart or an API call. It only
// says which manager changed; the node then reads the URI and swaps the service
// (Node::reload_service), which checks everything again.
//
//   node::UriWatcher watcher(chains, [&](const service::Manager& m) { schedule_reload(m); }, token);
//   watcher.set_managers(managers_of_registered_services);
//
// The streams keep no durable cursor: an update made while the node was down is found by
// the reload of every service the node makes at start instead, which is cheaper than
// persisting a second cursor per chain and covers the same gap.
//
// Contract:
//   owns      one chain::LogStream (and its thread) per chain with registered managers.
//   threads   on_update runs on a stream thread and must not block: hand the reload to a
//             worker. set_managers() and stop() may be called from any thread.
//   blocking  set_managers() stops and starts streams (bounded by their stop); stop()
//             joins every stream.
//   cancels   stop(), the destructor, or `cancel`.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "node/chain_config.hpp"
#include "service/manifest.hpp"

namespace wavs::chain {
class LogStream;
}

namespace wavs::node {

class UriWatcher {
 public:
  using OnUpdate = std::function<void(const service::Manager& manager)>;

  UriWatcher(std::vector<ChainEndpoints> chains, OnUpdate on_update, std::stop_token cancel);
  ~UriWatcher();
  UriWatcher(const UriWatcher&) = delete;
  UriWatcher& operator=(const UriWatcher&) = delete;

  // The managers to follow. A chain whose set changed gets a new stream that resumes at the
  // old one's cursor (nothing between is missed); managers on chains that are not
  // configured are ignored (the node refuses such services before they get here).
  // A chain that had no stream starts at `fresh_from[chain key]` when given (the block
  // after the one the caller last read the URIs at), else after the head its new stream
  // first reads — on its own thread, later, so an update mined in between would be missed.
  void set_managers(const std::vector<service::Manager>& managers,
                    const std::map<std::string, std::uint64_t>& fresh_from = {});
  void stop();

 private:
  struct Chain;
  std::vector<ChainEndpoints> chains_;
  OnUpdate on_update_;
  std::stop_token cancel_;
  std::mutex mu_;
  bool stopped_ = false;
  std::map<std::string, std::unique_ptr<Chain>> streams_;  // by chain key
};

}  // namespace wavs::node
