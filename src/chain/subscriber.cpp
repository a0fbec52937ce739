#include "chain/subscriber.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <thread>
#include <variant>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "chain/http.hpp"
#include "chain/json.hpp"

namespace wavs::chain {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

namespace {
// Notifications are small; a larger message means a confused or hostile endpoint.
constexpr std::size_t kMaxMessageBytes = 32u << 20;

enum class Kind { kHeads, kLogs };

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<ssl::stream<beast::tcp_stream>>;

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  (void)net::ip::make_address(host, ec);
  return !ec;
}

// Asio's host-name check, which also records *why* it refused the leaf certificate so
// the handshake error can say "hostname mismatch" instead of an unspecified failure.
struct VerifyHost {
  ssl::host_name_verification check;
  bool ip;
  bool operator()(bool preverified, ssl::verify_context& ctx) const {
    bool ok = check(preverified, ctx);
    if (preverified && !ok) {
      X509_STORE_CTX_set_error(ctx.native_handle(),
                               ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
    }
    return ok;
  }
};

// TLS 1.2 or later, peer verification always on, the system trust store plus the
// configured bundle. Built once per start() and shared by every connection.
Result<std::shared_ptr<ssl::context>> make_tls_context(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1) {
    return Error(ChainErrc::kTransport, "TLS: cannot require TLS 1.2 or later");
  }
  boost::system::error_code ec;
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (!ec) ctx->set_default_verify_paths(ec);
  if (ec) return Error(ChainErrc::kTransport, "TLS: system trust store: " + ec.message());
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) {
      return Error(ChainErrc::kInvalidArgument,
                   "ca_file " + ca_file + ": not a readable PEM certificate bundle (" + ec.message() + ")");
    }
  }
  return ctx;
}

// The OpenSSL reason plus, for a refused certificate, the verifier's own explanation
// ("unable to get local issuer certificate", "hostname mismatch", ...).
std::string tls_failure(const beast::error_code& ec, SSL* ssl) {
  std::string text = ec.message();
  long verify = SSL_get_verify_result(ssl);
  if (verify != X509_V_OK) text += ": " + std::string(X509_verify_cert_error_string(verify));
  return text;
}
}  // namespace

Result<WsUrl> parse_ws_url(std::string_view url) {
  constexpr std::string_view kWs = "ws://";
  constexpr std::string_view kWss = "wss://";
  WsUrl out;
  std::string_view rest;
  if (url.substr(0, kWss.size()) == kWss) {
    out.tls = true;
    rest = url.substr(kWss.size());
  } else if (url.substr(0, kWs.size()) == kWs) {
    rest = url.substr(kWs.size());
  } else {
    return Error(ChainErrc::kInvalidArgument, redact_url(url) + ": expected a ws:// or wss:// URL");
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority;
  std::string_view port = out.tls ? "443" : "80";
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return Error(ChainErrc::kInvalidArgument, "bad IPv6 host in ws URL");
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
    return Error(ChainErrc::kInvalidArgument, redact_url(url) + ": bad host or port");
  }
  out.host = std::string(host);
  out.port = std::string(port);
  return out;
}

// One connection attempt. Completion handlers hold a shared_ptr to it, so the stream
// outlives every operation started on it; the Impl drops its pointer on failure and a
// stale connection's handlers notice they are no longer current and do nothing.
// ws:// and wss:// share every step but the TLS handshake; `visit` runs the shared code
// on whichever stream this connection has.
struct Connection : std::enable_shared_from_this<Connection> {
  explicit Connection(net::io_context& ioc) : resolver(ioc), ws(std::in_place_type<PlainWs>, ioc) {}
  Connection(net::io_context& ioc, std::shared_ptr<ssl::context> ctx)
      : resolver(ioc), tls_context(std::move(ctx)), ws(std::in_place_type<TlsWs>, ioc, *tls_context) {}
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), ws);
  }
  tcp::resolver resolver;
  std::shared_ptr<ssl::context> tls_context;  // declared before `ws`, which uses it
  std::variant<PlainWs, TlsWs> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> outbox;
  bool writing = false;
  bool confirmed = false;
  std::map<std::uint64_t, Kind> pending;  // request id → what it subscribes to
  std::map<std::string, Kind> subs;       // subscription id → kind
  std::string shown;                      // redacted URL for messages
};

