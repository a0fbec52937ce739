#include "crypto/error.hpp"

WAVS_ERROR_TABLE(wavs::crypto, CryptoErrc, "crypto", "invalid private key", "invalid signature",
                 "signature recovery failed", "checksum mismatch", "invalid address", "invalid mnemonic",
                 "invalid derivation path", "key derivation failed", "invalid entropy",
                 "random source unavailable")
