#include "service/error.hpp"

WAVS_ERROR_TABLE(wavs::service, ServiceErrc, "service",
                 "manifest is not JSON",
                 "invalid service manifest",
                 "invalid chain key")
