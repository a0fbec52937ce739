#include "chain/nonce_manager.hpp"

namespace wavs::chain {

Result<std::uint64_t> NonceManager::acquire() {
  std::lock_guard lock(mu_);
  if (!released_.empty()) {
    auto n = *released_.begin();
    released_.erase(released_.begin());
    return n;
  }
  if (!next_) {
    // Fetched under the lock so two first senders cannot both seed it.
    auto n = fetch_();
    if (!n) return n.error();
    next_ = *n;
  }
  return (*next_)++;
}

void NonceManager::release(std::uint64_t nonce) {
  std::lock_guard lock(mu_);
  if (next_ && nonce + 1 == *next_) {
    --*next_;
    // Released nonces just below the new end shrink it further.
    while (!released_.empty() && *released_.rbegin() + 1 == *next_) {
      released_.erase(std::prev(released_.end()));
      --*next_;
    }
  } else {
    released_.insert(nonce);
  }
}

Status NonceManager::resync() {
  auto n = fetch_();
  if (!n) return n.error();
  std::lock_guard lock(mu_);
  if (!next_ || *n > *next_) next_ = *n;
  // Released nonces below the node's count were taken by someone else.
  released_.erase(released_.begin(), released_.lower_bound(*n));
  return {};
}

std::optional<std::uint64_t> NonceManager::peek_next() const {
  std::lock_guard lock(mu_);
  return next_;
}

}  // namespace wavs::chain
