#pragma once
// The node module's error codes: what the dispatcher and the trigger schedule report to
// the code that feeds them (the node's trigger and service handling, the HTTP API).

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::node, NodeErrc,
                kBusy,            // a service's dispatch queue is full: keep the work durable, retry later
                kStopped,         // the dispatcher is stopping or stopped; no new work is accepted
                kUnknownService,  // no such service (never added, or removed)
                kServiceExists,   // a service with this id was already added
                kBadWorkItem,     // a work item that cannot run (missing program, ids that disagree)
                kBadTrigger)      // a trigger the schedule cannot take (bad cron text, n_blocks 0)
