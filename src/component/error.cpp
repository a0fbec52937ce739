#include "component/error.hpp"

WAVS_ERROR_TABLE(wavs::component, ComponentErrc, "component",
                 "invalid argument",
                 "guest memory fault",
                 "not found",
                 "denied",
                 "limit exceeded",
                 "timed out",
                 "network error",
                 "JSON-RPC error",
                 "wrong value type",
                 "unavailable",
                 "internal host error",
                 "bad trigger",
                 "bad workflow context")

namespace wavs::component {

std::int32_t abi_code(const Error& error) {
  constexpr int kLastAbiCode = static_cast<int>(ComponentErrc::kInternal) + 1;
  if (error.code().category() == ComponentErrc_category()) {
    const int v = error.code().value();  // enumerator + 1
    if (v >= 1 && v <= kLastAbiCode) return -v;
  }
  return -kLastAbiCode;
}

}  // namespace wavs::component
