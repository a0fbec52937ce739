#pragma once
// Errors of the contract bindings. A failed eth_call or transaction keeps the chain
// module's code (kReverted, kTimeout, …) with the contract and function prefixed to its
// detail; these codes cover what the bindings themselves find wrong.

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::contracts, ContractsErrc,
                kDecode,    // return data or a log that does not decode as the function or event declares
                kWrongLog,  // a log that is not the event asked for (other topic0, or none)
                kNoEvent,   // a transaction receipt without the event the call always emits
                kArtifact)  // a forge artifact that is missing or malformed
