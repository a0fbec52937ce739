#pragma once
// HTTP POST of JSON bodies over libcurl, used by RpcClient. Easy handles are pooled so
// keep-alive connections survive between calls; every exchange has a connect timeout
// and a total timeout, so no call can wait longer than asked.

#include <chrono>
#include <memory>
#include <string>

#include "chain/error.hpp"

namespace wavs::chain {

struct HttpResponse {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // kTransport when the connection fails or breaks, kTimeout when `timeout` passes,
  // kHttpStatus never (the status is returned for the caller to judge).
  [[nodiscard]] Result<HttpResponse> post_json(const std::string& url, const std::string& body,
                                               std::chrono::milliseconds timeout,
                                               std::chrono::milliseconds connect_timeout);

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

// libcurl's process-wide set-up (curl_global_init), done once however many threads ask.
// Every libcurl user in the tree calls this before its first handle, so there is one
// place that owns the call curl requires to happen exactly once.
void ensure_curl();

// "http://user:key@host:8545/v3/KEY" → "http://host:8545": endpoint URLs often carry API
// keys, so errors and logs show only scheme, host and port.
[[nodiscard]] std::string redact_url(std::string_view url);

}  // namespace wavs::chain
