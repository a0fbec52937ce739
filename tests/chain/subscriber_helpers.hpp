#pragma once
// Test support shared by the subscriber tests: a quick configuration, a recorder of what
// the subscriber reports, and the node's side of eth_subscribe.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "chain/json.hpp"
#include "chain/subscriber.hpp"

namespace wavs::chain::testing {

inline SubscriberConfig quick(const std::string& url) {
  SubscriberConfig c;
  c.ws_endpoints = {url};
  c.connect_timeout = std::chrono::milliseconds(300);
  c.request_timeout = std::chrono::milliseconds(300);
  c.idle_timeout = std::chrono::milliseconds(2000);
  c.reconnect_initial = std::chrono::milliseconds(10);
  c.reconnect_max = std::chrono::milliseconds(50);
  return c;
}

// Records what the subscriber reports.
struct Recorder {
  std::mutex mu;
  std::vector<Error> errors;
  std::vector<BlockHeader> heads;
  std::vector<Log> logs;
  int connected = 0;
  SubscriberHandlers handlers() {
    SubscriberHandlers h;
    h.on_connected = [this] {
      std::lock_guard lock(mu);
      ++connected;
    };
    h.on_disconnected = [this](const Error& e) {
      std::lock_guard lock(mu);
      errors.push_back(e);
    };
    h.on_head = [this](const BlockHeader& b) {
      std::lock_guard lock(mu);
      heads.push_back(b);
    };
    h.on_log = [this](const Log& l) {
      std::lock_guard lock(mu);
      logs.push_back(l);
    };
    return h;
  }
  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = std::chrono::milliseconds(3000)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      {
        std::lock_guard lock(mu);
        if (pred()) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }
};

// The answer to a request, carrying its id.
inline std::string answer(const std::string& request, const std::string& result_json) {
  auto id = Json::parse(request)["id"];
  return R"({"jsonrpc":"2.0","id":)" + id.dump() + R"(,"result":)" + result_json + "}";
}

inline std::string hash_of(std::uint64_t n) {
  std::string digits = to_quantity(n).substr(2);
  return "0x" + std::string(64 - digits.size(), '0') + digits;
}

inline std::string head_notification(std::uint64_t number, const std::string& subscription = "0xabc") {
  Json h = {{"number", to_quantity(number)},
            {"hash", hash_of(number)},
            {"parentHash", "0x" + std::string(64, '0')},
            {"timestamp", "0x1"},
            {"gasLimit", "0x1"},
            {"gasUsed", "0x0"}};
  Json n = {{"jsonrpc", "2.0"},
            {"method", "eth_subscription"},
            {"params", {{"subscription", subscription}, {"result", h}}}};
  return n.dump();
}

inline std::string log_notification(std::uint64_t block, std::uint64_t log_index,
                                    const std::string& subscription) {
  Json l = {{"address", "0x" + std::string(38, '0') + "42"},
            {"topics", Json::array({hash_of(0xfeed)})},
            {"data", "0x01020304"},
            {"blockNumber", to_quantity(block)},
            {"blockHash", hash_of(block)},
            {"transactionHash", hash_of(0x7000 + log_index)},
            {"transactionIndex", "0x0"},
            {"logIndex", to_quantity(log_index)},
            {"removed", false}};
  Json n = {{"jsonrpc", "2.0"},
            {"method", "eth_subscription"},
            {"params", {{"subscription", subscription}, {"result", l}}}};
  return n.dump();
}

}  // namespace wavs::chain::testing
