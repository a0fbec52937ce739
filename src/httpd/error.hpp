#pragma once
// The httpd module's error codes: what setting up a server or a route can fail with.
// Failures of a request are not Errors: they are JSON error responses (see message.hpp).

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::httpd, HttpdErrc,
                kBadRoute,    // a route's pattern or documentation is malformed, or it is a duplicate
                kBadRequest,  // a request target that cannot be decoded
                kBadConfig,   // a server setting outside its range
                kBind,        // the listening address could not be resolved, bound or listened on
                kTimeout)     // stop() did not see every connection close within its bound