struct Subscriber::Impl {
  Impl(SubscriberConfig c, SubscriberHandlers h, bool want_heads, std::optional<LogFilter> filter)
      : config(std::move(c)), handlers(std::move(h)), heads(want_heads), logs(std::move(filter)) {}

  SubscriberConfig config;
  SubscriberHandlers handlers;
  bool heads;
  std::optional<LogFilter> logs;

  // A fresh context per start(): stop() destroys it with every pending operation, so
  // nothing from a previous run can fire in the next one.
  std::unique_ptr<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::thread thread;
  std::unique_ptr<net::steady_timer> deadline;  // connect + subscribe must finish in time
  std::unique_ptr<net::steady_timer> retry;     // reconnect back-off
  std::shared_ptr<Connection> current;
  std::shared_ptr<ssl::context> tls_context;  // made on the first wss:// connect
  std::size_t endpoint = 0;
  int failures = 0;
  std::uint64_t next_id = 1;
  std::atomic<bool> is_connected{false};
  std::atomic<int> connection_count{0};

  bool is_current(const std::shared_ptr<Connection>& c) const { return c && c == current; }

  void connect() {
    auto conn = std::make_shared<Connection>(*ioc);
    current = conn;
    if (config.ws_endpoints.empty()) {
      fail(conn, Error(ChainErrc::kNoEndpoint, "no WebSocket endpoint configured"));
      return;
    }
    const std::string& raw = config.ws_endpoints[endpoint % config.ws_endpoints.size()];
    conn->shown = redact_url(raw);
    auto url = parse_ws_url(raw);
    if (!url) {
      fail(conn, url.error());
      return;
    }
    if (url->tls) {
      if (!tls_context) {
        auto made = make_tls_context(config.ca_file);
        if (!made) {
          fail(conn, made.error().with_context(conn->shown));
          return;
        }
        tls_context = std::move(*made);
      }
      auto tls_conn = std::make_shared<Connection>(*ioc, tls_context);
      tls_conn->shown = conn->shown;
      conn = tls_conn;
      current = conn;
    }
    deadline->expires_after(config.connect_timeout + config.request_timeout);
    deadline->async_wait([this, conn](beast::error_code ec) {
      if (ec || !is_current(conn) || conn->confirmed) return;
      fail(conn,
           Error(ChainErrc::kTimeout,
                 conn->shown + ": not connected and subscribed within " +
                     std::to_string((config.connect_timeout + config.request_timeout).count()) + " ms"));
    });
    conn->resolver.async_resolve(
        url->host, url->port,
        [this, conn, u = *url](beast::error_code ec, const tcp::resolver::results_type& results) {
          if (!is_current(conn)) return;
          if (ec) return fail(conn, Error(ChainErrc::kTransport, conn->shown + ": resolve: " + ec.message()));
          auto& tcp_layer =
              conn->visit([](auto& ws) -> beast::tcp_stream& { return beast::get_lowest_layer(ws); });
          tcp_layer.expires_after(config.connect_timeout);
          tcp_layer.async_connect(results, [this, conn, u](beast::error_code ec2, const tcp::endpoint&) {
            if (!is_current(conn)) return;
            if (ec2)
              return fail(conn, Error(ChainErrc::kTransport, conn->shown + ": connect: " + ec2.message()));
            if (u.tls) return tls_handshake(conn, u);
            ws_handshake(conn, u);
          });
        });
  }

  void tls_handshake(const std::shared_ptr<Connection>& conn, const WsUrl& u) {
    auto& tls = std::get<TlsWs>(conn->ws).next_layer();
    bool ip = is_ip_literal(u.host);
    // SNI carries host names only (RFC 6066); providers behind shared front ends need it
    // to pick the right certificate.
    if (!ip && SSL_set_tlsext_host_name(tls.native_handle(), u.host.c_str()) != 1) {
      return fail(conn, Error(ChainErrc::kTransport, conn->shown + ": TLS: cannot set server name"));
    }
    tls.set_verify_callback(VerifyHost{ssl::host_name_verification(u.host), ip});
    beast::get_lowest_layer(tls).expires_after(config.connect_timeout);
    tls.async_handshake(ssl::stream_base::client, [this, conn, u](beast::error_code ec) {
      if (!is_current(conn)) return;
      if (ec) {
        auto code = ec == beast::error::timeout ? ChainErrc::kTimeout : ChainErrc::kTransport;
        SSL* ssl_handle = std::get<TlsWs>(conn->ws).next_layer().native_handle();
        return fail(conn, Error(code, conn->shown + ": TLS handshake: " + tls_failure(ec, ssl_handle)));
      }
      ws_handshake(conn, u);
    });
  }

