#include "aggregator/error.hpp"

// clang-format off
WAVS_ERROR_TABLE(wavs::aggregator, AggregatorErrc, "aggregator",
                 "malformed packet",
                 "bad signature",
                 "unknown service",
                 "service already registered",
                 "unknown workflow",
                 "no destination",
                 "unknown signer",
                 "operator has no weight",
                 "no endpoints for chain",
                 "no submission credential",
                 "rejected by the contracts",
                 "chain failure",
                 "storage failure",
                 "stopping")
// clang-format on
