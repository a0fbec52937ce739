#pragma once
// HTTP POST of JSON bodies over libcurl, used by RpcClient. Handles are pooled so
// keep-alive connections survive between calls; every exchange has a connect timeout
// and a total timeout, so no call can wait longer than asked, and a stop request on its
// token ends it at once (kStopped).

#include <chrono>
#include <memory>
#include <stop_token>
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
  // kStopped when `cancel` is requested, kHttpStatus never (the status is returned for
  // the caller to judge). Thread-safe: concurrent calls use separate handles.
  [[nodiscard]] Result<HttpResponse> post_json(const std::string& url, const std::string& body,
                                               std::chrono::milliseconds timeout,
                                               std::chrono::milliseconds connect_timeout,
                                               std::stop_token cancel = {});

 private:
  struct Pool;
  std::unique_ptr<Pool> pool_;
};

// Runs one prepared libcurl transfer like curl_easy_perform, but through the multi
// interface so that a stop request on `cancel` ends it at once: the wait is woken by
// curl_multi_wakeup, the result is CURLE_ABORTED_BY_CALLBACK. `easy` is a CURL*,
// `multi` a CURLM* that drives it (it keeps the connection cache) or nullptr for a
// temporary one; both are void* so that curl.h stays out of this header. Returns the
// CURLcode. The transfer's own timeouts still apply.
[[nodiscard]] int perform_transfer(void* easy, void* multi, const std::stop_token& cancel);

// libcurl's process-wide set-up (curl_global_init), done once however many threads ask.
// Every libcurl user in the tree calls this before its first handle, so there is one
// place that owns the call curl requires to happen exactly once.
void ensure_curl();

// "http://user:key@host:8545/v3/KEY" → "http://host:8545": endpoint URLs often carry API
// keys, so errors and logs show only scheme, host and port.
[[nodiscard]] std::string redact_url(std::string_view url);

}  // namespace wavs::chain
