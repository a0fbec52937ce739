#pragma once
// The process-wide libsecp256k1 context (internal to the crypto module).

#include <secp256k1.h>

namespace wavs::crypto::detail {

// Created and randomised once; afterwards only read, which libsecp256k1 allows from
// many threads at once.
const secp256k1_context* secp256k1_ctx();

}  // namespace wavs::crypto::detail
