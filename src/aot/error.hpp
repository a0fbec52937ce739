#pragma once
// The aot module's error enum: building a wasm module's C translation as a shared object
// with the system C compiler, caching the object on disk, and loading it. Details name
// the compiler, the file or the key, never the cache's secret.

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::aot, AotErrc,
                kCompilerMissing,  // the C compiler is not found or does not run
                kCompileFailed,    // it failed (detail: exit status, its first lines)
                kTimeout,          // it did not finish in time and was killed
                kCacheIo,          // a cache or compile file cannot be made, read or written
                kCorrupt,          // the cache's key file is not what this module writes
                kLoadFailed,       // the dynamic loader refused the object
                kBadInput,         // a header name that is not a plain file name
                kBadKey,           // a cache key that is not 64 lower-case hex digits
                kInsecure,         // other users may read the key file or write the directory
                kCancelled)        // the compile was stopped (shutdown) and its compiler killed
