#pragma once
// The service module's error enum.

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::service, ServiceErrc,
                kBadJson,      // the document is not JSON (detail: byte offset)
                kBadManifest,  // a field is missing, mistyped or outside its rules (detail: JSON path)
                kBadChainKey)  // a chain key is not namespace:id
