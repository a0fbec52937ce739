#include "chain/http.hpp"

#include <mutex>
#include <vector>

#include <curl/curl.h>

namespace wavs::chain {

namespace {

// Bounds memory use when an endpoint streams an endless or huge answer.
constexpr std::size_t kMaxResponseBytes = 256u << 20;

struct Sink {
  std::string body;
  bool overflow = false;
};

std::size_t write_cb(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t n = size * count;
  if (sink->body.size() + n > kMaxResponseBytes) {
    sink->overflow = true;
    return 0;  // makes curl abort with CURLE_WRITE_ERROR
  }
  sink->body.append(data, n);
  return n;
}

}  // namespace

void ensure_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct HttpClient::Pool {
  std::mutex mu;
  std::vector<CURL*> idle;

  CURL* acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        CURL* h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    return curl_easy_init();
  }
  void release(CURL* h) {
    std::lock_guard lock(mu);
    // Keep a few warm handles (and their connections); more only costs sockets.
    if (idle.size() < 16) {
      idle.push_back(h);
    } else {
      curl_easy_cleanup(h);
    }
  }
  ~Pool() {
    for (CURL* h : idle) curl_easy_cleanup(h);
  }
};

HttpClient::HttpClient() : pool_(std::make_unique<Pool>()) { ensure_curl(); }
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::post_json(const std::string& url, const std::string& body,
                                           std::chrono::milliseconds timeout,
                                           std::chrono::milliseconds connect_timeout) {
  CURL* h = pool_->acquire();
  if (h == nullptr) return Error(ChainErrc::kTransport, "cannot create an HTTP handle");
  curl_easy_reset(h);
  Sink sink;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  // Some servers stall on "Expect: 100-continue" for larger bodies.
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  // Signals are not safe in a multi-threaded process; timeouts still work without them.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(std::max<std::int64_t>(1, timeout.count())));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<std::int64_t>(1, std::min(connect_timeout, timeout).count())));
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    // A handle whose transfer failed may hold a broken connection; do not reuse it.
    curl_easy_cleanup(h);
    std::string where = redact_url(url);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return Error(ChainErrc::kTimeout,
                   where + ": no answer within " + std::to_string(timeout.count()) + " ms");
    }
    if (sink.overflow) {
      return Error(ChainErrc::kBadResponse,
                   where + ": response larger than " + std::to_string(kMaxResponseBytes) + " bytes");
    }
    return Error(ChainErrc::kTransport, where + ": " + curl_easy_strerror(rc));
  }
  pool_->release(h);
  return HttpResponse{status, std::move(sink.body)};
}

std::string redact_url(std::string_view url) {
  auto scheme_end = url.find("://");
  std::string_view scheme;
  std::string_view rest = url;
  if (scheme_end != std::string_view::npos) {
    scheme = url.substr(0, scheme_end + 3);
    rest = url.substr(scheme_end + 3);
  }
  auto path = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  return std::string(scheme) + std::string(authority);
}

}  // namespace wavs::chain
