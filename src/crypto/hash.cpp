#include "crypto/hash.hpp"

#include <cryptopp/hmac.h>
#include <cryptopp/keccak.h>
#include <cryptopp/ripemd.h>
#include <cryptopp/sha.h>

namespace wavs::crypto {
namespace {

template <class Algo, std::size_t N>
FixedBytes<N> digest(ByteView data) {
  static_assert(Algo::DIGESTSIZE == N);
  // One object per thread: constructing Crypto++ hash objects costs about as much as
  // hashing 32 bytes, and Final() leaves the object reset for the next call.
  thread_local Algo algo;
  algo.Update(data.data(), data.size());
  FixedBytes<N> out;
  algo.Final(out.data.data());
  return out;
}

}  // namespace

Hash256 keccak256(ByteView data) { return digest<CryptoPP::Keccak_256, 32>(data); }
Hash256 sha256(ByteView data) { return digest<CryptoPP::SHA256, 32>(data); }
Hash160 ripemd160(ByteView data) { return digest<CryptoPP::RIPEMD160, 20>(data); }

Hash256 hmac_sha256(ByteView key, ByteView data) {
  CryptoPP::HMAC<CryptoPP::SHA256> mac(key.data(), key.size());
  mac.Update(data.data(), data.size());
  Hash256 out;
  mac.Final(out.data.data());
  return out;
}

Hash512 hmac_sha512(ByteView key, ByteView data) {
  CryptoPP::HMAC<CryptoPP::SHA512> mac(key.data(), key.size());
  mac.Update(data.data(), data.size());
  Hash512 out;
  mac.Final(out.data.data());
  return out;
}

struct Keccak256::State {
  CryptoPP::Keccak_256 algo;
};

Keccak256::Keccak256() : state_(new State) {}
Keccak256::~Keccak256() { delete state_; }

Keccak256& Keccak256::update(ByteView data) {
  state_->algo.Update(data.data(), data.size());
  return *this;
}

Hash256 Keccak256::finish() {
  Hash256 out;
  state_->algo.Final(out.data.data());
  return out;
}

}  // namespace wavs::crypto
