#include "cli/node_command.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <ostream>
#include <thread>

#include "aggregator/aggregator.hpp"
#include "aggregator/api.hpp"
#include "cli/aggregator_command.hpp"
#include "cli/app.hpp"
#include "httpd/router.hpp"
#include "httpd/server.hpp"
#include "node/api.hpp"
#include "node/node.hpp"
#include "runtime/daemon.hpp"

namespace wavs::cli {

void add_node_options(CLI::App& node, NodeCommand& o) {
  node.add_option("--host", o.host, "address the HTTP API binds (key host)");
  node.add_option("--port", o.port, "port of the HTTP API, 0 for any free one (key port)");
  node.add_option("--data", o.data, "data directory (key data)");
  node.add_flag("--dev", o.dev, "enable the /dev routes (key dev_endpoints_enabled)");
  node.add_option("--port-file", o.port_file, "write the bound port to this file once listening");
  node.add_flag("--with-aggregator", o.with_aggregator,
                "also run an aggregator in this process ([aggregator] keys; routes under /aggregator)");
  node.footer(
      "The node's keys are the [wavs] table of wavs.toml and WAVS_* variables; `wavs config`\n"
      "prints what it would use. SIGINT or SIGTERM stops it: triggers, runs and deliveries\n"
      "end within a bounded time and everything not finished resumes at the next start.");
}

std::vector<std::pair<std::string, std::string>> node_flags(const NodeCommand& o) {
  std::vector<std::pair<std::string, std::string>> flags;
  if (o.host) flags.emplace_back("host", *o.host);
  if (o.port) flags.emplace_back("port", std::to_string(*o.port));
  if (o.data) flags.emplace_back("data", *o.data);
  if (o.dev) flags.emplace_back("dev_endpoints_enabled", "true");
  return flags;
}

// Written to a temporary file and renamed, so a reader never sees a partial number.
bool write_port_file(const std::string& file, std::uint16_t port) {
  const std::string tmp = file + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  return !ec;
}

int run_node(const NodeCommand& options, const node::Settings& settings, std::ostream& out, std::ostream& err,
             const aggregator::Settings* aggregator_settings) {
  runtime::DaemonConfig dc;
  dc.io_threads = 1;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  dc.workers.threads = settings.workers > 0 ? settings.workers : cores;
  runtime::Daemon daemon(dc);

  auto node = node::Node::open(settings, daemon);
  if (!node) {
    err << "wavs node: " << node.error().message() << "\n";
    return node.error().is(ConfigErrc::kBadValue) ? kExitUsage : kExitFailure;
  }
  httpd::Router router;
  if (auto st = node::add_routes(router, **node); !st) {
    err << "wavs node: " << st.error().message() << "\n";
    return kExitFailure;
  }
  // The hosted aggregator shares the node's chains and lives in its data directory.
  std::unique_ptr<aggregator::Aggregator> agg;
  if (aggregator_settings != nullptr) {
    aggregator::Settings as = *aggregator_settings;
    as.shared.chains_json = settings.shared.chains_json;
    auto opened = open_aggregator(as, (std::filesystem::path(settings.shared.data) / "aggregator").string(),
                                  daemon.stop_token());
    if (!opened) {
      err << "wavs node: aggregator: " << opened.error().message() << "\n";
      return kExitUsage;
    }
    agg = std::move(*opened);
    if (auto st = aggregator::add_routes(router, *agg, "/aggregator"); !st) {
      err << "wavs node: " << st.error().message() << "\n";
      return kExitFailure;
    }
  }
  httpd::ServerConfig sc;
  sc.host = settings.api.host;
  sc.port = settings.api.port;
  sc.bearer_token = settings.bearer_token;
  httpd::Server server(sc, router, daemon.io(), &daemon.workers());
  if (auto st = server.start(); !st) {
    err << "wavs node: " << st.error().message() << "\n";
    return kExitFailure;
  }
  daemon.start();
  if (auto st = (*node)->start(server.port()); !st) {
    err << "wavs node: " << st.error().message() << "\n";
    (void)server.stop();
    (void)daemon.shutdown();
    return kExitFailure;
  }
  if (agg) {
    agg->start();
    daemon.add_stopper("aggregator", [&agg] { agg->stop(); });
  }
  spdlog::info("wavs node listening on http://{}:{} (operator {})", settings.api.host, server.port(),
               (*node)->operator_address().to_checksum());
  return serve_until_stopped("node", daemon, server, settings.api.host, options.port_file, out, err);
}

int serve_until_stopped(std::string_view role, runtime::Daemon& daemon, httpd::Server& server,
                        const std::string& host, const std::string& port_file, std::ostream& out, std::ostream& err) {
  // Stoppers run newest first: the API stops taking requests before the parts behind it stop.
  daemon.add_stopper("http api", [&server] {
    if (auto st = server.stop(); !st) spdlog::warn("http api: {}", st.error().message());
  });
  if (!port_file.empty() && !write_port_file(port_file, server.port())) {
    err << "wavs " << role << ": cannot write " << port_file << "\n";
    daemon.request_stop();
  }
  out << "wavs " << role << ": listening on http://" << host << ":" << server.port() << std::endl;
  auto st = daemon.run();
  if (!st) {
    err << "wavs " << role << ": shutdown: " << st.error().message() << "\n";
    return kExitFailure;
  }
  spdlog::info("wavs {} stopped{}", role, daemon.stop_signal() ? " by signal" : "");
  return kExitOk;
}

}  // namespace wavs::cli
