#include "node/error.hpp"

// clang-format off
WAVS_ERROR_TABLE(wavs::node, NodeErrc, "node",
                 "busy",
                 "stopped",
                 "unknown service",
                 "service exists",
                 "bad work item",
                 "bad trigger")
// clang-format on
