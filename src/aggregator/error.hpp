#pragma once
// The aggregator module's error enum: why a packet is refused or could not be judged,
// and why a service could not be added. docs/http-api.md ("Aggregator routes") maps each
// to its HTTP status; details name the service, event, signer or JSON path, never a key.

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::aggregator, AggregatorErrc,
                kBadPacket,       // a packet that does not parse (detail: JSON path)
                kBadSignature,    // the signature does not recover to the packet's signer
                kUnknownService,  // no service with the packet's service id is registered here
                kServiceExists,   // POST /services for a service registered already
                kUnknownWorkflow,  // the service has no workflow of the packet's workflow id
                kNoDestination,    // the workflow submits nothing this aggregator can land
                kUnknownSigner,    // the signing key is bound to no operator of the manager
                kNoWeight,         // the signer's operator has no weight
                kNoChain,          // no endpoints configured for a chain the service uses
                kNoCredential,     // no aggregator_evm_credential: nothing can be submitted
                kRejected,         // the handler or manager rejects the signatures (not quorum)
                kChain,            // the chain could not be asked or the transaction not sent
                kStorage,          // the aggregator's database failed
                kStopped)          // the aggregator is stopping
