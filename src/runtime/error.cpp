#include "runtime/error.hpp"

// clang-format off
WAVS_ERROR_TABLE(wavs::runtime, RuntimeErrc, "runtime",
                 "busy",
                 "stopped",
                 "did not finish in time",
                 "bad runtime configuration")
// clang-format on