  void ws_handshake(const std::shared_ptr<Connection>& conn, const WsUrl& u) {
    auto done = [this, conn](beast::error_code ec) {
      if (!is_current(conn)) return;
      if (ec) return fail(conn, Error(ChainErrc::kTransport, conn->shown + ": handshake: " + ec.message()));
      subscribe(conn);
      read(conn);
    };
    conn->visit([&](auto& ws) {
      // From here the WebSocket layer's own timeouts govern the stream.
      beast::get_lowest_layer(ws).expires_never();
      websocket::stream_base::timeout opt{};
      opt.handshake_timeout = config.connect_timeout;
      opt.idle_timeout = config.idle_timeout;
      opt.keep_alive_pings = true;
      ws.set_option(opt);
      ws.read_message_max(kMaxMessageBytes);
      ws.async_handshake(u.host + ":" + u.port, u.target, done);
    });
  }

  void subscribe(const std::shared_ptr<Connection>& conn) {
    auto send = [&](Kind kind, Json params) {
      std::uint64_t id = next_id++;
      conn->pending[id] = kind;
      Json req = {{"jsonrpc", "2.0"}, {"id", id}, {"method", "eth_subscribe"}, {"params", std::move(params)}};
      write(conn, req.dump());
    };
    // Logs first: any head we are told about afterwards was mined after the log
    // subscription existed.
    if (logs) send(Kind::kLogs, Json::array({"logs", to_json(*logs)}));
    if (heads) send(Kind::kHeads, Json::array({"newHeads"}));
    if (conn->pending.empty()) confirm(conn);
  }

  void confirm(const std::shared_ptr<Connection>& conn) {
    conn->confirmed = true;
    deadline->cancel();
    failures = 0;
    is_connected = true;
    ++connection_count;
    spdlog::debug("subscriber connected to {}", conn->shown);
    if (handlers.on_connected) handlers.on_connected();
  }

  void write(const std::shared_ptr<Connection>& conn, std::string message) {
    conn->outbox.push_back(std::move(message));
    if (!conn->writing) write_next(conn);
  }

  void write_next(const std::shared_ptr<Connection>& conn) {
    conn->writing = true;
    auto done = [this, conn](beast::error_code ec, std::size_t) {
      if (!is_current(conn)) return;
      if (ec) return fail(conn, Error(ChainErrc::kTransport, conn->shown + ": write: " + ec.message()));
      conn->outbox.pop_front();
      conn->writing = false;
      if (!conn->outbox.empty()) write_next(conn);
    };
    conn->visit([&](auto& ws) {
      ws.text(true);
      ws.async_write(net::buffer(conn->outbox.front()), done);
    });
  }

  void read(const std::shared_ptr<Connection>& conn) {
    auto done = [this, conn](beast::error_code ec, std::size_t) {
      if (!is_current(conn)) return;
      if (ec) {
        auto code = ec == beast::error::timeout ? ChainErrc::kTimeout : ChainErrc::kTransport;
        return fail(conn, Error(code, conn->shown + ": read: " + ec.message()));
      }
      std::string message = beast::buffers_to_string(conn->buffer.data());
      conn->buffer.consume(conn->buffer.size());
      on_message(conn, message);
      if (is_current(conn)) read(conn);
    };
    conn->visit([&](auto& ws) { ws.async_read(conn->buffer, done); });
  }

