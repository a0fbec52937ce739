#pragma once
// Nonces for one account, shared by concurrent senders. The node's pending count seeds
// it; afterwards nonces are handed out locally so concurrent sends never collide.
// A nonce whose transaction never reached the node is released and handed out again
// before any new one, so no gap blocks the later transactions; a "nonce too low"
// answer means someone else used nonces, and resync() moves past them.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>

#include "common/error.hpp"

namespace wavs::chain {

class NonceManager {
 public:
  // `fetch` returns the account's pending transaction count.
  explicit NonceManager(std::function<Result<std::uint64_t>()> fetch) : fetch_(std::move(fetch)) {}

  [[nodiscard]] Result<std::uint64_t> acquire();
  // The transaction with `nonce` was not accepted by the node; reuse the nonce.
  void release(std::uint64_t nonce);
  // The node reported a nonce as used: re-read the pending count and skip past it.
  [[nodiscard]] Status resync();

  // The next fresh nonce (for tests and metrics); nullopt before the first acquire.
  [[nodiscard]] std::optional<std::uint64_t> peek_next() const;

 private:
  std::function<Result<std::uint64_t>()> fetch_;
  mutable std::mutex mu_;
  std::optional<std::uint64_t> next_;
  std::set<std::uint64_t> released_;
};

}  // namespace wavs::chain
