#pragma once
// `wavs devnet`: a whole WAVS network on this machine, for trying services and for demos.
// In order: its own anvil (node_modules/.bin/anvil of the checkout, or on PATH) on a free
// loopback port; the contracts deployed in-process (deploy_contracts: WavsServiceManager
// with quorum 2/3, SimpleSubmit, SimpleTrigger); N operators registered with weight 1,
// each with a fresh mnemonic in a 0600 file and its signing key (index 1) bound; M
// `wavs aggregator` and N `wavs node` child processes of this same binary on 127.0.0.1,
// each in its own directory; the service (a manifest template, devnet_template.hpp)
// published through node 0, set as the manager's URI and registered on every aggregator,
// then every node. It then writes the state file and runs until SIGINT or SIGTERM, or,
// with --once, fires one trigger and waits for its result on chain. Either way it stops
// what it started — nodes, aggregators, anvil last — SIGTERM first, SIGKILL after a bound.
//
// Contract:
//   owns     the child processes, their directories under the work dir, the state file
//            (removed again at the end)
//   threads  a runtime::Daemon's I/O thread for SIGINT/SIGTERM; children are spawned
//            from the calling thread, which must outlive them (PR_SET_PDEATHSIG)
//   blocking run_devnet blocks until a signal (or --once's result); every start-up step
//            is bounded
//   cancels  SIGINT, SIGTERM: at any step, the start-up ends and everything is stopped

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::cli, DevnetErrc,
                kBadInput,  // a flag, the work dir, the service template (exit 2)
                kMissing,   // anvil, the contract artifacts or a component file is not there (exit 2)
                kFailed,    // a step of the start-up failed (exit 1)
                kTimeout)   // --once: the result did not land in time (exit 1)

namespace CLI {
class App;
}

namespace wavs::cli {

struct DevnetCommand {
  int operators = 3;
  int aggregators = 1;
  std::string service;  // --service FILE: a manifest template; empty: the square example
  std::string state;    // --state FILE; empty: <dir>/devnet.json
  std::string dir;      // --dir DIR: must be empty or missing; empty: a fresh temp dir
  bool once = false;
  std::uint64_t input = 7;   // --once: the u256 sent with SimpleTrigger.addTrigger
  int timeout_seconds = 60;  // --once: how long to wait for the result on chain
};

// The limits of the flags: anvil funds ten accounts and the aggregators submit with
// accounts 4 to 9.
inline constexpr int kMaxDevnetOperators = 16;
inline constexpr int kMaxDevnetAggregators = 6;

void add_devnet_options(CLI::App& devnet, DevnetCommand& options);

// anvil: <checkout>/node_modules/.bin/anvil (the checkout found as find_artifacts_dir
// finds it), else the first executable `anvil` on PATH.
[[nodiscard]] std::optional<std::filesystem::path> find_anvil();

// The example components of the build this binary belongs to: <build>/examples, two
// levels above <build>/apps/wavs/wavs.
[[nodiscard]] std::filesystem::path examples_dir();

// Exit codes: 0 stopped by SIGINT/SIGTERM after it was up, or --once saw its result;
// 1 a start-up step failed, --once timed out (the message names the log to read), or a
// signal came before it was up; 2 bad flags, a non-empty --dir, a bad template, or
// anvil, the artifacts or a component missing (each with the command that fixes it).
int run_devnet(const DevnetCommand& options, std::ostream& out, std::ostream& err);

}  // namespace wavs::cli
