#include "cli/aggregator_command.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <ostream>

#include "aggregator/aggregator.hpp"
#include "aggregator/api.hpp"
#include "cli/app.hpp"
#include "cli/node_command.hpp"
#include "crypto/keys.hpp"
#include "httpd/router.hpp"
#include "httpd/server.hpp"
#include "node/chain_config.hpp"
#include "runtime/daemon.hpp"

namespace wavs::cli {

void add_aggregator_options(CLI::App& cmd, AggregatorCommand& o) {
  cmd.add_option("--host", o.host, "address the HTTP API binds (key host)");
  cmd.add_option("--port", o.port, "port of the HTTP API, 0 for any free one (key port)");
  cmd.add_option("--data", o.data, "data directory, holds aggregator.sqlite (key data)");
  cmd.add_option("--port-file", o.port_file, "write the bound port to this file once listening");
  cmd.footer(
      "The aggregator's keys are the [aggregator] table of wavs.toml and WAVS_AGGREGATOR_*\n"
      "variables; `wavs config --role aggregator` prints what it would use. Its submitting\n"
      "key is aggregator_evm_credential (a 0x private key or a mnemonic, index 0).");
}

std::vector<std::pair<std::string, std::string>> aggregator_flags(const AggregatorCommand& o) {
  std::vector<std::pair<std::string, std::string>> flags;
  if (o.host) flags.emplace_back("host", *o.host);
  if (o.port) flags.emplace_back("port", std::to_string(*o.port));
  if (o.data) flags.emplace_back("data", *o.data);
  return flags;
}

Result<std::unique_ptr<aggregator::Aggregator>> open_aggregator(const aggregator::Settings& settings,
                                                                const std::string& data_dir, std::stop_token cancel) {
  auto chains = node::parse_chain_endpoints(settings.shared.chains_json);
  if (!chains) return chains.error();
  if (data_dir.empty()) return Error(ConfigErrc::kBadValue, "key 'data': no data directory configured");
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Error(CommonErrc::kIo, "cannot create the data directory " + data_dir + ": " + ec.message());
  aggregator::AggregatorConfig ac;
  ac.data_dir = data_dir;
  ac.chains = std::move(*chains);
  ac.credential = settings.aggregator_evm_credential;
  for (const auto& a : settings.aggregator_set) ac.aggregator_set.push_back(*crypto::Address::from_hex(a));
  ac.takeover = std::chrono::milliseconds(settings.takeover_ms);
  ac.cancel = std::move(cancel);
  return aggregator::Aggregator::open(std::move(ac));
}

int run_aggregator(const AggregatorCommand& options, const aggregator::Settings& settings, std::ostream& out,
                   std::ostream& err) {
  runtime::DaemonConfig dc;
  dc.io_threads = 1;
  dc.workers.threads = 4;  // packet requests wait on RPC, not on the CPU
  runtime::Daemon daemon(dc);

  auto agg = open_aggregator(settings, settings.shared.data, daemon.stop_token());
  if (!agg) {
    err << "wavs aggregator: " << agg.error().message() << "\n";
    const bool usage = agg.error().is(aggregator::AggregatorErrc::kNoCredential) ||
                       agg.error().is(ConfigErrc::kBadValue) || agg.error().is(ConfigErrc::kWrongType) ||
                       agg.error().is(ConfigErrc::kUnknownKey);
    return usage ? kExitUsage : kExitFailure;
  }
  httpd::Router router;
  if (auto st = aggregator::add_routes(router, **agg); !st) {
    err << "wavs aggregator: " << st.error().message() << "\n";
    return kExitFailure;
  }
  httpd::ServerConfig sc;
  sc.host = settings.api.host;
  sc.port = settings.api.port;
  sc.bearer_token = settings.bearer_token;
  httpd::Server server(sc, router, daemon.io(), &daemon.workers());
  if (auto st = server.start(); !st) {
    err << "wavs aggregator: " << st.error().message() << "\n";
    return kExitFailure;
  }
  daemon.start();
  (*agg)->start();
  daemon.add_stopper("aggregator", [&agg] { (*agg)->stop(); });
  const auto submitter = (*agg)->submitter();
  spdlog::info("wavs aggregator listening on http://{}:{} (submitter {})", settings.api.host, server.port(),
               submitter ? submitter->to_checksum() : std::string("none: judging only"));
  return serve_until_stopped("aggregator", daemon, server, settings.api.host, options.port_file, out, err);
}

}  // namespace wavs::cli
