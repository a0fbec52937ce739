#include "chain/http.hpp"

#include <mutex>
#include <stop_token>
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

// An easy handle with the multi handle that drives it. Transfers go through the multi
// interface so that a stop request can wake the wait at once (curl_multi_wakeup) instead
// of after the next progress tick; the multi handle also keeps the connection cache, so
// the pair is pooled together to keep keep-alive connections.
struct Handle {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;
};

struct HttpClient::Pool {
  std::mutex mu;
  std::vector<Handle> idle;

  Handle acquire() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        Handle h = idle.back();
        idle.pop_back();
        return h;
      }
    }
    Handle h{curl_easy_init(), curl_multi_init()};
    if (h.easy == nullptr || h.multi == nullptr) {
      destroy(h);
      return {};
    }
    return h;
  }
  void release(Handle h) {
    std::lock_guard lock(mu);
    // Keep a few warm handles (and their connections); more only costs sockets.
    if (idle.size() < 16) {
      idle.push_back(h);
    } else {
      destroy(h);
    }
  }
  static void destroy(Handle h) {
    if (h.multi != nullptr) curl_multi_cleanup(h.multi);
    if (h.easy != nullptr) curl_easy_cleanup(h.easy);
  }
  ~Pool() {
    for (Handle h : idle) destroy(h);
  }
};

HttpClient::HttpClient() : pool_(std::make_unique<Pool>()) { ensure_curl(); }
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::post_json(const std::string& url, const std::string& body,
                                           std::chrono::milliseconds timeout,
                                           std::chrono::milliseconds connect_timeout, std::stop_token cancel) {
  Handle handle = pool_->acquire();
  CURL* h = handle.easy;
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
  auto rc = static_cast<CURLcode>(perform_transfer(handle.easy, handle.multi, cancel));
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    // A handle whose transfer failed may hold a broken connection; do not reuse it.
    Pool::destroy(handle);
    std::string where = redact_url(url);
    if (rc == CURLE_ABORTED_BY_CALLBACK) return Error(ChainErrc::kStopped, where + ": cancelled");
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
  pool_->release(handle);
  return HttpResponse{status, std::move(sink.body)};
}

int perform_transfer(void* easy, void* multi, const std::stop_token& cancel) {
  if (cancel.stop_requested()) return CURLE_ABORTED_BY_CALLBACK;
  CURLM* m = multi != nullptr ? static_cast<CURLM*>(multi) : curl_multi_init();
  if (m == nullptr) return CURLE_OUT_OF_MEMORY;
  CURLcode result = CURLE_OK;
  if (curl_multi_add_handle(m, easy) != CURLM_OK) {
    result = CURLE_FAILED_INIT;
  } else {
    std::stop_callback wake(cancel, [m] { curl_multi_wakeup(m); });
    for (bool done = false; !done;) {
      int running = 0;
      if (curl_multi_perform(m, &running) != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(m, &queued)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
          result = msg->data.result;
          done = true;
        }
      }
      if (done) break;
      if (cancel.stop_requested()) {
        result = CURLE_ABORTED_BY_CALLBACK;
        break;
      }
      // The cap on one wait only matters if a wakeup were lost; curl shortens the wait
      // to its own timers.
      if (curl_multi_poll(m, nullptr, 0, 1000, nullptr) != CURLM_OK) {
        result = CURLE_FAILED_INIT;
        break;
      }
    }
    curl_multi_remove_handle(m, easy);
  }
  if (multi == nullptr) curl_multi_cleanup(m);
  return result;
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
