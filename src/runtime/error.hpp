#pragma once
// The runtime module's error codes: what the daemon's executors report to the code that
// hands them work or shuts them down.

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::runtime, RuntimeErrc,
                kBusy,       // the worker queue is full: slow down, or drop and retry later
                kStopped,    // shutdown has begun; no new work is accepted
                kTimeout,    // something did not finish within its bound (named in the detail)
                kBadConfig)  // a setting outside its range
