#pragma once
// The `wavs` command line: parses arguments into settings and runs a subcommand.
// main() only forwards to run(); tests call run() in-process with their own streams.

#include <iosfwd>
#include <string>
#include <vector>

namespace wavs::cli {

// Stable process exit codes (documented in docs/operations.md).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,        // the operation ran and failed (unreachable RPC, component failure…)
  kExitUsage = 2,          // bad flags, bad configuration file, bad input
  kExitNotImplemented = 3, // a subcommand this build does not provide yet
};

// args[0] is the program name.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace wavs::cli
