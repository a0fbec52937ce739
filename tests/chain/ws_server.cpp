#include "ws_server.hpp"

#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace wavs::chain::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

// Blocking Beast on one thread per connection: simple, and the tests are small.
struct ScriptedWsServer::Impl {
  Handler handler;
  bool handshake;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::atomic<bool> stop{false};
  std::atomic<int> connections{0};
  std::thread accept_thread;
  std::mutex mu;
  std::vector<std::thread> workers;
  std::vector<std::shared_ptr<websocket::stream<tcp::socket>>> streams;
  std::vector<std::shared_ptr<tcp::socket>> raw;

  void serve(const std::shared_ptr<websocket::stream<tcp::socket>>& ws) {
    beast::error_code ec;
    ws->accept(ec);
    if (ec) return;
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
};

ScriptedWsServer::ScriptedWsServer(Handler handler, bool handshake) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->handshake = handshake;
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->acceptor.non_blocking(true);
  impl_->accept_thread = std::thread([impl = impl_.get()] {
    while (!impl->stop) {
      beast::error_code ec;
      tcp::socket socket(impl->ioc);
      impl->acceptor.accept(socket, ec);
      if (ec) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      ++impl->connections;
      socket.non_blocking(false);
      std::lock_guard lock(impl->mu);
      if (!impl->handshake) {
        impl->raw.push_back(std::make_shared<tcp::socket>(std::move(socket)));
        continue;
      }
      auto ws = std::make_shared<websocket::stream<tcp::socket>>(std::move(socket));
      impl->streams.push_back(ws);
      impl->workers.emplace_back([impl, ws] { impl->serve(ws); });
    }
  });
}

ScriptedWsServer::~ScriptedWsServer() {
  impl_->stop = true;
  impl_->accept_thread.join();
  {
    std::lock_guard lock(impl_->mu);
    beast::error_code ec;
    // Shutting the sockets down wakes the workers blocked in read.
    for (auto& ws : impl_->streams) ws->next_layer().shutdown(tcp::socket::shutdown_both, ec);
    for (auto& s : impl_->raw) s->close(ec);
  }
  for (auto& w : impl_->workers) w.join();
}

std::uint16_t ScriptedWsServer::port() const { return impl_->port; }
int ScriptedWsServer::connections() const { return impl_->connections.load(); }

void ScriptedWsServer::broadcast(const std::string& message) {
  std::lock_guard lock(impl_->mu);
  for (auto& ws : impl_->streams) {
    beast::error_code ec;
    ws->text(true);
    ws->write(net::buffer(message), ec);
  }
}

}  // namespace wavs::chain::testing
