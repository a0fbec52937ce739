#pragma once
// `wavs keys`: the operator's addresses, derived from its mnemonic as the node derives
// them (node::Signer): index 0 is the operator's own key, index i the signing key of the
// i-th service the node registered, each at m/44'/60'/0'/0/<index>. The mnemonic comes
// from the node's configuration (signing_mnemonic: wavs.toml [wavs] or
// WAVS_SIGNING_MNEMONIC) or from --mnemonic-file, never from a flag, and is never
// printed; private keys are printed only with --show-private.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "common/secret.hpp"

namespace CLI {
class App;
}

namespace wavs::cli {

struct KeysCommand {
  std::optional<std::uint32_t> index;  // --index N: index N as well as the operator's
  std::optional<std::uint32_t> up_to;  // --up-to N: indexes 0..N
  std::string mnemonic_file;           // --mnemonic-file: read the phrase from here
  bool show_private = false;
  bool json = false;
  Secret config_mnemonic;  // signing_mnemonic from the node's configuration (set by app.cpp)
  std::string data_dir;    // the node's data directory (set by app.cpp): its services are listed
};

inline constexpr std::uint32_t kMaxKeysListed = 10'000;

void add_keys_options(CLI::App& keys, KeysCommand& options);

// Also lists every service registered in <data_dir>/node.sqlite, when that file exists,
// with its HD index and signing address (read from the node's state; it may be running).
// Exit codes: 0 printed, 1 the state file exists but cannot be read, 2 no mnemonic, an
// unreadable file or an invalid phrase.
int print_keys(const KeysCommand& options, std::ostream& out, std::ostream& err);

}  // namespace wavs::cli
