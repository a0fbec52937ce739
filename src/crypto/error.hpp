#pragma once
// Errors of the crypto module. Messages never carry secret material: a bad mnemonic
// word is named by its position, never by its text.

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::crypto, CryptoErrc,
                kInvalidPrivateKey,  // zero, >= the curve order, or not 32 bytes
                kInvalidSignature,   // r or s zero / out of range, s high, v not 27/28
                kRecoveryFailed,     // no public key recovers from the signature
                kBadChecksum,        // EIP-55 address or BIP-39 mnemonic checksum mismatch
                kInvalidAddress,     // not 20 bytes of hex
                kInvalidMnemonic,    // unknown word, wrong word count
                kInvalidPath,        // a BIP-32 derivation path that does not parse
                kDerivationFailed,   // BIP-32 child key out of range (probability ~2^-127)
                kInvalidEntropy,     // BIP-39 entropy not 16..32 bytes in steps of 4
                kRandomUnavailable)  // the OS CSPRNG failed
