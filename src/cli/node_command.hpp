#pragma once
// `wavs node`: runs the operator node (node::Node behind its HTTP API) until SIGINT or
// SIGTERM. Settings come from the node's configuration ([wavs] in wavs.toml, WAVS_*);
// the flags below override single keys, as `--set` does for `wavs config`.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aggregator/config.hpp"
#include "node/config.hpp"

namespace CLI {
class App;
}
namespace wavs::runtime {
class Daemon;
}
namespace wavs::httpd {
class Server;
}

namespace wavs::cli {

struct NodeCommand {
  std::optional<std::string> host;    // --host
  std::optional<std::uint16_t> port;  // --port (0: any free port; see --port-file)
  std::optional<std::string> data;    // --data
  bool dev = false;                   // --dev: dev_endpoints_enabled = true
  std::string port_file;              // --port-file: write the bound port here once listening
  bool with_aggregator = false;       // --with-aggregator: host an aggregator under /aggregator
};

void add_node_options(CLI::App& node, NodeCommand& options);
// The overrides the flags make, for load_config's flag layer.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> node_flags(const NodeCommand& options);

// Writes the bound port of a daemon for --port-file, atomically (a temporary file renamed),
// so a reader never sees a partial number. false when it cannot be written.
[[nodiscard]] bool write_port_file(const std::string& file, std::uint16_t port);

// The end every daemon subcommand shares, once its parts run: the API stopper (run first
// at shutdown), --port-file, the "listening" line on `out`, then daemon.run() until
// SIGINT/SIGTERM. kExitOk after a clean shutdown, kExitFailure when it overran.
int serve_until_stopped(std::string_view role, runtime::Daemon& daemon, httpd::Server& server,
                        const std::string& host, const std::string& port_file, std::ostream& out,
                        std::ostream& err);

// Exit codes: 0 after a clean shutdown, 1 when the node failed at start (the data
// directory, the port, a chain), or its shutdown overran; 2 bad settings.
// `aggregator` (with --with-aggregator): the [aggregator] settings of the aggregator run in
// this process, on <data>/aggregator, its routes under /aggregator on the node's server.
int run_node(const NodeCommand& options, const node::Settings& settings, std::ostream& out, std::ostream& err,
             const aggregator::Settings* aggregator = nullptr);

}  // namespace wavs::cli
