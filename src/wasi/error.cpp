#include "wasi/error.hpp"

WAVS_ERROR_TABLE(wavs::wasi, WasiErrc, "wasi",
                 "cannot instrument module",
                 "cannot open preopened directory",
                 "no entry point",
                 "memory limit exceeded",
                 "bad run option")
