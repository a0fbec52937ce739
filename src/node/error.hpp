#pragma once
// The node module's error enum: what fetching a service (manifest, components), signing
// its results, dispatching its runs and scheduling its triggers can fail with. Details
// name the URI (without its query or credentials), the JSON path or the HD index; never
// a mnemonic or a key. (NodeState keeps its own StateErrc, in state.hpp.)

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::node, NodeErrc,
                kBadUri,          // a service or component URI the node cannot fetch from
                kTransport,       // connection, DNS or TLS failure, or a broken transfer
                kTimeout,         // no complete answer within the timeout
                kHttpStatus,      // the server answered with a status other than 200
                kTooLarge,        // the document is over its size cap
                kStopped,         // cancelled through a stop token, or the dispatcher is stopping
                kNotFound,        // no such dev manifest, or a digest source not in the store
                kWrongManager,    // the manifest names another service manager than asked for
                kDigestMismatch,  // downloaded component bytes do not hash to their digest
                kUnsupported,     // a component source kind this node does not fetch (registry)
                kStore,           // the component store refused or failed to store the bytes
                kNoMnemonic,      // no operator mnemonic configured
                kBadIndex,        // an HD index outside what may sign (0 is the operator's own)
                kBadPacket,       // a packet document that is malformed (detail: JSON path)
                kBusy,            // a service's dispatch queue is full: keep the work durable, retry later
                kUnknownService,  // no such service (never added, or removed)
                kServiceExists,   // a service with this id was already added
                kBadWorkItem,     // a work item that cannot run (missing program, ids that disagree)
                kBadTrigger)      // a trigger the schedule cannot take (bad cron text, n_blocks 0)
