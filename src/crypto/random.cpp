#include "crypto/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "crypto/error.hpp"

namespace wavs::crypto {

Status random_bytes(std::span<std::uint8_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error(CryptoErrc::kRandomUnavailable, std::string("getrandom: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace wavs::crypto
