#include "httpd/error.hpp"

// clang-format off
WAVS_ERROR_TABLE(wavs::httpd, HttpdErrc, "httpd",
                 "bad route",
                 "bad request",
                 "bad server configuration",
                 "cannot listen",
                 "did not finish in time")
// clang-format on