  void on_message(const std::shared_ptr<Connection>& conn, const std::string& text) {
    Json msg = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!msg.is_object()) {
      return fail(conn, Error(ChainErrc::kBadResponse, conn->shown + ": message is not a JSON object"));
    }
    if (auto id = msg.find("id"); id != msg.end() && id->is_number_unsigned()) {
      auto it = conn->pending.find(id->get<std::uint64_t>());
      if (it == conn->pending.end()) return;  // an answer we no longer wait for
      Kind kind = it->second;
      conn->pending.erase(it);
      auto result = response_result(msg, "eth_subscribe");
      if (!result) return fail(conn, result.error().with_context(conn->shown));
      if (!result->is_string()) {
        return fail(conn,
                    Error(ChainErrc::kBadResponse, conn->shown + ": eth_subscribe: id is not a string"));
      }
      conn->subs[result->get<std::string>()] = kind;
      if (conn->pending.empty()) confirm(conn);
      return;
    }
    auto method = msg.find("method");
    if (method == msg.end() || !method->is_string() || *method != "eth_subscription") return;
    auto params = msg.find("params");
    if (params == msg.end() || !params->is_object()) {
      return fail(conn, Error(ChainErrc::kBadResponse, conn->shown + ": notification without params"));
    }
    auto sub = params->find("subscription");
    auto result = params->find("result");
    if (sub == params->end() || !sub->is_string() || result == params->end()) {
      return fail(conn, Error(ChainErrc::kBadResponse, conn->shown + ": malformed notification"));
    }
    auto kind = conn->subs.find(sub->get<std::string>());
    if (kind == conn->subs.end()) return;
    if (kind->second == Kind::kHeads) {
      auto header = parse_header(*result);
      if (!header) return fail(conn, header.error().with_context(conn->shown + ": newHeads"));
      if (handlers.on_head) handlers.on_head(*header);
    } else {
      auto log = parse_log(*result);
      if (!log) return fail(conn, log.error().with_context(conn->shown + ": logs"));
      if (handlers.on_log) handlers.on_log(*log);
    }
  }

  void fail(const std::shared_ptr<Connection>& conn, const Error& error) {
    if (!is_current(conn)) return;
    current.reset();
    deadline->cancel();
    beast::error_code ignored;
    conn->resolver.cancel();
    // anvil does not answer the close handshake, so the socket is simply closed (over
    // TLS too: no close_notify, so closing never waits on the peer).
    conn->visit([&](auto& ws) { beast::get_lowest_layer(ws).socket().close(ignored); });
    is_connected = false;
    spdlog::debug("subscriber: {}", error.message());
    if (handlers.on_disconnected) handlers.on_disconnected(error);
    ++failures;
    ++endpoint;
    auto delay = config.reconnect_initial;
    for (int i = 1; i < failures && delay < config.reconnect_max; ++i) delay *= 2;
    retry->expires_after(std::min(delay, config.reconnect_max));
    retry->async_wait([this](beast::error_code ec) {
      if (!ec) connect();
    });
  }
};

Subscriber::Subscriber(SubscriberConfig config, SubscriberHandlers handlers, bool heads,
                       std::optional<LogFilter> logs)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handlers), heads, std::move(logs))) {}

Subscriber::~Subscriber() { stop(); }

void Subscriber::start() {
  if (impl_->thread.joinable()) return;
  impl_->ioc = std::make_unique<net::io_context>(1);
  impl_->deadline = std::make_unique<net::steady_timer>(*impl_->ioc);
  impl_->retry = std::make_unique<net::steady_timer>(*impl_->ioc);
  impl_->failures = 0;
  impl_->tls_context.reset();  // picks up a replaced CA bundle on restart
  impl_->work.emplace(impl_->ioc->get_executor());
  net::post(*impl_->ioc, [impl = impl_.get()] { impl->connect(); });
  impl_->thread = std::thread([impl = impl_.get()] {
    // Handlers do not throw by design; should a library call do so, log it and keep
    // the I/O thread alive rather than terminate the process.
    for (;;) {
      try {
        impl->ioc->run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("subscriber I/O thread: {}", e.what());
      }
    }
  });
}

void Subscriber::stop() {
  if (!impl_->thread.joinable()) return;
  // Stopping the context abandons pending operations at once; their handlers (holding
  // the connection) are destroyed with the context, and no user handler runs after this.
  impl_->ioc->stop();
  impl_->thread.join();
  impl_->work.reset();
  impl_->current.reset();
  impl_->deadline.reset();
  impl_->retry.reset();
  impl_->ioc.reset();
  impl_->is_connected = false;
}

bool Subscriber::connected() const { return impl_->is_connected.load(); }
int Subscriber::connections() const { return impl_->connection_count.load(); }

}  // namespace wavs::chain
