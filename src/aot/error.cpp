#include "aot/error.hpp"

WAVS_ERROR_TABLE(wavs::aot, AotErrc, "aot", "C compiler missing", "C compilation failed",
                 "C compilation timed out", "aot file I/O error", "corrupt aot cache file",
                 "cannot load compiled module", "bad compile input", "bad aot cache key",
                 "insecure aot cache", "C compilation cancelled")
