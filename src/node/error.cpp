#include "node/error.hpp"

// clang-format off
WAVS_ERROR_TABLE(wavs::node, NodeErrc, "node",
                 "bad URI",
                 "transfer failed",
                 "timed out",
                 "unexpected HTTP status",
                 "too large",
                 "stopped",
                 "not found",
                 "wrong service manager",
                 "digest mismatch",
                 "unsupported source",
                 "component store failure",
                 "no operator mnemonic",
                 "bad HD index",
                 "malformed packet",
                 "busy",
                 "unknown service",
                 "service exists",
                 "bad work item",
                 "bad trigger")
// clang-format on
