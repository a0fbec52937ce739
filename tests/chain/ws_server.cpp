#include "ws_server.hpp"

#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <openssl/ssl.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace wavs::chain::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

using PlainWs = websocket::stream<tcp::socket>;
using TlsWs = websocket::stream<ssl::stream<tcp::socket>>;

// Blocking Beast on one thread per connection: simple, and the tests are small.
struct ScriptedWsServer::Impl {
  Handler handler;
  bool handshake;
  std::optional<ssl::context> tls;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::atomic<bool> stop{false};
  std::atomic<int> connections{0};
  std::atomic<int> upgraded{0};
  std::thread accept_thread;
  mutable std::mutex mu;
  std::string server_name;
  std::vector<std::thread> workers;
  std::vector<std::shared_ptr<PlainWs>> streams;
  std::vector<std::shared_ptr<TlsWs>> tls_streams;
  std::vector<std::shared_ptr<tcp::socket>> raw;

  template <class Ws>
  void serve(const std::shared_ptr<Ws>& ws) {
    beast::error_code ec;
    ws->accept(ec);
    if (ec) return;
    ++upgraded;
    for (;;) {
      beast::flat_buffer buffer;
      ws->read(buffer, ec);
      if (ec) return;
      auto replies = handler(beast::buffers_to_string(buffer.data()));
      std::lock_guard lock(mu);
      for (const auto& r : replies) {
        ws->text(true);
        ws->write(net::buffer(r), ec);
        if (ec) return;
      }
    }
  }

  void serve_tls(const std::shared_ptr<TlsWs>& ws) {
    beast::error_code ec;
    ws->next_layer().handshake(ssl::stream_base::server, ec);
    if (ec) {
      // The client refused our certificate, hung up, or does not speak TLS: hang up too,
      // as a real server would. Under the lock, as drop_connections() touches the socket.
      std::lock_guard lock(mu);
      beast::get_lowest_layer(*ws).close(ec);
      return;
    }
    const char* sni = SSL_get_servername(ws->next_layer().native_handle(), TLSEXT_NAMETYPE_host_name);
    {
      std::lock_guard lock(mu);
      server_name = sni != nullptr ? sni : "";
    }
    serve(ws);
  }

  void start() {
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor.open(ep.protocol());
    acceptor.bind(ep);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    acceptor.non_blocking(true);
    accept_thread = std::thread([this] {
      while (!stop) {
        beast::error_code ec;
        tcp::socket socket(ioc);
        acceptor.accept(socket, ec);
        if (ec) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        ++connections;
        socket.non_blocking(false);
        std::lock_guard lock(mu);
        if (!handshake) {
          raw.push_back(std::make_shared<tcp::socket>(std::move(socket)));
          continue;
        }
        if (tls) {
          auto ws = std::make_shared<TlsWs>(std::move(socket), *tls);
          tls_streams.push_back(ws);
          workers.emplace_back([this, ws] { serve_tls(ws); });
        } else {
          auto ws = std::make_shared<PlainWs>(std::move(socket));
          streams.push_back(ws);
          workers.emplace_back([this, ws] { serve(ws); });
        }
      }
    });
  }

  // Shutting the sockets down wakes the workers blocked in read (or in a handshake).
  void shutdown_all() {
    beast::error_code ec;
    for (auto& ws : streams) ws->next_layer().shutdown(tcp::socket::shutdown_both, ec);
    for (auto& ws : tls_streams) beast::get_lowest_layer(*ws).shutdown(tcp::socket::shutdown_both, ec);
    for (auto& s : raw) s->shutdown(tcp::socket::shutdown_both, ec);
  }
};

ScriptedWsServer::ScriptedWsServer(Handler handler, bool handshake) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->handshake = handshake;
  impl_->start();
}

ScriptedWsServer::ScriptedWsServer(Handler handler, TlsIdentity tls, bool handshake)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->handshake = handshake;
  impl_->tls.emplace(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(impl_->tls->native_handle(), TLS1_2_VERSION);
  impl_->tls->use_certificate_chain_file(tls.cert_file);  // throws on a bad file: test setup
  impl_->tls->use_private_key_file(tls.key_file, ssl::context::pem);
  impl_->start();
}

ScriptedWsServer::~ScriptedWsServer() {
  impl_->stop = true;
  impl_->accept_thread.join();
  {
    std::lock_guard lock(impl_->mu);
    impl_->shutdown_all();
    beast::error_code ec;
    for (auto& s : impl_->raw) s->close(ec);
  }
  for (auto& w : impl_->workers) w.join();
}

std::uint16_t ScriptedWsServer::port() const { return impl_->port; }
std::string ScriptedWsServer::url() const {
  return (impl_->tls ? "wss://127.0.0.1:" : "ws://127.0.0.1:") + std::to_string(port());
}
int ScriptedWsServer::connections() const { return impl_->connections.load(); }
int ScriptedWsServer::upgraded() const { return impl_->upgraded.load(); }

std::string ScriptedWsServer::last_server_name() const {
  std::lock_guard lock(impl_->mu);
  return impl_->server_name;
}

void ScriptedWsServer::broadcast(const std::string& message) {
  std::lock_guard lock(impl_->mu);
  for (auto& ws : impl_->streams) {
    beast::error_code ec;
    ws->text(true);
    ws->write(net::buffer(message), ec);
  }
}

void ScriptedWsServer::drop_connections() {
  std::lock_guard lock(impl_->mu);
  impl_->shutdown_all();
}

}  // namespace wavs::chain::testing
