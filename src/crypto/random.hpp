#pragma once
// The operating system's CSPRNG (getrandom(2)); the only source of key material.

#include <cstddef>

#include "common/bytes.hpp"
#include "common/error.hpp"

namespace wavs::crypto {

// Fills `out` with cryptographically secure random bytes; fails only if the kernel does.
[[nodiscard]] Status random_bytes(std::span<std::uint8_t> out);

}  // namespace wavs::crypto
