#pragma once
// The wasi module's error enum. Load failures of the guest itself (malformed, invalid,
// unlinkable) keep the engine's WasmErrc; these codes cover what this module adds.

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::wasi, WasiErrc,
                kInstrument,   // the fuel pass cannot parse or meter the module
                kPreopen,      // a granted host directory cannot be opened
                kNoEntry,      // the module has no exported entry function (`_start`)
                kMemoryLimit,  // the module needs more memory than the cap allows
                kBadOption)    // a run option is malformed (an env entry without '=')
